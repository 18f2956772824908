"""Advanced list conditions and saved filters (常用筛选)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services
from guanxi.orgs.models import SavedFilter

pytestmark = pytest.mark.django_db


def names(response):
    items = response.json()["items"]
    return sorted(item["name"] for item in items)


@pytest.fixture
def book(world):
    moment = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
    with time_machine.travel(moment, tick=False), org_scope(world.org):
        old = services.customer_create(
            actor=world.rep_a, name="杭州老友", region="浙江省/杭州市", tags=["重点", "华东"],
            registered_on=datetime.date(2025, 6, 1),
        )  # fmt: skip
    with org_scope(world.org):
        new = services.customer_create(
            actor=world.rep_a, name="北京新友", region="北京市", tags=["华北"],
            registered_on=datetime.date(2026, 11, 1),
        )  # fmt: skip
        services.customer_set_followups(
            customer_id=new.pk,
            last_at=datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC),
            next_on=datetime.date(2026, 12, 3),
        )
    return old, new


@time_machine.travel(datetime.datetime(2026, 12, 2, 9, tzinfo=datetime.UTC), tick=False)
def test_api_filters_by_region_tag_dates_and_follow_up(world, api, book):
    client = api(world.rep_a)
    url = "/api/v1/customers"
    assert names(client.get(url, {"region": "杭州"})) == ["杭州老友"]
    assert names(client.get(url, {"tag": "重点"})) == ["杭州老友"]
    assert names(client.get(url, {"tag": "华"})) == []  # whole tags only
    assert names(client.get(url, {"registered_after": "2026-01-01"})) == ["北京新友"]
    assert names(client.get(url, {"idle_days": "30"})) == ["杭州老友"]
    assert names(client.get(url, {"followup_due": "2026-12-05"})) == ["北京新友"]
    assert client.get(url, {"idle_days": "-3"}).status_code == 400
    assert client.get(url, {"registered_after": "昨天"}).status_code == 400


def test_list_screen_applies_more_conditions(world, web, book):
    page = web(world.rep_a).get(reverse("customers:customer_list"), {"tag": "华北"})
    text = page.content.decode()
    assert "北京新友" in text and "杭州老友" not in text
    assert '<details class="col-12 order-last" open' in text


def test_saved_filters_are_personal_unless_shared(world, web, book):
    client = web(world.rep_a)
    save = reverse("customers:saved_filter_save")
    response = client.post(save, {"name": "华东重点", "query": "tag=重点&after=99&region=浙江"})
    assert response.status_code == 302 and response["Location"].endswith(
        "?tag=重点&region=浙江".replace("重点", "%E9%87%8D%E7%82%B9").replace(
            "浙江", "%E6%B5%99%E6%B1%9F"
        )
    )
    client.post(save, {"name": "北京", "query": "region=北京", "shared": "1"})
    listed = client.get(reverse("customers:customer_list")).content.decode()
    assert listed.count('data-testid="saved-filter"') == 2
    other = web(world.rep_b).get(reverse("customers:customer_list")).content.decode()
    assert other.count('data-testid="saved-filter"') == 1 and "北京" in other
    # bad input changes nothing
    client = web(world.rep_a)
    assert client.post(save, {"name": "", "query": "tag=x"}).status_code == 302
    assert client.post(save, {"name": "空", "query": ""}).status_code == 302
    with all_orgs():
        assert SavedFilter.objects.count() == 2
        mine = SavedFilter.objects.get(name="华东重点")
    # others cannot delete it; its owner can
    delete = reverse("customers:saved_filter_delete", args=[mine.pk])
    assert web(world.rep_b).post(delete).status_code == 404
    assert web(world.rep_a).post(delete).status_code == 302
    with all_orgs():
        assert not SavedFilter.objects.filter(pk=mine.pk).exists()


def test_export_from_the_list_keeps_its_conditions(
    world, web, book, django_capture_on_commit_callbacks
):
    import io

    import openpyxl

    from guanxi.jobs.models import Job

    client = web(world.admin)
    page = client.get(reverse("customers:customer_list"), {"tag": "华北"}).content.decode()
    assert 'data-testid="export-xlsx"' in page
    url = reverse("customers:customer_export")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"tag": "华北", "mine": "1", "file_format": "csv"})
        response = client.post(
            url, {"tag": "华北", "owner": str(world.rep_a.pk), "file_format": "xlsx"}
        )
    assert response.status_code == 302
    with all_orgs():
        mine, job = Job.objects.order_by("id")
        assert mine.params["owner"] == str(world.admin.pk)  # "only mine" is kept too
        assert job.status == Job.Status.SUCCEEDED, job.error
        sheet = openpyxl.load_workbook(io.BytesIO(job.file.read())).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["北京新友"]
    assert web(world.readonly).post(reverse("customers:customer_export")).status_code == 403


def test_search_box_of_the_list_uses_the_index_and_scans_single_characters(world, api, book):
    client = api(world.rep_a)
    url = "/api/v1/customers"
    assert names(client.get(url, {"q": "杭州"})) == ["杭州老友"]  # 2 characters: the index
    assert names(client.get(url, {"q": "hzly"})) == ["杭州老友"]  # pinyin initials
    assert names(client.get(url, {"q": "友"})) == ["北京新友", "杭州老友"]  # 1 character: scan
    assert names(client.get(url, {"q": "100%"})) == []  # LIKE wildcards are plain text
