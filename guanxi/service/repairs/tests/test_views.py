"""Repair screens: list and detail budgets, the form (direct and from a ticket), parts
editor refusals, printable sheets, outlets and fee lists pages, the customer card."""

from decimal import Decimal

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import OrgSettings
from guanxi.service.repairs import services
from guanxi.service.repairs.models import FeeList, Repair, RepairPart, ServiceOutlet
from guanxi.service.repairs.tests import helpers as h
from guanxi.service.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_list_and_detail_pages_keep_their_query_budget(world, web, django_assert_max_num_queries):
    part = h.product(world)
    for _ in range(2):
        h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    client = web(world.agent)
    with django_assert_max_num_queries(16):
        assert client.get("/repairs/").content.decode().count('data-testid="repair-row"') == 2
    for _ in range(4):
        h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    with django_assert_max_num_queries(16):
        assert client.get("/repairs/").content.decode().count('data-testid="repair-row"') == 6
    made = h.repair(world, parts=[{"product": part.pk, "quantity": "1"}] * 3)
    with django_assert_max_num_queries(22):
        page = client.get(f"/repairs/{made.pk}/")
    assert page.content.decode().count('data-testid="repair-part"') == 3


def test_list_filters_by_status_and_chargeable(world, web):
    first = h.repair(world)
    second = h.repair(world)
    with org_scope(world.org):
        services.repair_transition(actor=world.agent, repair=second, status="diagnosing")
        services.repair_set_entitlement(actor=world.agent, repair=first, chargeable=False)
    client = web(world.agent)
    text = client.get("/repairs/?status=diagnosing").content.decode()
    assert second.code in text and first.code not in text
    text = client.get("/repairs/?chargeable=false").content.decode()
    assert first.code in text and second.code not in text


def test_create_from_a_ticket_prefills_the_form(world, web):
    client_record = h.customer(world)
    part = h.product(world)
    with org_scope(world.org):
        ticket = Ticket.objects.create(
            org=world.org,
            code="GD-9",
            subject="打印机卡纸",
            customer=client_record,
            category="repair",
            product=part,
            assignee=world.agent,
        )
    page = web(world.agent).get(f"/repairs/new/?ticket={ticket.pk}")
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="repair-from-ticket"' in text
    assert "打印机卡纸" in text
    response = web(world.agent).post(
        "/repairs/new/",
        {"customer": client_record.pk, "ticket": ticket.pk, "fault_description": "打印机卡纸"},
    )
    assert response.status_code == 302
    with org_scope(world.org):
        assert Repair.objects.get().ticket == ticket


def test_the_form_refuses_a_missing_fault_and_writes_nothing(world, web):
    client_record = h.customer(world)
    response = web(world.agent).post("/repairs/new/", {"customer": client_record.pk})
    assert response.status_code == 400
    assert "此项必填" in response.content.decode()
    with org_scope(world.org):
        assert not Repair.objects.exists()


def test_parts_editor_adds_and_refuses_after_returned(world, web):
    part = h.product(world, price="30")
    made = h.repair(world)
    client = web(world.agent)
    client.post(f"/repairs/{made.pk}/parts/", {"product": part.pk, "quantity": "2"})
    with org_scope(world.org):
        assert Repair.objects.get(pk=made.pk).parts_amount == Decimal("60.00")
        for status in ("diagnosing", "repairing", "done", "returned"):
            made = services.repair_transition(actor=world.agent, repair=made, status=status)
    response = client.post(
        f"/repairs/{made.pk}/parts/", {"product": part.pk, "quantity": "1"}, follow=True
    )
    assert "不能再修改" in response.content.decode()
    with org_scope(world.org):
        assert RepairPart.objects.filter(repair=made).count() == 1


