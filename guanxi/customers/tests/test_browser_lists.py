"""Real-browser flows of the list conditions: filtering customers with the advanced
conditions and saving the filter; the contacts list and its vCard download."""

import datetime
import decimal

import pytest

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import services
from guanxi.customers.models import Customer
from guanxi.orgs.models import SavedFilter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class CustomerListPage:
    """The customer list: its filter bar, "more conditions" panel and saved filters."""

    def __init__(self, page):
        self.page = page

    def open(self):
        self.page.goto("/customers/")
        self.page.wait_for_selector("[data-testid=customer-filters]")
        return self

    def more_conditions(self, **values):
        self.page.click("[data-testid=advanced-filters] summary")
        for testid, value in values.items():
            box = self.page.locator(f"[data-testid=filter-{testid}]")
            if box.evaluate("node => node.tagName") == "SELECT":
                box.select_option(value)
            else:
                box.fill(value)
        self.page.click("[data-testid=filter-submit]")
        self.page.wait_for_load_state()
        return self

    def names(self):
        return self.page.locator("[data-testid=customer-name]").all_inner_texts()

    def save_filter(self, name):
        self.page.fill("[data-testid=save-filter-name]", name)
        self.page.click("[data-testid=save-filter]")
        self.page.wait_for_selector("[data-testid=saved-filter].active")


def test_rep_filters_customers_by_new_conditions_and_saves_the_filter(world, page, sign_in):
    with org_scope(world.org):
        group = services.customer_create(actor=world.rep_a, name="西湖茶业集团")
        services.customer_create(
            actor=world.rep_a, name="龙井分公司", parent=group, email="lj@xihutea.example",
            phone="0571-6666 9999", credit_limit=decimal.Decimal("80000"),
        )  # fmt: skip
        services.customer_create(
            actor=world.rep_a, name="虎跑分公司", parent=group, email="hp@xihutea.example",
            credit_limit=decimal.Decimal("1000"),
        )  # fmt: skip
        services.customer_create(
            actor=world.rep_b, name="北方分公司", parent=group, email="n@xihutea.example",
            credit_limit=decimal.Decimal("90000"),
        )  # fmt: skip
        Customer.objects.update(value_tier="B")
    sign_in(world.rep_a)
    customers = CustomerListPage(page).open()
    customers.more_conditions(**{
        "value-tier": "B", "parent": "西湖茶业", "email": "xihutea", "credit-min": "50000",
    })  # fmt: skip
    assert customers.names() == ["龙井分公司"]  # rep_b's 北方分公司 is never shown
    assert page.locator("[data-testid=advanced-filters]").get_attribute("open") is not None
    customers.save_filter("高额度子公司")
    assert customers.names() == ["龙井分公司"]

    page.goto("/customers/")
    assert sorted(customers.names()) == ["虎跑分公司", "西湖茶业集团", "龙井分公司"]
    page.click("[data-testid=saved-filter]:has-text('高额度子公司')")
    page.wait_for_selector("[data-testid=saved-filter].active")
    assert customers.names() == ["龙井分公司"]
    assert page.input_value("[data-testid=filter-credit-min]") == "50000"
    with all_orgs():
        saved = SavedFilter.objects.get(name="高额度子公司")
    assert saved.employee_id == world.rep_a.pk and "credit_limit_min=50000" in saved.query


def test_manager_filters_contacts_and_downloads_their_vcards(world, page, sign_in):
    with org_scope(world.org):
        key = services.customer_create(actor=world.rep_a, name="西湖茶业", level="key")
        services.contact_create(
            actor=world.rep_a, customer=key, name="陈静", gender="female", mobile="13612345678",
            birthday=datetime.date(1990, 12, 25), title="采购经理",
        )  # fmt: skip
        services.contact_create(
            actor=world.rep_a, customer=key, name="王强", gender="male", mobile="13700001111",
            birthday=datetime.date(1985, 12, 3),
        )  # fmt: skip
        services.contact_create(
            actor=world.rep_a, customer=key, name="刘洋", gender="female",
            birthday=datetime.date(1992, 6, 1),
        )  # fmt: skip
    sign_in(world.manager)
    page.goto("/customers/")
    page.locator("a.nav-link[href='/customers/contacts/']").first.click()
    page.wait_for_selector("[data-testid=contact-filters]")
    assert page.locator("[data-testid=contact-row]").count() == 3
    page.select_option("[data-testid=filter-gender]", "female")
    page.click("[data-testid=advanced-filters] summary")
    page.select_option("[data-testid=filter-birthday-month]", "12")
    page.click("[data-testid=filter-submit]")
    page.wait_for_url("**/customers/contacts/?*gender=female*")
    assert page.locator("[data-testid=contact-name]").all_inner_texts() == ["陈静"]
    with page.expect_download() as info:
        page.click("[data-testid=export-vcard]")
    download = info.value
    assert download.suggested_filename == "contacts.vcf"
    with open(download.path(), encoding="utf-8") as handle:
        text = handle.read()
    assert text.count("BEGIN:VCARD") == 1
    assert "FN:陈静" in text and "TITLE:采购经理" in text and "ORG:西湖茶业" in text
