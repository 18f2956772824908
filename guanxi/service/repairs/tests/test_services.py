"""Repairs, fees, outlets and packing lists: the rules of the services."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import OrgSettings
from guanxi.service.repairs import fees, selectors, services
from guanxi.service.repairs.models import PackingList, Repair, RepairPart
from guanxi.service.repairs.tests import helpers as h

pytestmark = pytest.mark.django_db


# ---- outlet_for ----------------------------------------------------------------------


def test_outlet_for_takes_the_longest_matching_prefix(world):
    h.outlet(world, code="GD", name="广东服务中心", coverage=["广东省"])
    h.outlet(world, code="SZ", name="深圳服务站", coverage=["广东 深圳"])
    h.outlet(world, code="SH", name="上海服务站", coverage=["上海市"])
    with org_scope(world.org):
        assert selectors.outlet_for(region="广东省 深圳市 南山区").code == "SZ"
        assert selectors.outlet_for(region="广东省 广州市 天河区").code == "GD"
        assert selectors.outlet_for(region="上海市 浦东新区").code == "SH"
        assert selectors.outlet_for(region="北京市 朝阳区") is None
        assert selectors.outlet_for(region="") is None


def test_outlet_for_is_not_fooled_by_a_shared_text_start(world):
    """A prefix matches whole divisions: 广东省 does not cover 广西壮族自治区."""
    h.outlet(world, code="GD", coverage=["广东省"])
    with org_scope(world.org):
        assert selectors.outlet_for(region="广西壮族自治区 南宁市") is None


def test_outlet_for_ties_go_to_the_outlet_with_fewer_open_repairs(world):
    busy = h.outlet(world, code="A1", name="甲网点", coverage=["广东省"])
    quiet = h.outlet(world, code="B1", name="乙网点", coverage=["广东省"])
    h.repair(world, outlet=busy.pk)
    h.repair(world, outlet=busy.pk)
    with org_scope(world.org):
        match = selectors.outlet_match(region="广东省 深圳市")
    assert match.outlet == quiet and match.open_repairs == 0


def test_inactive_outlets_are_not_routed_to(world):
    h.outlet(world, code="SZ", coverage=["广东省 深圳市"], active=False)
    wide = h.outlet(world, code="GD", coverage=["广东省"])
    with org_scope(world.org):
        assert selectors.outlet_for(region="广东省 深圳市") == wide


def test_coverage_is_stored_canonical_and_bad_regions_are_refused(world):
    created = h.outlet(world, coverage=["广东 深圳", "广东省深圳市", "上海"])
    assert created.coverage == ["广东省 深圳市", "上海市"]
    with org_scope(world.org), pytest.raises(ValidationError) as exc:
        services.outlet_update(actor=world.admin, outlet=created, coverage=["火星 基地"])
    assert "火星 基地" in str(exc.value.message_dict["coverage"])


def test_new_repair_gets_the_customers_outlet_with_the_reason(world):
    shenzhen = h.outlet(world, coverage=["广东省"])
    made = h.repair(world)
    assert made.outlet == shenzhen
    assert "广东省" in made.outlet_reason and "南山区" in made.outlet_reason


# ---- fees ----------------------------------------------------------------------------


def test_fee_computation_is_decimal_and_rounded_half_up():
    charges = fees.compute(
        labour_hours=Decimal("1.5"),
        labour_rate=Decimal("33.33"),
        part_amounts=[Decimal("10.005"), Decimal("0.10")],
        call_out=True,
        call_out_fee=Decimal("50"),
        discount_percent=Decimal("10"),
        chargeable=True,
        places=2,
    )
    assert charges.labour_amount == Decimal("50.00")  # 49.995 → 50.00
    assert charges.parts_amount == Decimal("10.11")  # 10.105 → 10.11
    assert charges.discount_amount == Decimal("11.01")  # 110.11 × 10% = 11.011
    assert charges.value == Decimal("99.10")
    assert charges.total == Decimal("99.10")


def test_not_chargeable_means_zero_charge_but_the_value_stays():
    charges = fees.compute(
        labour_hours=Decimal("2"),
        labour_rate=Decimal("80"),
        part_amounts=[Decimal("100")],
        call_out=False,
        call_out_fee=Decimal("50"),
        discount_percent=Decimal("0"),
        chargeable=False,
        places=0,
    )
    assert charges.value == Decimal("260") and charges.total == Decimal("0")
    assert charges.call_out_amount == Decimal("0")


def test_part_prices_come_from_the_fee_list_then_the_product(world):
    special = h.product(world, name="压缩机", price="500")
    plain = h.product(world, name="电容", price="12.5")
    fee = h.fee_list(world, labour_rate="80", call_out_fee="50", items=[(special, "420")])
    h.outlet(world, fee=fee)
    made = h.repair(
        world,
        labour_hours="1.5",
        call_out=True,
        parts=[{"product": special.pk, "quantity": "1"}, {"product": plain.pk, "quantity": "2"}],
    )
    with org_scope(world.org):
        parts = {p.product_id: p for p in RepairPart.objects.filter(repair=made)}
    assert parts[special.pk].unit_price == Decimal("420")
    assert parts[special.pk].price_source == RepairPart.PriceSource.FEE_LIST
    assert parts[plain.pk].unit_price == Decimal("12.5")
    assert parts[plain.pk].price_source == RepairPart.PriceSource.PRODUCT
    assert made.labour_amount == Decimal("120.00")
    assert made.parts_amount == Decimal("445.00")
    assert made.call_out_amount == Decimal("50.00")
    assert made.total == Decimal("615.00")


def test_amounts_follow_the_orgs_decimal_places(world):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(order_decimals=0)
    part = h.product(world, price="10.4")
    made = h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    assert made.parts_amount == Decimal("10")
    assert made.total == Decimal("10")


def test_entitlement_makes_the_repair_free_and_keeps_the_value(world):
    fee = h.fee_list(world, labour_rate="100")
    h.outlet(world, fee=fee)
    made = h.repair(world, labour_hours="2")
    assert made.chargeable and made.total == Decimal("200.00")
    with org_scope(world.org):
        free = services.repair_set_entitlement(
            actor=world.agent, repair=made, chargeable=False, entitlement_note="保修期内"
        )
    assert free.total == Decimal("0.00") and free.value == Decimal("200.00")
    assert free.entitlement_note == "保修期内"


def test_the_repair_keeps_its_rates_when_the_fee_list_changes(world):
    fee = h.fee_list(world, labour_rate="100")
    h.outlet(world, fee=fee)
    made = h.repair(world, labour_hours="1")
    with org_scope(world.org):
        services.fee_list_update(actor=world.admin, fee_list=fee, labour_rate="300")
        again = services.repair_update(actor=world.agent, repair=made, labour_hours="2")
    assert again.labour_amount == Decimal("200.00")


# ---- transitions ---------------------------------------------------------------------


def test_status_moves_along_the_workflow_and_dates_are_set(world):
    made = h.repair(world)
    with org_scope(world.org):
        for status in ("diagnosing", "repairing", "waiting_parts", "repairing", "done"):
            made = services.repair_transition(actor=world.agent, repair=made, status=status)
        assert made.done_on is not None
        made = services.repair_transition(actor=world.agent, repair=made, status="returned")
    assert made.status == "returned" and made.returned_on is not None


def test_a_skipped_step_is_refused_and_nothing_changes(world):
    made = h.repair(world)
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError) as exc:
            services.repair_transition(actor=world.agent, repair=made, status="returned")
        assert exc.value.code == "repair_bad_transition"
        assert Repair.objects.get(pk=made.pk).status == "received"


def test_parts_are_refused_after_returned(world):
    part = h.product(world)
    made = h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    with org_scope(world.org):
        for status in ("diagnosing", "repairing", "done", "returned"):
            made = services.repair_transition(actor=world.agent, repair=made, status=status)
        with pytest.raises(BusinessRuleError):
            services.repair_add_part(actor=world.agent, repair=made, product=part.pk, quantity="1")
        with pytest.raises(BusinessRuleError):
            services.repair_update(actor=world.agent, repair=made, labour_hours="3")
        assert RepairPart.objects.filter(repair=made).count() == 1
        assert Repair.objects.get(pk=made.pk).total == made.total


def test_a_stale_version_is_refused(world):
    made = h.repair(world)
    with org_scope(world.org):
        services.repair_update(actor=world.agent, repair=made, diagnosis="电容老化")
        with pytest.raises(StaleVersion):
            services.repair_update(
                actor=world.agent, repair=made, version=made.version, diagnosis="别的"
            )
        assert Repair.objects.get(pk=made.pk).diagnosis == "电容老化"


# ---- validation ----------------------------------------------------------------------


def test_bad_parts_are_refused_with_line_numbers_and_nothing_is_written(world):
    part = h.product(world)
    client = h.customer(world)
    with org_scope(world.org):
        before = Repair.objects.count()
        with pytest.raises(ValidationError) as exc:
            services.repair_create(
                actor=world.agent,
                customer=client,
                fault_description="异响",
                parts=[
                    {"product": part.pk, "quantity": "-1"},
                    {"product": 999999, "quantity": "1"},
                ],
            )
        messages = exc.value.message_dict["parts"]
        assert any("第 1 行" in m for m in messages) and any("第 2 行" in m for m in messages)
        assert Repair.objects.count() == before


def test_installed_product_must_belong_to_the_customer(world):
    from guanxi.service.installed.models import InstalledProduct

    part = h.product(world)
    owner_customer = h.customer(world, name="甲公司")
    other = h.customer(world, name="乙公司")
    with org_scope(world.org):
        item = InstalledProduct.objects.create(
            org=world.org, code="IP-1", customer=owner_customer, product=part, serial_number="SN1"
        )
        with pytest.raises(ValidationError) as exc:
            services.repair_create(
                actor=world.agent, customer=other, installed_product=item.pk, fault_description="x"
            )
        assert "installed_product" in exc.value.message_dict
        made = services.repair_create(
            actor=world.agent,
            customer=owner_customer,
            installed_product=item.pk,
            fault_description="x",
        )
    assert made.product == part and made.serial_number == "SN1"


def test_missing_fault_description_is_refused(world):
    client = h.customer(world)
    with org_scope(world.org), pytest.raises(ValidationError) as exc:
        services.repair_create(actor=world.agent, customer=client, fault_description=" ")
    assert "fault_description" in exc.value.message_dict


def test_a_sales_rep_may_not_create_repairs(world):
    client = h.customer(world)
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.repair_create(actor=world.rep_a, customer=client, fault_description="x")


def test_from_a_ticket_the_repair_takes_its_customer_and_description(world):
    from guanxi.service.tickets.models import Ticket

    client = h.customer(world)
    part = h.product(world)
    with org_scope(world.org):
        ticket = Ticket.objects.create(
            org=world.org,
            code="GD-1",
            subject="空调不制冷",
            description="开机十分钟后停转",
            customer=client,
            category="repair",
            product=part,
            assignee=world.agent,
        )
        made = services.repair_create(actor=world.agent, ticket=ticket.pk)
    assert made.ticket == ticket and made.customer == client and made.product == part
    assert "空调不制冷" in made.fault_description


# ---- packing lists -------------------------------------------------------------------


def test_packing_list_from_a_repair_copies_its_parts_and_ship_to(world):
    part = h.product(world)
    made = h.repair(world, parts=[{"product": part.pk, "quantity": "2"}])
    with org_scope(world.org):
        packing = services.packing_list_create(actor=world.agent, repair=made.pk)
        lines = list(packing.lines.all())
    assert packing.customer == made.customer and packing.repair == made
    assert packing.ship_to_name == made.customer.name
    assert "科技园路" in packing.ship_to_address
    assert [(line.product_id, line.quantity) for line in lines] == [(part.pk, Decimal("2"))]


def test_packing_list_status_and_lines_lock_after_shipping(world):
    part = h.product(world)
    made = h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    with org_scope(world.org):
        packing = services.packing_list_create(actor=world.agent, repair=made.pk)
        with pytest.raises(BusinessRuleError):
            services.packing_list_transition(
                actor=world.agent, packing_list=packing, status="delivered"
            )
        for status in ("packed", "shipped"):
            packing = services.packing_list_transition(
                actor=world.agent, packing_list=packing, status=status
            )
        assert packing.shipped_on is not None
        with pytest.raises(BusinessRuleError):
            services.packing_list_update(
                actor=world.agent, packing_list=packing, lines=[{"product": part.pk, "quantity": 5}]
            )
        assert PackingList.objects.get(pk=packing.pk).lines.get().quantity == Decimal("1")


def test_an_empty_packing_list_cannot_be_packed(world):
    client = h.customer(world)
    with org_scope(world.org):
        packing = services.packing_list_create(actor=world.agent, customer=client)
        with pytest.raises(BusinessRuleError):
            services.packing_list_transition(
                actor=world.agent, packing_list=packing, status="packed"
            )


# ---- fee lists -----------------------------------------------------------------------


def test_one_default_fee_list_and_it_cannot_be_deleted(world):
    first = h.fee_list(world, name="标准")
    second = h.fee_list(world, name="大客户", is_default=True)
    with org_scope(world.org):
        first.refresh_from_db()
        assert second.is_default and not first.is_default
        with pytest.raises(BusinessRuleError):
            services.fee_list_delete(actor=world.admin, fee_list=second)
        services.fee_list_delete(actor=world.admin, fee_list=first)


def test_duplicate_fee_list_name_is_a_field_error(world):
    h.fee_list(world, name="标准")
    with pytest.raises(ValidationError) as exc:
        h.fee_list(world, name="标准")
    assert "name" in exc.value.message_dict


def test_a_returned_repair_keeps_its_charges_but_its_texts_can_be_corrected(world):
    made = h.repair(world, labour_hours="1")
    with org_scope(world.org):
        for status in ("diagnosing", "repairing", "done", "returned"):
            made = services.repair_transition(actor=world.agent, repair=made, status=status)
        fixed = services.repair_update(
            actor=world.agent, repair=made, labour_hours="1.00", call_out=False, result="已更换"
        )
        assert fixed.result == "已更换"
        with pytest.raises(BusinessRuleError):
            services.repair_update(actor=world.agent, repair=made, call_out=True)
        assert not Repair.objects.get(pk=made.pk).call_out