def test_print_pages_carry_the_letterhead(world, web):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(letterhead_phone="0755-12345678")
    part = h.product(world)
    made = h.repair(world, parts=[{"product": part.pk, "quantity": "1"}])
    client = web(world.agent)
    sheet = client.get(f"/repairs/{made.pk}/print/").content.decode()
    assert "0755-12345678" in sheet and made.code in sheet and "repairs/print.css" in sheet
    with org_scope(world.org):
        packing = services.packing_list_create(actor=world.agent, repair=made.pk)
    text = client.get(f"/repairs/packing/{packing.pk}/print/").content.decode()
    assert "0755-12345678" in text and packing.code in text
    assert text.count('data-testid="sheet-line"') == 1


def test_outlet_form_saves_the_coverage(world, web):
    response = web(world.admin).post(
        "/repairs/outlets/new/",
        {
            "code": "SZ",
            "name": "深圳服务中心",
            "kind": "own",
            "coverage": "广东 深圳\n广东省",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    with org_scope(world.org):
        assert ServiceOutlet.objects.get().coverage == ["广东省 深圳市", "广东省"]
    bad = web(world.admin).post(
        "/repairs/outlets/new/", {"code": "X", "name": "X", "kind": "own", "coverage": "月球"}
    )
    assert bad.status_code == 400 and "月球" in bad.content.decode()


def test_fee_list_pages_need_service_setup(world, web):
    assert web(world.agent).get("/repairs/fees/").status_code == 403
    response = web(world.admin).post(
        "/repairs/fees/",
        {"name": "标准", "labour_rate": "80", "call_out_fee": "50", "active": "on"},
    )
    assert response.status_code == 302
    with org_scope(world.org):
        fee = FeeList.objects.get()
    assert fee.is_default
    part = h.product(world)
    web(world.admin).post(f"/repairs/fees/{fee.pk}/items/", {"product": part.pk, "price": "9.9"})
    assert "9.9" in web(world.admin).get(f"/repairs/fees/{fee.pk}/").content.decode()


def test_the_customer_card_lists_visible_repairs(world, web):
    made = h.repair(world, client=h.customer(world, owner=world.rep_a))
    response = web(world.agent).get(f"/repairs/customer/{made.customer_id}/card/")
    assert response.status_code == 200 and made.code in response.content.decode()
    assert web(world.rep_a).get(f"/repairs/customer/{made.customer_id}/card/").status_code == 403


def test_other_orgs_repair_page_is_404(world, other_world, web):
    foreign = h.repair(other_world, actor=other_world.agent)
    assert web(world.admin).get(f"/repairs/{foreign.pk}/").status_code == 404
    assert web(world.admin).get(f"/repairs/{foreign.pk}/print/").status_code == 404


def test_export_needs_export_permission_and_follows_the_filters(world, web):
    import io

    from openpyxl import load_workbook

    from guanxi.audit.models import ExportRecord

    first = h.repair(world)
    second = h.repair(world)
    with org_scope(world.org):
        services.repair_transition(actor=world.agent, repair=second, status="diagnosing")
    assert web(world.agent).get("/repairs/export/").status_code == 403
    response = web(world.admin).get("/repairs/export/?status=diagnosing")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == [second.code] and first.code not in codes
    with org_scope(world.org):
        assert ExportRecord.objects.filter(entity="repairs.repair", row_count=1).exists()


def test_installed_product_history_lists_its_repairs(world):
    from guanxi.service.installed import history
    from guanxi.service.installed.models import InstalledProduct

    part = h.product(world)
    client_record = h.customer(world)
    with org_scope(world.org):
        item = InstalledProduct.objects.create(
            org=world.org, code="IP-7", customer=client_record, product=part
        )
        made = services.repair_create(
            actor=world.agent,
            customer=client_record,
            installed_product=item.pk,
            fault_description="漏水",
        )
        sections = dict(
            (source.key, entries)
            for source, entries in history.history_of(employee=world.agent, item=item)
        )
    assert [entry.code for entry in sections["repairs"]] == [made.code]
    assert sections["repairs"][0].url == f"/repairs/{made.pk}/"
