"""Exports refuse conditions the list cannot apply: a clear, translated 400 (or a
message on the list screen), and no job, no export record; valid conditions still
export exactly the rows they select."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guanxi.audit.models import ExportRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import jobs, services
from guanxi.jobs import services as job_services
from guanxi.jobs.models import Job
from guanxi.orgs import services as org_services
from guanxi.orgs.models import DictionaryEntry

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/export"
CONTACTS = "/api/v1/contacts/export"


@pytest.fixture
def book(world):
    with org_scope(world.org):
        org_services.custom_field_create(
            actor=world.admin, entity="customer", code="size", label="规模", field_type="number"
        )
        key = services.customer_create(actor=world.rep_a, name="重点茶庄", level="key")
        services.customer_create(actor=world.rep_a, name="普通茶庄")
        services.contact_create(actor=world.rep_a, customer=key, name="王经理")
    return {"key": key}


def _nothing_started(world):
    with all_orgs():
        assert not Job.objects.filter(org=world.org).exists()
        assert not ExportRecord.objects.filter(org=world.org).exists()


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("registered_after=2026-13-45", "registered_after", "登记日期从"),
        ("level=bogus", "level", "“bogus”不是有效的选项"),
        ("industry=nowhere&level=key", "industry", "“nowhere”不是有效的选项"),
        ("value_tier=Z", "value_tier", "价值等级"),
        ("credit_limit_min=很多", "credit_limit_min", "信用额度不低于"),
        ("lifecycle_stage=asleep", "lifecycle_stage", "生命周期"),
        ("owner=abc", "owner", "负责人"),
        ("phone=12", "phone", "4 位数字"),
        ("cf_size=很大", "cf_size", "“很大”不是“规模”的有效值"),
    ],
)
def test_customer_export_refuses_invalid_conditions(world, api, book, query, field, words):
    response = api(world.manager).post(f"{CUSTOMERS}?{query}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and set(body["fields"]) == {field}
    assert words in " ".join(body["fields"][field]) and words in body["detail"]
    _nothing_started(world)


def test_the_refusal_speaks_english(world, api, book):
    response = api(world.manager).post(
        f"{CUSTOMERS}?level=bogus&registered_before=soon", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["level"] == ["Filter “Customer level”: “bogus” is not a valid choice."]
    assert fields["registered_before"] == ["Filter “Registered until”: Enter a valid date."]
    _nothing_started(world)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("customer_level=bogus", "customer_level"),
        ("birthday_month=13", "birthday_month"),
        ("gender=x", "gender"),
    ],
)
def test_contact_export_refuses_invalid_conditions(world, api, book, query, field):
    response = api(world.manager).post(f"{CONTACTS}?{query}")
    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == {field}
    _nothing_started(world)


def _rows(job):
    with all_orgs():
        job = Job.objects.get(pk=job)
    assert job.status == Job.Status.SUCCEEDED, job.error
    return list(csv.reader(io.StringIO(job.file.read().decode("utf-8-sig"))))[1:]


def test_valid_codes_still_export_what_they_select(
    world, api, book, django_capture_on_commit_callbacks
):
    with org_scope(world.org):  # a retired entry still selects the customers holding it
        DictionaryEntry.objects.filter(kind="customer_level", code="key").update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        customers = api(world.manager).post(f"{CUSTOMERS}?level=key&cf_size=12")
        contacts = api(world.manager).post(f"{CONTACTS}?customer_level=key")
    assert customers.status_code == contacts.status_code == 202
    assert _rows(customers.json()["job"]) == []  # nobody has size 12
    assert [row[0] for row in _rows(contacts.json()["job"])] == ["王经理"]
    with django_capture_on_commit_callbacks(execute=True):
        customers = api(world.manager).post(f"{CUSTOMERS}?level=key")
    assert [row[1] for row in _rows(customers.json()["job"])] == ["重点茶庄"]


def test_the_service_refuses_before_starting_anything(world, book):
    with org_scope(world.org):
        with pytest.raises(ValidationError) as refused:
            jobs.customers_export_start(
                actor=world.manager, data={"level": "bogus", "registered_after": "x", "q": "茶"}
            )
        assert set(refused.value.message_dict) == {"level", "registered_after"}
        with pytest.raises(ValidationError) as refused:
            jobs.contacts_export_start(actor=world.manager, data={"customer_level": "nope"})
        assert set(refused.value.message_dict) == {"customer_level"}
    _nothing_started(world)


def test_a_queued_job_whose_conditions_went_bad_fails_without_exporting(
    world, book, django_capture_on_commit_callbacks
):
    """Conditions checked when it started may not hold when it runs (an entry deleted
    meanwhile): the job fails with the reason and records no export."""
    with org_scope(world.org), django_capture_on_commit_callbacks(execute=True):
        job = job_services.job_start(
            actor=world.manager, kind=jobs.EXPORT_KIND, params={"level": "gone"}
        )
    with all_orgs():
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and "“gone”不是有效的选项" in job.error
        assert not ExportRecord.objects.filter(org=world.org).exists()


def test_list_screen_export_goes_back_to_the_list_with_the_reason(world, web, book):
    client = web(world.manager)
    response = client.post(
        reverse("customers:customer_export"), {"level": "bogus", "q": "茶"}, follow=True
    )
    assert (
        response.redirect_chain[-1][0]
        == reverse("customers:customer_list") + "?level=bogus&q=%E8%8C%B6"
    )
    html = response.content.decode()
    assert "筛选条件“客户级别”：“bogus”不是有效的选项。" in html
    response = client.post(reverse("customers:contact_export"), {"birthday_month": "13"})
    assert response.status_code == 302
    assert response.url == reverse("customers:contact_list") + "?birthday_month=13"
    _nothing_started(world)


def test_the_lists_treat_the_same_conditions_alike(world, api, web, book):
    """The list API refuses an unknown code as it refuses a malformed date; the list
    screen names it and leaves it out."""
    response = api(world.manager).get("/api/v1/customers", {"level": "bogus"})
    assert response.status_code == 400 and "level" in response.json()["fields"]
    page = web(world.manager).get(reverse("customers:customer_list"), {"level": "bogus"})
    assert 'data-testid="filter-errors"' in page.content.decode()
    assert "“bogus”不是有效的选项" in page.content.decode()
