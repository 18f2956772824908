"""Installed products: the services and their errors, visibility through the customer's
data scope, creating from a confirmed order, merge, search by serial number."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.sales.contracts.tests import helpers as h
from guanxi.sales.orders import services as order_services
from guanxi.sales.orders.tests.helpers import order
from guanxi.service.installed import selectors, services
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.installed.tests.helpers import grant, item

pytestmark = pytest.mark.django_db


def _reload(world, record):
    with org_scope(world.org):
        return InstalledProduct.with_deleted.get(pk=record.pk)


def test_warranty_end_from_install_date_and_months(world):
    made = item(world, install_date="2026-01-31", warranty_months=1)
    assert made.warranty_end == datetime.date(2026, 2, 27)  # through the day before 02-28
    default = item(world, serial="SN-2", install_date="2026-03-01")
    assert default.warranty_end == datetime.date(2027, 2, 28)
    explicit = item(world, serial="SN-3", install_date="2026-03-01", warranty_end="2029-12-31")
    assert explicit.warranty_end == datetime.date(2029, 12, 31)
    assert made.code and made.code != default.code


def test_add_months_keeps_the_month_end():
    assert selectors.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert selectors.add_months(datetime.date(2026, 11, 15), 14) == datetime.date(2028, 1, 15)


def test_serial_number_is_unique_per_product_with_a_clear_error(world):
    first = item(world, serial="SN2025-0001")
    with pytest.raises(ValidationError) as caught:
        item(world, client=first.customer, product=first.product, serial="SN2025-0001")
    assert "SN2025-0001" in str(caught.value) and first.code in str(caught.value)
    # another product may carry the same serial number
    other = item(world, client=first.customer, serial="SN2025-0001")
    assert other.pk != first.pk
    with org_scope(world.org):
        assert InstalledProduct.objects.filter(serial_number="SN2025-0001").count() == 2


def test_a_deleted_records_serial_can_be_reused_but_then_not_restored(world):
    first = item(world, serial="SN-R")
    with org_scope(world.org):
        services.installed_delete(actor=world.admin, item=first)
    second = item(world, client=first.customer, product=first.product, serial="SN-R")
    with org_scope(world.org), pytest.raises(ValidationError):
        services.installed_restore(actor=world.admin, item=first)
    with org_scope(world.org):
        services.installed_delete(actor=world.admin, item=second)
        services.installed_restore(actor=world.admin, item=first)
    assert _reload(world, first).deleted_at is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"warranty_months": "abc"}, "warranty_months"),
        ({"warranty_months": 999}, "warranty_months"),
        ({"install_date": "2026-13-45"}, "install_date"),
        ({"install_date": "2026-05-01", "warranty_end": "2026-04-01"}, "warranty_end"),
        ({"serial": "x" * 101}, "serial_number"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, fields, field):
    client = h.customer(world)
    with org_scope(world.org):
        before = InstalledProduct.objects.count()
    with pytest.raises(ValidationError) as caught:
        item(world, client=client, **fields)
    assert field in caught.value.message_dict
    with org_scope(world.org):
        assert InstalledProduct.objects.count() == before


def test_contact_must_belong_to_the_customer(world):
    client = h.customer(world)
    stranger = h.customer(world, name="另一家公司")
    with org_scope(world.org):
        contact = customer_services.contact_create(
            actor=world.admin, customer=stranger, name="王五"
        )
    with pytest.raises(ValidationError) as caught:
        item(world, client=client, contact=contact.pk)
    assert "contact" in caught.value.message_dict


def test_update_with_a_stale_version_is_refused(world):
    made = item(world)
    with org_scope(world.org):
        services.installed_update(
            actor=world.admin, item=made, version=made.version, location="一号车间"
        )
        with pytest.raises(StaleVersion):
            services.installed_update(
                actor=world.admin, item=made, version=made.version, location="二号车间"
            )
    assert _reload(world, made).location == "一号车间"


def test_changing_months_recomputes_the_warranty(world):
    made = item(world, install_date="2026-01-10")
    with org_scope(world.org):
        changed = services.installed_update(actor=world.admin, item=made, warranty_months=24)
    assert changed.warranty_end == datetime.date(2028, 1, 9)


def test_retire_and_return_status(world):
    made = item(world)
    with org_scope(world.org):
        retired = services.installed_set_status(actor=world.admin, item=made, status="retired")
        assert retired.status == "retired"
        with pytest.raises(BusinessRuleError):
            services.installed_set_status(actor=world.admin, item=made, status="retired")
        with pytest.raises(ValidationError):
            services.installed_set_status(actor=world.admin, item=made, status="lost")
        assert services.installed_set_status(actor=world.admin, item=made, status="in_use")


def test_visibility_follows_the_customers_data_scope(world):
    """A rep with the view permission sees the items of their own customers only."""
    grant(world, world.rep_a, "installed_products.view")
    mine = item(world, client=h.customer(world, name="甲客户", owner=world.rep_a), serial="A1")
    theirs = item(world, client=h.customer(world, name="乙客户", owner=world.rep_b), serial="B1")
    with org_scope(world.org):
        seen = set(selectors.installed_queryset(employee=world.rep_a).values_list("pk", flat=True))
        assert mine.pk in seen and theirs.pk not in seen
        manager_seen = selectors.installed_queryset(employee=world.manager)
        assert not manager_seen.exists()  # no installed_products.view in the role
        agent_seen = set(
            selectors.installed_queryset(employee=world.agent).values_list("pk", flat=True)
        )
        assert {mine.pk, theirs.pk} <= agent_seen


def test_a_rep_without_the_permission_cannot_create(world):
    with pytest.raises(PermissionDenied):
        item(world, actor=world.rep_a)


def test_units_of_a_confirmed_order_line(world):
    draft = order(world, quantity="3")
    with org_scope(world.org):
        line = draft.lines.first()
        with pytest.raises(BusinessRuleError):
            services.installed_create_from_order(
                actor=world.admin, order=draft, line=line.pk, serial_numbers=["S1"]
            )
        order_services.order_confirm(actor=world.rep_a, order=draft)
        with pytest.raises(ValidationError):
            services.installed_create_from_order(
                actor=world.admin, order=draft, line=line.pk, serial_numbers=["S1", "S1"]
            )
        with pytest.raises(ValidationError):
            services.installed_create_from_order(
                actor=world.admin, order=draft, line=line.pk, serial_numbers=["a", "b", "c", "d"]
            )
        made = services.installed_create_from_order(
            actor=world.admin,
            order=draft,
            line=line.pk,
            serial_numbers=["S1", "S2", "S3"],
            install_date="2026-06-01",
        )
    assert [m.serial_number for m in made] == ["S1", "S2", "S3"]
    assert {m.order_id for m in made} == {draft.pk}
    assert {m.customer_id for m in made} == {draft.customer_id}
    assert made[0].warranty_end == datetime.date(2027, 5, 31)


def test_a_merge_moves_the_items_to_the_survivor(world):
    survivor = h.customer(world, name="存续公司")
    merged = h.customer(world, name="被合并公司")
    moved = item(world, client=merged)
    with org_scope(world.org):
        services.move_customers(from_ids=[merged.pk], survivor=survivor)
    assert _reload(world, moved).customer_id == survivor.pk


def test_serial_numbers_are_found_by_the_global_search(world, api):
    made = item(world, serial="SN2025-7788-X")
    titles = [
        hit["title"]
        for hit in api(world.admin).get("/api/v1/search", {"q": "7788"}).json()["items"]
    ]
    assert any("SN2025-7788-X" in title for title in titles), titles
    assert made.code
    code_hits = api(world.admin).get("/api/v1/search", {"q": made.code}).json()["items"]
    assert any("SN2025-7788-X" in hit["title"] for hit in code_hits)
    # a rep who does not see the customer does not find it
    hidden = api(world.rep_b).get("/api/v1/search", {"q": "SN2025-7788"}).json()["items"]
    assert not any("SN2025-7788-X" in hit["title"] for hit in hidden)
