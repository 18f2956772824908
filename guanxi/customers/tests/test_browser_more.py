"""Real-browser flows of the customer screens: editing (and a stale edit), exporting the
filtered list, handing customers over."""

import csv
import io
import re

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.customers import services
from guanxi.customers.models import Customer
from guanxi.jobs import services as job_services
from guanxi.jobs import tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _customer(actor, **fields):
    with org_scope(actor.org):
        return services.customer_create(actor=actor, **fields)


def _reload(world, customer):
    with org_scope(world.org):
        return Customer.objects.get(pk=customer.pk)


def test_rep_edits_a_customer_and_a_stale_edit_is_refused(world, page, sign_in):
    customer = _customer(world.rep_a, name="杭州西湖茶业有限公司", phone="0571-87654321")
    sign_in(world.rep_a)
    page.goto(f"/customers/{customer.pk}/")
    page.click("[data-testid=edit-customer]")
    form = page.locator("[data-testid=customer-form]")
    assert form.locator("input[name=name]").input_value() == "杭州西湖茶业有限公司"
    form.locator("input[name=name]").fill("杭州西湖茶业集团有限公司")
    form.locator("select[name=level]").select_option(label="重点客户")
    form.locator("input[name=tags]").fill("茶叶 华东")
    form.locator("[data-testid=save]").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert page.inner_text("[data-testid=customer-title]") == "杭州西湖茶业集团有限公司"
    assert page.inner_text("[data-testid=fact-level]") == "重点客户"
    assert "已保存" in page.inner_text("[data-testid=messages]")
    saved = _reload(world, customer)
    assert (saved.level, saved.tags, saved.version) == ("key", ["茶叶", "华东"], 2)

    # the form is open while a colleague saves the same customer
    page.click("[data-testid=edit-customer]")
    form.locator("textarea[name=notes]").fill("我的修改")
    with org_scope(world.org):
        services.customer_update(
            actor=world.manager, customer=saved, version=saved.version, notes="主管的修改"
        )
    form.locator("[data-testid=save]").click()
    errors = page.locator("[data-testid=form-errors]")
    errors.wait_for()
    assert "该记录已被他人修改，请刷新后重新编辑。" in errors.inner_text()
    # what was typed is still in the form, and nothing of it was saved
    assert form.locator("textarea[name=notes]").input_value() == "我的修改"
    assert _reload(world, customer).notes == "主管的修改"
    # reloading the form loads the colleague's version; saving it again works
    page.goto(f"/customers/{customer.pk}/edit/")
    assert form.locator("textarea[name=notes]").input_value() == "主管的修改"
    form.locator("textarea[name=notes]").fill("主管的修改；我的补充")
    form.locator("[data-testid=save]").click()
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert _reload(world, customer).notes == "主管的修改；我的补充"


def test_manager_exports_the_filtered_list_and_downloads_it(world, page, sign_in, monkeypatch):
    queue = []
    monkeypatch.setattr(tasks, "run_job", queue.append)  # the "worker" below runs it
    _customer(world.rep_a, name="杭州西湖茶业有限公司", phone="13612345678", tags=["茶叶"])
    _customer(world.rep_b, name="西湖龙井茶社", tags=["茶叶"])
    _customer(world.rep_a, name="宁波海运有限公司", tags=["海运"])
    sign_in(world.manager)
    page.goto("/customers/")
    page.fill("[data-testid=filter-q]", "西湖")
    page.click("[data-testid=filter-submit]")
    page.wait_for_url("**/customers/?q=*")
    names = page.locator("[data-testid=customer-name]")
    assert sorted(names.all_inner_texts()) == ["杭州西湖茶业有限公司", "西湖龙井茶社"]

    page.click("[data-testid=export-csv]")
    page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
    page.wait_for_selector("[data-testid=job-progress][data-status=queued]")
    assert page.locator("[data-testid=job-download]").count() == 0
    (job_id,) = queue
    job_services.job_run(job_id)  # the worker runs it; the open page notices by itself
    page.wait_for_selector("[data-testid=job-progress][data-status=succeeded]")
    bar = page.locator("[data-testid=job-progress-bar]")
    assert bar.get_attribute("aria-valuenow") == "100"
    assert "已导出 2 个客户。" in page.inner_text("[data-testid=job-summary]")
    with page.expect_download() as info:
        page.click("[data-testid=job-download]")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), "rb") as handle:
        content = handle.read()
    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    exported = sorted(row[1] for row in rows[1:])
    assert exported == ["杭州西湖茶业有限公司", "西湖龙井茶社"]  # the list's filter applied
    assert "13612345678" in content.decode("utf-8-sig")  # a manager sees full numbers
    # the link is not a public address: signed out, it leads to the sign-in page
    link = page.get_attribute("[data-testid=job-download]", "href")
    stranger = page.context.browser.new_context(base_url=page.url.split("/jobs/")[0])
    try:
        answer = stranger.request.get(link, max_redirects=0)
        assert answer.status == 302 and "/login/" in answer.headers["location"]
    finally:
        stranger.close()


def test_manager_hands_chosen_customers_of_one_rep_to_another(world, page, sign_in):
    first = _customer(world.rep_a, name="杭州西湖茶业有限公司")
    second = _customer(world.rep_a, name="宁波海运有限公司")
    kept = _customer(world.rep_a, name="温州鞋业有限公司")
    sign_in(world.manager)
    page.goto("/customers/")
    page.click("[data-testid=handover-page]")
    page.wait_for_selector("[data-testid=handover-source]")
    page.select_option("#h-source", label="张三")
    page.click("[data-testid=show-owned]")
    form = page.locator("[data-testid=handover-form]")
    form.wait_for()
    assert "张三 负责 3 个客户。" in page.inner_text("[data-testid=owned-total]")
    listed = page.locator("[data-testid=owned-list] label").all_inner_texts()
    assert len(listed) == 3 and any("温州鞋业有限公司" in text for text in listed)
    form.locator("select[name=target]").select_option(label="李四")
    form.locator("input[name=scope][value=chosen]").check()
    form.locator(f"#own-{first.pk}").check()
    form.locator(f"#own-{second.pk}").check()
    form.locator("[data-testid=handover-submit]").click()
    page.wait_for_url("**/customers/")
    assert "已把 2 个客户移交给“李四”。" in page.inner_text("[data-testid=messages]")

    with org_scope(world.org):
        owners = dict(Customer.objects.values_list("name", "owner_id"))
    assert owners == {
        "杭州西湖茶业有限公司": world.rep_b.pk,
        "宁波海运有限公司": world.rep_b.pk,
        "温州鞋业有限公司": world.rep_a.pk,
    }
    # the list shows the new owner, and the handover screen what 张三 still has
    page.goto(f"/customers/?owner={world.rep_b.pk}")
    assert sorted(page.locator("[data-testid=customer-name]").all_inner_texts()) == [
        "宁波海运有限公司", "杭州西湖茶业有限公司",
    ]  # fmt: skip
    page.goto(f"/customers/handover/?source={world.rep_a.pk}")
    assert "张三 负责 1 个客户。" in page.inner_text("[data-testid=owned-total]")
    assert page.locator(f"#own-{kept.pk}").count() == 1
    # rep_b finds them in his own list now
    page.context.clear_cookies()
    sign_in(world.rep_b)
    page.goto("/customers/?mine=1")
    assert sorted(page.locator("[data-testid=customer-name]").all_inner_texts()) == [
        "宁波海运有限公司", "杭州西湖茶业有限公司",
    ]  # fmt: skip
