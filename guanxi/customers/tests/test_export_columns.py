"""The customer export's full set of columns and the contact export: columns in both
languages, masking, employee custom fields by name, formula safety, data scope, audit,
and a constant number of queries however many rows."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.audit.models import ExportRecord
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import jobs as customer_jobs
from guanxi.customers import services
from guanxi.customers.models import Customer
from guanxi.jobs.models import Job
from guanxi.orgs import services as org_services
from guanxi.orgs.models import Role
from guanxi.orgs.tests.factories import EmployeeFactory, role

pytestmark = pytest.mark.django_db


def _grant(world, role_name, capability):
    with all_orgs():
        found = Role.objects.get(org=world.org, name=role_name)
        found.permissions = sorted({*found.permissions, capability})
        found.save(update_fields=["permissions"])


def _run(client, capture, url, language="zh-hans", **params):
    """Start an export through the API, run it, and read its file back as rows."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    with capture(execute=True):
        response = client.post(f"{url}?{query}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 202, response.content
    with all_orgs():
        job = Job.objects.get(pk=response.json()["job"])
        assert job.status == Job.Status.SUCCEEDED, job.error
        content = job.file.read()
    if params.get("file_format") == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return [
            ["" if v is None else v for v in row]
            for row in book.worksheets[0].iter_rows(values_only=True)
        ]
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _records(rows):
    header, *body = rows
    return header, [dict(zip(header, row, strict=True)) for row in body]


@pytest.fixture
def customers(world):
    with org_scope(world.org):
        org_services.custom_field_create(
            actor=world.admin, entity="customer", code="helper", label="协办人",
            field_type="employee",
        )  # fmt: skip
        group = services.customer_create(actor=world.rep_a, name="集团总部", code="HQ-1")
        child = services.customer_create(
            actor=world.rep_a,
            name="华东分公司",
            phone="13812345678",
            finance_phone="13987654321",
            website="=HYPERLINK(1)",
            parent=group,
            is_person=False,
            custom={"helper": world.rep_b.pk},
        )
        person = services.customer_create(
            actor=world.rep_a, name="个人买家", is_person=True, custom={"helper": world.manager.pk}
        )
        Customer.objects.filter(pk=child.pk).update(value_tier="A")
        services.customer_create(actor=world.rep_b, name="北方客户", finance_phone="010-1234")
    return {"group": group, "child": child, "person": person}


CUSTOMERS = "/api/v1/customers/export"
CONTACTS = "/api/v1/contacts/export"


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_customer_export_has_the_new_columns_and_employee_names(
    world, customers, api, django_capture_on_commit_callbacks, file_format
):
    header, rows = _records(
        _run(
            api(world.manager), django_capture_on_commit_callbacks, CUSTOMERS,
            file_format=file_format,
        )
    )  # fmt: skip
    for column in ("财务电话", "网址", "上级单位", "个人客户", "价值等级", "协办人"):
        assert column in header
    by_name = {row["客户名称"]: row for row in rows}
    child, person = by_name["华东分公司"], by_name["个人买家"]
    assert child["财务电话"] == "13987654321"  # the manager sees full numbers
    assert child["网址"] == "'=HYPERLINK(1)"  # never a formula
    assert child["上级单位"] == "集团总部（HQ-1）" and by_name["集团总部"]["上级单位"] == ""
    assert child["个人客户"] == "否" and person["个人客户"] == "是"
    assert child["价值等级"] == "A 类（重要价值）" and person["价值等级"] == ""
    assert child["协办人"] == "李四" and person["协办人"] == "王经理"  # names, not #id


def test_customer_export_columns_in_english(
    world, customers, api, django_capture_on_commit_callbacks
):
    header, rows = _records(
        _run(api(world.manager), django_capture_on_commit_callbacks, CUSTOMERS, language="en")
    )
    for column in ("Finance phone", "Website", "Parent company", "Individual", "Value tier"):
        assert column in header, header
    child = next(row for row in rows if row["Customer name"] == "华东分公司")
    person = next(row for row in rows if row["Customer name"] == "个人买家")
    assert person["Individual"] == "Yes" and child["Individual"] == "No"
    assert child["Value tier"].startswith("A") and child["Parent company"] == "集团总部（HQ-1）"


def test_customer_export_masks_the_finance_phone(
    world, customers, api, django_capture_on_commit_callbacks
):
    marketer = EmployeeFactory(org=world.org, name="市场小周", roles=[role(world.org, "市场专员")])
    _header, rows = _records(_run(api(marketer), django_capture_on_commit_callbacks, CUSTOMERS))
    by_name = {row["客户名称"]: row for row in rows}
    assert by_name["华东分公司"]["财务电话"] == "139****4321"
    assert by_name["华东分公司"]["电话"] == "138****5678"
    assert "13987654321" not in str(rows)


def _run_job_directly(world, kind, func, employee, params=None):
    from guanxi.jobs import services as job_services

    with org_scope(world.org):
        job = Job.objects.create(org=world.org, kind=kind, created_by=employee, params=params or {})
        reporter = job_services.Reporter(job)
        with CaptureQueriesContext(connection) as queries:
            result = func(job, reporter)
    return result, len(queries)


def test_query_count_does_not_grow_with_rows(world, customers, monkeypatch):
    monkeypatch.setattr(customer_jobs, "PROGRESS_SECONDS", 3600)
    kind = customer_jobs.EXPORT_KIND
    _run_job_directly(world, kind, customer_jobs.export_customers, world.manager)  # caches warm
    first, few = _run_job_directly(world, kind, customer_jobs.export_customers, world.manager)
    with org_scope(world.org):
        for n in range(30):
            services.customer_create(
                actor=world.rep_a, name=f"加量客户{n}", parent=customers["group"],
                custom={"helper": world.rep_b.pk},
            )  # fmt: skip
    second, many = _run_job_directly(world, kind, customer_jobs.export_customers, world.manager)
    assert second["rows"] == first["rows"] + 30
    assert many == few


# ---- contacts ---------------------------------------------------------------------------


@pytest.fixture
def contacts(world, customers):
    with org_scope(world.org):
        org_services.custom_field_create(
            actor=world.admin, entity="contact", code="buddy", label="对接同事",
            field_type="employee",
        )  # fmt: skip
        mine = services.contact_create(
            actor=world.rep_a,
            customer=customers["child"],
            name="刘洋",
            mobile="13612345678",
            office_phone="021-88886666",
            title="@采购经理",
            gender="male",
            custom={"buddy": world.rep_a.pk},
        )
        north = services.customer_create(actor=world.rep_b, name="北方伙伴")
        theirs = services.contact_create(
            actor=world.rep_b, customer=north, name="李雷", mobile="13700001111", notes="=1+2"
        )
    return {"mine": mine, "theirs": theirs}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_contact_export_columns_names_formulas_and_audit(
    world, contacts, api, django_capture_on_commit_callbacks, file_format
):
    header, rows = _records(
        _run(
            api(world.manager), django_capture_on_commit_callbacks, CONTACTS,
            file_format=file_format,
        )
    )  # fmt: skip
    assert header[:3] == ["姓名", "客户名称", "客户编号"] and header[-1] == "对接同事"
    by_name = {row["姓名"]: row for row in rows}
    assert set(by_name) == {"刘洋", "李雷"}
    liu, li = by_name["刘洋"], by_name["李雷"]
    assert liu["客户名称"] == "华东分公司" and liu["手机"] == "13612345678"
    assert liu["办公电话"] == "021-88886666" and liu["性别"] == "男"
    assert liu["职务"] == "'@采购经理" and li["备注"] == "'=1+2"
    assert liu["对接同事"] == "张三" and li["对接同事"] == ""
    assert liu["主联系人"] == "是"
    with all_orgs():
        record = ExportRecord.objects.get(org=world.org, entity="customers.contact")
    assert record.row_count == 2 and record.actor_id == world.manager.pk
    assert record.file_format == file_format and "file_format" not in record.filters


def test_contact_export_columns_in_english(
    world, contacts, api, django_capture_on_commit_callbacks
):
    header, rows = _records(
        _run(api(world.manager), django_capture_on_commit_callbacks, CONTACTS, language="en")
    )
    assert header[:2] == ["Name", "Customer name"], header
    liu = next(row for row in rows if row["Name"] == "刘洋")
    assert liu["Gender"] == "Male" and liu["Primary contact"] == "Yes"


def test_contact_export_masks_phones_and_applies_filters(
    world, contacts, api, django_capture_on_commit_callbacks
):
    marketer = EmployeeFactory(org=world.org, name="市场小吴", roles=[role(world.org, "市场专员")])
    _header, rows = _records(
        _run(api(marketer), django_capture_on_commit_callbacks, CONTACTS, gender="male")
    )
    assert [row["姓名"] for row in rows] == ["刘洋"]
    assert rows[0]["手机"] == "136****5678" and "13612345678" not in str(rows)
    with all_orgs():
        record = ExportRecord.objects.get(org=world.org, entity="customers.contact")
    assert record.filters == {"gender": "male"}


def test_a_reps_contact_export_holds_only_their_contacts(
    world, contacts, api, django_capture_on_commit_callbacks
):
    _grant(world, "销售代表", "contacts.export")
    _header, rows = _records(_run(api(world.rep_a), django_capture_on_commit_callbacks, CONTACTS))
    assert [row["姓名"] for row in rows] == ["刘洋"]
    assert rows[0]["手机"] == "136****5678"  # a rep may not see full numbers


def test_a_reps_customer_export_holds_only_their_customers(
    world, customers, api, django_capture_on_commit_callbacks
):
    _grant(world, "销售代表", "customers.export")
    _header, rows = _records(_run(api(world.rep_b), django_capture_on_commit_callbacks, CUSTOMERS))
    assert [row["客户名称"] for row in rows] == ["北方客户"]


def test_contact_export_needs_the_permission(world, contacts, api, web):
    assert api(world.rep_a).post(CONTACTS).status_code == 403
    assert web(world.rep_a).post("/customers/contacts/export/").status_code == 403
    with all_orgs():
        assert not Job.objects.filter(org=world.org).exists()


def test_the_list_page_starts_the_export_with_its_filters(
    world, contacts, web, django_capture_on_commit_callbacks
):
    client = web(world.manager)
    page = client.get("/customers/contacts/", {"gender": "male"}).content.decode()
    assert 'data-testid="contact-export-form"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/customers/contacts/export/", {"gender": "male", "file_format": "xlsx", "bogus": "x"}
        )
    assert response.status_code == 302
    with all_orgs():
        job = Job.objects.get(org=world.org, kind=customer_jobs.CONTACT_EXPORT_KIND)
    assert job.status == Job.Status.SUCCEEDED and job.result["rows"] == 1
    assert job.file.name.endswith(".xlsx")
    assert response["Location"] == f"/jobs/{job.pk}/"
    rep_page = web(world.rep_a).get("/customers/contacts/").content.decode()
    assert 'data-testid="contact-export-form"' not in rep_page  # no export permission


def test_contact_query_count_does_not_grow_with_rows(world, contacts, monkeypatch):
    monkeypatch.setattr(customer_jobs, "PROGRESS_SECONDS", 3600)
    kind = customer_jobs.CONTACT_EXPORT_KIND
    _run_job_directly(world, kind, customer_jobs.export_contacts, world.manager)  # caches warm
    first, few = _run_job_directly(world, kind, customer_jobs.export_contacts, world.manager)
    with org_scope(world.org):
        for n in range(30):
            services.contact_create(
                actor=world.rep_a, customer=contacts["mine"].customer, name=f"联系人{n}",
                mobile="13600000000", custom={"buddy": world.rep_b.pk},
            )  # fmt: skip
    second, many = _run_job_directly(world, kind, customer_jobs.export_contacts, world.manager)
    assert second["rows"] == first["rows"] + 30
    assert many == few
