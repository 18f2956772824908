"""Defect services and selectors: recording from a ticket, the status table, duplicates,
validation that writes nothing, ticket links limited to visible tickets, the counts and
the monthly trend."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.service.defects import selectors, services
from guanxi.service.defects.models import Defect, DefectTicket
from guanxi.service.defects.services import TRANSITIONS
from guanxi.service.defects.tests import helpers as h
from guanxi.service.tickets.tests import helpers as th

pytestmark = pytest.mark.django_db
S = Defect.Status


def test_create_takes_the_next_code_and_records_the_reporter(world):
    made = h.defect(world, severity="critical", found_version="V1.2")
    assert made.code.startswith("QX-") and made.code.endswith("00001")
    assert made.reported_by == world.agent and made.status == S.OPEN
    assert made.severity == "critical" and made.found_version == "V1.2"


def test_create_from_a_ticket_prefills_the_product_and_links_the_ticket(world):
    item = h.product(world, name="空气净化器")
    ticket = h.ticket(world, subject="滤网卡扣断裂", description="安装两周后断裂", product=item)
    with org_scope(world.org):
        made = services.defect_create(actor=world.agent, ticket=ticket.pk)
        assert made.product == item and made.title == "滤网卡扣断裂"
        assert made.description == "安装两周后断裂"
        assert list(DefectTicket.objects.filter(defect=made).values_list("ticket", flat=True)) == [
            ticket.pk
        ]


def test_create_from_a_ticket_uses_the_installed_products_product(world):
    client = th.customer(world)
    installed = th.installed(world, client)
    ticket = h.ticket(world, client=client, installed_product=installed)
    with org_scope(world.org):
        made = services.defect_create(actor=world.agent, ticket=ticket, title="漏水")
    assert made.product_id == installed.product_id


def test_bad_input_is_a_field_error_and_writes_nothing(world):
    item = h.product(world)
    with org_scope(world.org):
        with pytest.raises(ValidationError) as missing:
            services.defect_create(actor=world.agent, product=item, title="  ")
        assert "title" in missing.value.message_dict
        with pytest.raises(ValidationError) as severity:
            services.defect_create(actor=world.agent, product=item, title="x", severity="huge")
        assert "severity" in severity.value.message_dict
        with pytest.raises(ValidationError) as product:
            services.defect_create(actor=world.agent, title="x")
        assert "product" in product.value.message_dict
        ticket = h.ticket(world)
        with pytest.raises(ValidationError) as no_product:
            services.defect_create(actor=world.agent, ticket=ticket)
        assert "product" in no_product.value.message_dict
        assert Defect.with_deleted.count() == 0 and DefectTicket.objects.count() == 0


def test_a_rep_without_the_module_cannot_record(world):
    item = h.product(world)
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.defect_create(actor=world.rep_a, product=item, title="x")


@pytest.mark.parametrize("current", [choice for choice in S.values])
def test_the_transition_table_is_enforced(world, current):
    """Every (current, target) pair: allowed moves change the status, the others are a
    422 that leaves the defect as it was."""
    made = h.defect(world)
    other = h.defect(world, item=made.product, title="原缺陷")
    with org_scope(world.org):
        Defect.objects.filter(pk=made.pk).update(status=current)
        for target in S.values:
            if target == current:
                continue
            extra = {"duplicate_of": other.pk} if target == S.DUPLICATE else {}
            fresh = Defect.objects.get(pk=made.pk)
            if target in TRANSITIONS[current]:
                moved = services.defect_transition(
                    actor=world.agent, defect=fresh, status=target, **extra
                )
                assert moved.status == target
                Defect.objects.filter(pk=made.pk).update(status=current, duplicate_of=None)
            else:
                with pytest.raises(BusinessRuleError) as refused:
                    services.defect_transition(actor=world.agent, defect=fresh, status=target)
                assert refused.value.code == "defect_bad_transition"
                assert Defect.objects.get(pk=made.pk).status == current


def test_the_workflow_stamps_fixed_and_closed(world):
    made = h.defect(world)
    with org_scope(world.org):
        for status in (S.CONFIRMED, S.IN_FIX, S.FIXED):
            made = services.defect_transition(actor=world.agent, defect=made, status=status)
        made = services.defect_transition(
            actor=world.agent, defect=made, status=S.CLOSED, fixed_version="V2.0"
        )
    made = h.reload(world, made)
    assert made.fixed_at and made.closed_at and made.fixed_version == "V2.0"


def test_a_duplicate_needs_an_original_of_the_same_product(world):
    made = h.defect(world)
    same = h.defect(world, item=made.product, title="同产品")
    elsewhere = h.defect(world, title="另一产品")
    with org_scope(world.org):
        with pytest.raises(ValidationError) as missing:
            services.defect_transition(actor=world.agent, defect=made, status=S.DUPLICATE)
        assert "duplicate_of" in missing.value.message_dict
        with pytest.raises(BusinessRuleError) as product:
            services.defect_transition(
                actor=world.agent, defect=made, status=S.DUPLICATE, duplicate_of=elsewhere.pk
            )
        assert product.value.code == "defect_duplicate_product"
        with pytest.raises(BusinessRuleError):
            services.defect_transition(
                actor=world.agent, defect=made, status=S.DUPLICATE, duplicate_of=made.pk
            )
        assert Defect.objects.get(pk=made.pk).status == S.OPEN
        moved = services.defect_transition(
            actor=world.agent, defect=made, status=S.DUPLICATE, duplicate_of=same.pk
        )
        assert moved.duplicate_of == same and moved.closed_at
        with pytest.raises(BusinessRuleError) as kept:
            services.defect_delete(actor=world.admin, defect=same)
        assert kept.value.code == "defect_has_duplicates"
        reopened = services.defect_transition(actor=world.agent, defect=moved, status=S.OPEN)
        assert reopened.duplicate_of is None and reopened.closed_at is None


def test_a_stale_update_is_refused(world):
    made = h.defect(world)
    with org_scope(world.org):
        services.defect_update(actor=world.agent, defect=made, version=1, title="新标题")
        with pytest.raises(StaleVersion):
            services.defect_update(actor=world.agent, defect=made, version=1, title="旧的")
    assert h.reload(world, made).title == "新标题"


def test_links_need_a_visible_ticket_and_are_unique(world):
    made = h.defect(world)
    mine = h.ticket(world)
    with org_scope(world.org):
        link = services.defect_link_ticket(actor=world.agent, defect=made, ticket=mine.code)
        assert link.ticket == mine and link.linked_by == world.agent
        with pytest.raises(BusinessRuleError) as again:
            services.defect_link_ticket(actor=world.agent, defect=made, ticket=mine.pk)
        assert again.value.code == "defect_ticket_linked"
        with pytest.raises(ValidationError):
            services.defect_link_ticket(actor=world.agent, defect=made, ticket="GD-NOPE")
        services.defect_unlink_ticket(actor=world.agent, defect=made, ticket=mine.pk)
        assert not DefectTicket.objects.exists()
        with pytest.raises(ValidationError):
            services.defect_unlink_ticket(actor=world.agent, defect=made, ticket=mine.pk)


def test_a_ticket_the_actor_cannot_see_is_not_linked(world, other_world):
    made = h.defect(world)
    foreign = h.ticket(other_world, actor=other_world.agent)
    with org_scope(world.org):
        with pytest.raises(ValidationError) as refused:
            services.defect_link_ticket(actor=world.agent, defect=made, ticket=foreign.pk)
        assert "ticket" in refused.value.message_dict
        assert not DefectTicket.objects.exists()


def test_counts_per_product_and_the_trend(world, django_assert_max_num_queries):
    washer = h.product(world, name="洗碗机")
    purifier = h.product(world, name="净水器")
    with time_machine.travel(datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)):
        old = h.defect(world, item=washer, severity="critical")
        ticket = h.ticket(world)
        with org_scope(world.org):
            services.defect_link_ticket(actor=world.agent, defect=old, ticket=ticket.pk)
    with time_machine.travel(datetime.datetime(2026, 5, 10, 9, tzinfo=datetime.UTC)):
        h.defect(world, item=washer)
        closed = h.defect(world, item=purifier)
        with org_scope(world.org):
            services.defect_transition(actor=world.agent, defect=closed, status=S.REJECTED)
    with (
        time_machine.travel(datetime.datetime(2026, 5, 20, 9, tzinfo=datetime.UTC)),
        org_scope(world.org),
        django_assert_max_num_queries(8),
    ):
        data = selectors.stats(employee=world.agent)
    assert data["totals"] == {"total": 3, "open": 2, "critical": 1}
    rows = {row["product_name"]: row for row in data["products"]}
    assert rows["洗碗机"]["open"] == 2 and rows["洗碗机"]["tickets"] == 1
    assert rows["洗碗机"]["critical"] == 1 and rows["净水器"]["open"] == 0
    assert data["products"][0]["product_name"] == "洗碗机"
    trend = {row["month"]: row for row in data["trend"]}
    assert len(data["trend"]) == 12 and data["trend"][-1]["month"] == "2026-05"
    assert trend["2026-03"] == {"month": "2026-03", "defects": 1, "tickets": 1}
    assert trend["2026-05"]["defects"] == 2 and trend["2026-04"]["defects"] == 0
    assert data["trend"][0]["month"] == "2025-06"
