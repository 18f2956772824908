"""Real-browser flow: a rep opens 续约与复购 from the navigation, sees the items due in
the next 30 days with their count per status, and sets one to 会续约 with a note in its
row, without leaving the page."""

import datetime

import pytest
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.customers import renewals, services
from guanxi.customers.models import RenewalItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class RenewalsPage:
    """The renewals list."""

    def __init__(self, page):
        self.page = page

    def open_from_navigation(self):
        self.page.goto("/")
        self.page.locator("#gx-sidebar").get_by_role("link", name="续约与复购").click()
        self.page.wait_for_selector("[data-testid=renewal-table], [data-testid=renewal-empty]")

    def count(self, status):
        return self.page.locator(f"[data-testid=count-{status}] .badge").inner_text()

    def row(self, customer_name):
        return self.page.locator("[data-testid=renewal-row]", has_text=customer_name)

    def set_status(self, customer_name, status_label, note):
        row = self.row(customer_name)
        row.locator("[data-testid=renewal-status-select]").select_option(label=status_label)
        row.locator("[data-testid=renewal-note]").fill(note)
        row.locator("[data-testid=renewal-save]").click()
        self.row(customer_name).locator("[data-testid=renewal-saved]").wait_for()


def test_rep_sets_an_item_to_will_renew_with_a_note(world, page, sign_in):
    today = timezone.localdate()
    with org_scope(world.org):
        mine = services.customer_create(actor=world.admin, name="杭州茶业", owner=world.rep_a)
        other = services.customer_create(actor=world.admin, name="宁波港务", owner=world.rep_a)
        theirs = services.customer_create(actor=world.admin, name="北京机械", owner=world.rep_b)
        item = renewals.renewal_create(
            actor=world.admin, customer=mine, kind="renewal",
            due_on=today + datetime.timedelta(days=12),
        )  # fmt: skip
        for customer in (other, theirs):
            renewals.renewal_create(
                actor=world.admin, customer=customer, due_on=today + datetime.timedelta(days=5)
            )
    sign_in(world.rep_a)
    renewals_page = RenewalsPage(page)
    renewals_page.open_from_navigation()
    assert page.locator("[data-testid=renewal-row]").count() == 2  # not rep_b's customer
    assert renewals_page.count("undecided") == "2"

    renewals_page.set_status("杭州茶业", "会续约", "客户说月底前签新合同")

    row = renewals_page.row("杭州茶业")
    assert row.locator("[data-testid=renewal-status]").inner_text() == "会续约"
    assert row.locator("[data-testid=renewal-note]").input_value() == "客户说月底前签新合同"
    with org_scope(world.org):
        saved = RenewalItem.objects.get(pk=item.pk)
    assert (saved.status, saved.note, saved.version) == ("will_renew", "客户说月底前签新合同", 2)
    # the counts follow on the next visit
    page.reload()
    assert renewals_page.count("will_renew") == "1"
    assert renewals_page.count("undecided") == "1"
