"""Real-browser flow of the follow-up and file cards on the customer page."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.workspace.models import Activity, Attachment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_adds_a_follow_up_and_uploads_and_downloads_a_file(world, page, sign_in, tmp_path):
    with org_scope(world.org):
        customer = customer_services.customer_create(actor=world.rep_a, name="杭州西湖茶业有限公司")
        customer_services.contact_create(actor=world.rep_a, customer=customer, name="陈静")
    next_date = timezone.localdate() + datetime.timedelta(days=3)
    sign_in(world.rep_a)
    page.goto(f"/customers/{customer.pk}/")
    assert page.locator("[data-testid=no-activities]").is_visible()

    form = page.locator("[data-testid=activity-form]")
    form.locator("select[name=kind]").select_option(label="拜访")
    form.locator("select[name=contact]").select_option(label="陈静")
    form.locator("textarea[name=content]").fill("上门拜访，客户对新茶样品有兴趣")
    form.locator("input[name=next_followup_on]").fill(next_date.isoformat())
    form.locator("[data-testid=add-activity]").click()
    page.wait_for_selector("[data-testid=activity-saved]")  # the card came back via htmx
    item = page.locator("[data-testid=activity-item]")
    assert item.count() == 1
    assert "上门拜访，客户对新茶样品有兴趣" in item.inner_text()
    assert item.locator("[data-testid=activity-kind]").inner_text() == "拜访"
    assert item.locator("[data-testid=activity-contact]").inner_text() == "陈静"
    assert item.locator("[data-testid=activity-next-date]").inner_text() == next_date.isoformat()
    # the form is empty again, ready for the next one
    assert page.locator("[data-testid=activity-form] textarea[name=content]").input_value() == ""

    # an empty follow-up is refused on the card itself
    page.locator("[data-testid=add-activity]").click()
    page.wait_for_selector("[data-testid=activity-form] .is-invalid")
    assert page.locator("[data-testid=activity-item]").count() == 1

    source = tmp_path / "报价单.txt"
    source.write_text("绿茶 100 元/斤", encoding="utf-8")
    files = page.locator("[data-testid=file-form]")
    files.locator("input[type=file]").set_input_files(str(source))
    files.locator("[data-testid=upload-file]").click()
    row = page.locator("[data-testid=file-row]")
    row.wait_for()
    assert "报价单.txt" in row.inner_text()
    with page.expect_download() as info:
        row.locator("[data-testid=file-download]").click()
    download = info.value
    assert download.suggested_filename == "报价单.txt"
    assert Path(download.path()).read_text(encoding="utf-8") == "绿茶 100 元/斤"

    with org_scope(world.org):
        activity = Activity.objects.get()
        assert activity.kind == "visit" and activity.owner == world.rep_a
        assert Customer.objects.get(pk=customer.pk).next_followup_on == next_date
        assert Attachment.objects.get().original_name == "报价单.txt"


def test_a_past_next_date_logged_on_a_customer_is_overdue_on_my_follow_ups(world, page, sign_in):
    """Log a follow-up whose next date has passed on the customer page; 我的跟进 flags it
    overdue in red, in Chinese and, after switching the language, in English."""
    with org_scope(world.org):
        customer = customer_services.customer_create(actor=world.rep_a, name="宁波港务集团")
    occurred = timezone.localtime() - datetime.timedelta(days=5)
    next_date = timezone.localdate() - datetime.timedelta(days=2)
    sign_in(world.rep_a)
    page.goto(f"/customers/{customer.pk}/")
    form = page.locator("[data-testid=activity-form]")
    form.locator("select[name=kind]").select_option(label="电话")
    form.locator("input[name=occurred_at]").fill(occurred.strftime("%Y-%m-%dT%H:%M"))
    form.locator("textarea[name=content]").fill("电话沟通续约，客户说下周答复")
    form.locator("textarea[name=outcome]").fill("客户考虑中")
    form.locator("input[name=next_followup_on]").fill(next_date.isoformat())
    form.locator("[data-testid=add-activity]").click()
    page.wait_for_selector("[data-testid=activity-saved]")
    item = page.locator("[data-testid=activity-item]")
    assert item.locator("[data-testid=activity-overdue]").inner_text() == "已逾期"

    page.goto("/activities/mine/")
    row = page.locator("[data-testid=followup-list] [data-testid=activity-item]")
    assert row.count() == 1
    assert "宁波港务集团" in row.locator("[data-testid=activity-target]").inner_text()
    assert row.locator("[data-testid=activity-next-date]").inner_text() == next_date.isoformat()
    badge = row.locator("[data-testid=activity-overdue]")
    assert badge.inner_text() == "已逾期"
    assert "text-danger" in (row.locator("[data-testid=activity-next]").get_attribute("class"))
    color = row.locator("[data-testid=activity-next]").evaluate("e => getComputedStyle(e).color")
    assert color.startswith("rgb(") and color.split(",")[0] != color.split(",")[1]  # red-ish
    page.locator("[data-testid=tab-overdue]").click()
    page.wait_for_url("**due=overdue**")
    assert page.locator("[data-testid=activity-item]").count() == 1

    page.locator("[data-testid=lang-switch]", has_text="English").click()
    page.wait_for_selector("html[lang=en]")
    page.goto("/activities/mine/")
    assert page.locator("h1").inner_text() == "My follow-ups"
    row = page.locator("[data-testid=followup-list] [data-testid=activity-item]")
    assert row.locator("[data-testid=activity-overdue]").inner_text() == "Overdue"
    assert "Outcome" in row.inner_text() and "Customer" in row.inner_text()
    with org_scope(world.org):
        activity = Activity.objects.get()
        assert activity.outcome == "客户考虑中" and activity.is_overdue
