"""Service contracts: create/update/activate/cancel/renew and their errors, overlap of
coverage, visits used, the daily expiry and the renewal reminder (once), the data scope,
and the entitlement table (each kind, an expired contract, out of warranty)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import OrgSettings
from guanxi.sales.contracts import services as sales_contract_services
from guanxi.sales.contracts.tests import helpers as h
from guanxi.service.contracts import entitlement, selectors, services
from guanxi.service.contracts.models import ServiceContract
from guanxi.service.contracts.tests.helpers import TODAY, active, contract, days, ticket
from guanxi.service.installed.tests.helpers import grant, item
from guanxi.workspace.notifications.models import Notification

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen"),
]


@pytest.fixture
def frozen():
    with time_machine.travel(datetime.datetime(2026, 12, 3, 2, 0, tzinfo=datetime.UTC)):
        yield


def _reload(world, record):
    with org_scope(world.org):
        return ServiceContract.with_deleted.get(pk=record.pk)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start": days(10), "end": days(5)}, "end_date"),
        ({"price": "-1"}, "price"),
        ({"price": "abc"}, "price"),
        ({"title": ""}, "title"),
        ({"visits_included": "-2"}, "visits_included"),
        ({"items": [{"installed_product": 999999}]}, "items"),
        ({"items": [{}]}, "items"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, fields, field):
    with org_scope(world.org):
        before = ServiceContract.objects.count()
    with pytest.raises(ValidationError) as caught:
        contract(world, **fields)
    assert field in caught.value.message_dict
    with org_scope(world.org):
        assert ServiceContract.objects.count() == before


def test_an_installed_product_of_another_customer_cannot_be_covered(world):
    stranger = item(world, client=h.customer(world, name="别家"), serial="X-1")
    with pytest.raises(ValidationError):
        contract(
            world, client=h.customer(world, name="本家"), items=[{"installed_product": stranger.pk}]
        )


def test_overlapping_coverage_is_refused_with_the_other_contract(world):
    first = active(world)
    covered = _reload(world, first)
    with org_scope(world.org):
        unit = covered.items.get().installed_product
    with pytest.raises(BusinessRuleError) as caught:
        contract(world, covered=unit, start=days(100), end=days(400))
    assert caught.value.code == "coverage_overlap" and first.code in str(caught.value.message)
    # a product line overlaps its units
    with pytest.raises(BusinessRuleError):
        contract(world, covered=unit, items=[{"product": unit.product_id}])
    # the next period is fine
    later = contract(world, covered=unit, start=first.end_date + datetime.timedelta(days=1),
                     end=first.end_date + datetime.timedelta(days=365))  # fmt: skip
    assert later.status == "draft"


def test_update_activate_cancel_and_stale_version(world):
    made = contract(world, price="1,200.5")
    assert made.price == Decimal("1200.50")
    with org_scope(world.org):
        changed = services.service_contract_update(
            actor=world.admin, contract=made, version=made.version, visits_included=4
        )
        assert changed.visits_included == 4
        with pytest.raises(StaleVersion):
            services.service_contract_update(
                actor=world.admin, contract=made, version=made.version, visits_included=9
            )
        activated = services.service_contract_activate(actor=world.admin, contract=made)
        assert activated.status == "active" and activated.signed_on == TODAY
        with pytest.raises(BusinessRuleError):
            services.service_contract_activate(actor=world.admin, contract=made)
        cancelled = services.service_contract_cancel(actor=world.admin, contract=made)
        assert cancelled.status == "cancelled"
        with pytest.raises(BusinessRuleError):
            services.service_contract_update(actor=world.admin, contract=made, title="改")


def test_activate_refused_after_the_period_or_without_items(world):
    past = contract(world, start=days(-400), end=days(-35))
    empty = contract(world, serial="SC-E", items=[])
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError) as caught:
            services.service_contract_activate(actor=world.admin, contract=past)
        assert caught.value.code == "contract_period_over"
        with pytest.raises(BusinessRuleError) as caught:
            services.service_contract_activate(actor=world.admin, contract=empty)
        assert caught.value.code == "contract_no_items"


def test_renew_makes_the_next_period_draft_once(world):
    current = active(world, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31),
                     visits_included=6, first_response_minutes=30)  # fmt: skip
    with org_scope(world.org):
        renewal = services.service_contract_renew(actor=world.admin, contract=current)
        assert renewal.status == "draft" and renewal.renewal_of_id == current.pk
        assert (renewal.start_date, renewal.end_date) == (
            datetime.date(2027, 1, 1),
            datetime.date(2027, 12, 31),
        )
        assert renewal.visits_included == 6 and renewal.first_response_minutes == 30
        assert list(renewal.items.values_list("installed_product_id", flat=True)) == list(
            current.items.values_list("installed_product_id", flat=True)
        )
        with pytest.raises(BusinessRuleError) as caught:
            services.service_contract_renew(actor=world.admin, contract=current)
        assert caught.value.code == "already_renewed"
        chain = selectors.renewal_chain(renewal)
        assert [c.pk for c in chain] == [current.pk, renewal.pk]


def test_daily_job_expires_and_reminds_the_owner_once(world):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(renewal_reminder_days=30)
    ending = active(world, start=days(-300), end=days(10), owner=None)
    later = active(world, start=days(-10), end=days(200), serial="SC-L")
    old = active(world, start=days(-300), end=days(2), serial="SC-O")
    with org_scope(world.org):
        assert services.service_contract_renew(actor=world.admin, contract=old)
    assert services.service_contracts_remind_renewals(org=world.org.pk) == 1
    assert services.service_contracts_remind_renewals(org=world.org.pk) == 0
    with org_scope(world.org):
        [note] = Notification.objects.filter(kind=services.NOTIFY_KIND)
        assert note.recipient_id == world.admin.pk and ending.code in note.title
    assert later.pk
    with time_machine.travel(datetime.datetime(2026, 12, 20, 2, 0, tzinfo=datetime.UTC)):
        assert services.service_contracts_expire(org=world.org.pk) == 2
    assert _reload(world, ending).status == "expired"
    assert _reload(world, later).status == "active"


def test_visits_used_counts_onsite_tickets_on_covered_items(world):
    made = active(world, visits_included=2)
    with org_scope(world.org):
        unit = made.items.get().installed_product
    ticket(world, client=unit.customer, installed=unit, category="repair")
    ticket(world, client=unit.customer, installed=unit, category="consultation")
    ticket(world, client=unit.customer, product=unit.product, category="installation")
    with org_scope(world.org):
        fresh = ServiceContract.objects.get(pk=made.pk)
        assert selectors.visits_used(fresh) == 1  # the product ticket is not covered
        product_wide = services.service_contract_update(
            actor=world.admin, contract=fresh, items=[{"product": unit.product_id}]
        )
        assert selectors.visits_used(product_wide) == 2
        assert selectors.visits_left(product_wide) == 0


def test_data_scope_by_owner_and_department(world, api):
    grant(world, world.rep_a, "service_contracts.view")
    mine = contract(world, owner=world.rep_a.pk, serial="SC-A")
    theirs = contract(world, owner=world.rep_b.pk, serial="SC-B")
    rep = api(world.rep_a)
    assert rep.get(f"/api/v1/service-contracts/{mine.pk}").status_code == 200
    assert rep.get(f"/api/v1/service-contracts/{theirs.pk}").status_code == 404
    ids = {row["id"] for row in rep.get("/api/v1/service-contracts").json()["items"]}
    assert ids == {mine.pk}


# ---- entitlement -----------------------------------------------------------------------


def _kind(world, **kwargs):
    with org_scope(world.org):
        return entitlement.entitlement_for(**kwargs)


def test_service_contract_wins_over_warranty(world):
    made = active(world, visits_included=3, first_response_minutes=30, resolution_minutes=480)
    with org_scope(world.org):
        unit = made.items.get().installed_product
    result = _kind(world, customer=unit.customer, installed_product=unit)
    assert result.kind == "service_contract" and result.code == made.code
    assert result.chargeable is False and result.visits_left == 3
    assert result.promise.first_response_minutes == 30 and result.promise.resolution_minutes == 480
    assert made.code in result.explanation and "30" in result.promise.label


def test_a_product_line_covers_the_product_asked_about(world):
    unit = item(world, serial="P-1", install_date="2020-01-01")
    active(world, covered=unit, items=[{"product": unit.product_id}])
    result = _kind(world, customer=unit.customer, product=unit.product)
    assert result.kind == "service_contract"
    other_customer = h.customer(world, name="另一个客户")
    assert _kind(world, customer=other_customer, product=unit.product).kind == "none"


def test_warranty_then_sales_contract_then_none(world):
    in_warranty = item(world, serial="W-1", install_date="2026-06-01")
    result = _kind(world, customer=in_warranty.customer, installed_product=in_warranty)
    assert result.kind == "warranty" and result.chargeable is False
    assert "2027-05-31" in result.explanation and "免收人工与配件费" in result.explanation

    sales = h.contract(world, start_date="2025-01-01", end_date="2027-12-31")
    with org_scope(world.org):
        sales_contract_services.contract_submit(actor=world.rep_a, contract=sales)
    out = item(world, client=sales.customer, serial="W-2", install_date="2020-01-01",
               sales_contract=sales)  # fmt: skip
    result = _kind(world, customer=out.customer, installed_product=out)
    assert result.kind == "sales_contract" and result.code == sales.code
    assert result.chargeable is False

    bare = item(world, serial="W-3", install_date="2020-01-01")
    result = _kind(world, customer=bare.customer, installed_product=bare)
    assert result.kind == "none" and result.chargeable is True
    assert "已过保" in result.explanation


def test_expired_or_cancelled_contract_and_used_visits(world):
    unit = item(world, serial="E-1", install_date="2020-01-01")
    made = active(world, covered=unit, start=days(-360), end=days(5))
    assert _kind(world, customer=unit.customer, installed_product=unit, on=days(2)).kind == (
        "service_contract"
    )
    # past its end date it covers nothing, even before the nightly job marks it expired
    assert _kind(world, customer=unit.customer, installed_product=unit, on=days(6)).kind == "none"
    with time_machine.travel(datetime.datetime(2026, 12, 10, 2, 0, tzinfo=datetime.UTC)):
        services.service_contracts_expire(org=world.org.pk)
        assert _reload(world, made).status == "expired"
        assert _kind(world, customer=unit.customer, installed_product=unit).kind == "none"
    unit2 = item(world, serial="E-2", install_date="2020-01-01")
    used_up = active(world, covered=unit2, visits_included=1)
    ticket(world, client=unit2.customer, installed=unit2)
    result = _kind(world, customer=unit2.customer, installed_product=unit2)
    assert result.kind == "service_contract" and result.visits_left == 0 and result.chargeable
    with org_scope(world.org):
        services.service_contract_cancel(actor=world.admin, contract=used_up)
    assert _kind(world, customer=unit2.customer, installed_product=unit2).kind == "none"


def test_entitlement_reads_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    unit = item(world, serial="Q-1")
    active(world, covered=unit, visits_included=5)
    for _ in range(3):
        ticket(world, client=unit.customer, installed=unit)
    with org_scope(world.org), django_assert_max_num_queries(4):
        entitlement.entitlement_for(customer=unit.customer_id, installed_product=unit)
