"""Quote services: create, edit, revisions, approval, sending, the customer's answer,
expiry, delete — and that a refused write changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.sales.quotes import integrations, selectors, services
from guanxi.sales.quotes.models import Quote, QuoteLine
from guanxi.sales.quotes.tests.helpers import (
    contact,
    customer,
    flow,
    line,
    product,
    quote,
    refresh,
    settings,
)
from guanxi.workspace.approvals import services as approvals

D = Decimal


def test_create_numbers_prices_and_totals(world):
    """Code from the numbering rule, revision 1, owner = actor, currency and places
    from the system parameters, list price and tax rate of the product by default."""
    item = product(world, price="1999.00", tax_rate="13")
    made = quote(world, lines=[line(item, quantity="3", discount="10")])
    assert made.code
    assert made.revision == 1
    assert made.owner == world.rep_a
    assert made.owner_department_id == world.rep_a.department_id
    assert made.currency == "CNY"
    assert made.status == Quote.Status.DRAFT
    # 3 × 1999 = 5997, less 10% = 5397.30, tax 13% = 701.649 → 701.65
    assert made.subtotal == D("5997.00")
    assert made.discount_amount == D("599.70")
    assert made.amount == D("5397.30")
    assert made.tax == D("701.65")
    assert made.total == D("6098.95")
    assert made.max_discount == D("10")
    with org_scope(world.org):
        (stored,) = made.lines.all()
    assert stored.unit_price == D("1999")
    assert stored.description == "工业网关"


def test_three_decimal_lines_total_exact_to_configured_places(world):
    """quote_decimals = 2 with 3-decimal prices and quantities: totals at 2 places and
    equal to the sum of the stored line totals (no drift)."""
    settings(world, quote_decimals=2)
    item = product(world, price="0.335", tax_rate="13")
    made = quote(world, lines=[line(item, quantity="1.333", price="0.335")] * 3)
    with org_scope(world.org):
        rows = list(made.lines.all())
    assert made.total == D("1.53")
    assert made.total == sum(row.total for row in rows)
    assert made.amount == sum(row.amount for row in rows)
    assert made.decimals == 2


def test_org_decimals_apply(world):
    settings(world, quote_decimals=0)
    item = product(world, price="10.6", tax_rate="0")
    made = quote(world, lines=[line(item, quantity="1")])
    assert made.total == D("11")
    assert made.decimals == 0


def test_create_needs_permission(world):
    with pytest.raises(PermissionDenied):
        quote(world, actor=world.readonly, client=customer(world))


def test_create_refuses_a_customer_out_of_scope(world):
    """rep_a may not quote rep_b's customer (another department): same answer as a
    missing customer."""
    theirs = customer(world, owner=world.rep_b)
    with pytest.raises(ValidationError) as exc:
        quote(world, client=theirs)
    assert "customer" in exc.value.message_dict


def test_create_refuses_contact_of_another_customer(world):
    other = contact(world, customer(world, name="别家公司"))
    with pytest.raises(ValidationError) as exc:
        quote(world, contact=other)
    assert exc.value.message_dict["contact"] == ["联系人不属于该客户。"]


def test_bad_lines_create_nothing(world):
    item = product(world)
    client = customer(world)
    with org_scope(world.org):
        before = (Quote.with_deleted.count(), QuoteLine.objects.count())
    for bad in ({"discount": "100.5"}, {"quantity": "-1"}):
        row = {**line(item), **bad}
        with pytest.raises(ValidationError) as exc:
            quote(world, client=client, lines=[row])
        assert "lines" in exc.value.message_dict
    with org_scope(world.org):
        assert (Quote.with_deleted.count(), QuoteLine.objects.count()) == before


def test_valid_until_not_before_quote_date(world):
    with pytest.raises(ValidationError) as exc:
        quote(world, quote_date="2026-12-03", valid_until="2026-12-01")
    assert "valid_until" in exc.value.message_dict


def test_update_replaces_lines_and_checks_version(world):
    made = quote(world)
    item = product(world, name="传感器", price="50", tax_rate="6")
    with org_scope(world.org):
        updated = services.quote_update(
            actor=world.rep_a,
            quote=made,
            version=made.version,
            title="二期报价",
            lines=[line(item, quantity="4"), line(item, quantity="1", discount="50")],
        )
        assert [r.position for r in updated.lines.all()] == [1, 2]
    assert updated.title == "二期报价"
    assert updated.amount == D("225.00")
    assert updated.tax == D("13.50")  # 12.00 + 1.50
    assert updated.version == made.version + 1
    with org_scope(world.org), pytest.raises(StaleVersion):
        services.quote_update(actor=world.rep_a, quote=updated, version=made.version, title="x")
    assert refresh(world, made).title == "二期报价"


def test_update_refused_lines_leave_quote_unchanged(world):
    made = quote(world)
    with org_scope(world.org):
        lines_before = list(made.lines.values_list("pk", "quantity"))
        with pytest.raises(ValidationError):
            services.quote_update(
                actor=world.rep_a,
                quote=made,
                title="改了",
                lines=[
                    {"product": lines_before and made.lines.first().product_id, "quantity": "0"}
                ],
            )
        assert list(made.lines.values_list("pk", "quantity")) == lines_before
    fresh = refresh(world, made)
    assert fresh.title == made.title
    assert fresh.version == made.version


def test_other_department_rep_cannot_edit(world):
    made = quote(world)
    with org_scope(world.org), pytest.raises(Exception) as exc:
        services.quote_update(actor=world.rep_b, quote=made, title="x")
    assert exc.type.__name__ == "Http404"


# ---- approval --------------------------------------------------------------------------


def _discounted(world, discount="20"):
    settings(world, quote_discount_limit=D("10"))
    return quote(world, lines=[line(product(world), quantity="1", discount=discount)])


def test_within_limit_is_sendable_without_approval(world):
    settings(world, quote_discount_limit=D("10"))
    made = quote(world, lines=[line(product(world), discount="10")])
    assert not services.needs_approval(made)
    with org_scope(world.org):
        services.check_sendable(made)
        assert services.quote_submit(actor=world.rep_a, quote=made) is None
    assert refresh(world, made).status == Quote.Status.APPROVED


def test_over_limit_cannot_be_sent_before_approval(world):
    made = _discounted(world)
    assert services.needs_approval(made)
    with org_scope(world.org), pytest.raises(BusinessRuleError) as exc:
        services.quote_send(actor=world.rep_a, quote=made, to="buyer@example.com")
    assert exc.value.code == "quote_needs_approval"
    assert refresh(world, made).status == Quote.Status.DRAFT
    assert mail.outbox == []


def test_over_limit_goes_through_the_flow(world):
    flow(world, conditions=[{"variable": "max_discount", "op": ">", "value": "10"}])
    made = _discounted(world)
    with org_scope(world.org):
        request = services.quote_submit(actor=world.rep_a, quote=made)
    assert request is not None and request.is_pending
    assert request.values["max_discount"] == "20.00"
    pending = refresh(world, made)
    assert pending.status == Quote.Status.PENDING
    with org_scope(world.org):
        # editing, revising and sending are refused while pending
        with pytest.raises(BusinessRuleError) as exc:
            services.quote_update(actor=world.rep_a, quote=pending, title="改")
        assert exc.value.code == "approval_pending"
        with pytest.raises(BusinessRuleError):
            services.quote_revise(actor=world.rep_a, quote=pending)
        with pytest.raises(BusinessRuleError):
            services.quote_send(actor=world.rep_a, quote=pending, to="buyer@example.com")
        approvals.approve(actor=world.manager, request=request)
    assert refresh(world, made).status == Quote.Status.APPROVED


def test_rejection_returns_to_draft(world):
    flow(world)
    made = _discounted(world)
    with org_scope(world.org):
        request = services.quote_submit(actor=world.rep_a, quote=made)
        approvals.reject(actor=world.manager, request=request, comment="折扣太大")
    assert refresh(world, made).status == Quote.Status.DRAFT


def test_no_flow_configured_counts_as_approved(world):
    """The fallback rule: over the limit but the org has no matching flow → approved."""
    made = _discounted(world)
    with org_scope(world.org):
        assert services.quote_submit(actor=world.rep_a, quote=made) is None
    assert refresh(world, made).status == Quote.Status.APPROVED


def test_editing_an_approved_quote_returns_it_to_draft(world):
    made = _discounted(world)
    with org_scope(world.org):
        services.quote_submit(actor=world.rep_a, quote=made)
        edited = services.quote_update(actor=world.rep_a, quote=made, notes="加急")
    assert edited.status == Quote.Status.DRAFT


# ---- sending ---------------------------------------------------------------------------


def test_send_mails_the_pdf_and_records_it(world):
    made = quote(world, valid_until=datetime.date(2099, 1, 1))
    with org_scope(world.org):
        delivery = services.quote_send(
            actor=world.rep_a,
            quote=made,
            to="buyer@example.com, boss@example.com",
            cc="rep@example.com",
            message="请查收",
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["buyer@example.com", "boss@example.com"]
    assert message.cc == ["rep@example.com"]
    assert made.code in message.subject
    (name, content, kind) = message.attachments[0]
    assert name.endswith(".pdf")
    assert kind == "application/pdf" and content.startswith(b"%PDF")
    assert delivery.sent_by == world.rep_a
    assert delivery.to == "buyer@example.com, boss@example.com"
    sent = refresh(world, made)
    assert sent.status == Quote.Status.SENT
    assert sent.sent_at is not None


def test_send_refuses_bad_addresses_and_changes_nothing(world):
    made = quote(world)
    with org_scope(world.org), pytest.raises(ValidationError) as exc:
        services.quote_send(actor=world.rep_a, quote=made, to="not-an-address")
    assert "to" in exc.value.message_dict
    assert refresh(world, made).status == Quote.Status.DRAFT
    assert mail.outbox == []
    with org_scope(world.org):
        assert not selectors.deliveries(made)


def test_send_refuses_an_expired_quote(world):
    made = quote(world, quote_date="2020-01-01", valid_until="2020-01-31")
    with org_scope(world.org), pytest.raises(BusinessRuleError) as exc:
        services.quote_send(actor=world.rep_a, quote=made, to="buyer@example.com")
    assert exc.value.code == "quote_expired"


def test_customer_answer_and_expiry(world):
    made = quote(world)
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError):
            services.quote_mark(actor=world.rep_a, quote=made, outcome="accepted")
        services.quote_send(actor=world.rep_a, quote=made, to="buyer@example.com")
        services.quote_mark(actor=world.rep_a, quote=made, outcome="accepted")
    assert refresh(world, made).status == Quote.Status.ACCEPTED

    other = quote(world, valid_until=datetime.date(2026, 12, 31))
    with org_scope(world.org):
        services.quote_send(actor=world.rep_a, quote=other, to="buyer@example.com")
    assert services.quotes_expire(org_id=world.org.pk, today=datetime.date(2026, 12, 31)) == 0
    assert services.quotes_expire(org_id=world.org.pk, today=datetime.date(2027, 1, 1)) == 1
    assert refresh(world, other).status == Quote.Status.EXPIRED


# ---- revisions -------------------------------------------------------------------------


def test_revise_makes_the_next_version_and_keeps_the_old_read_only(world):
    made = quote(world, title="首版")
    with org_scope(world.org):
        services.quote_send(actor=world.rep_a, quote=made, to="buyer@example.com")
        new = services.quote_revise(actor=world.rep_a, quote=made)
        assert [r.revision for r in selectors.revisions(new)] == [2, 1]
        assert new.lines.count() == 1
    assert new.code == made.code
    assert new.revision == 2
    assert new.previous_id == made.pk
    assert new.status == Quote.Status.DRAFT
    assert new.total == made.total
    assert new.title == "首版"
    old = refresh(world, made)
    assert old.superseded
    assert old.status == Quote.Status.SENT
    with org_scope(world.org):
        for attempt in (
            lambda: services.quote_update(actor=world.rep_a, quote=old, title="x"),
            lambda: services.quote_revise(actor=world.rep_a, quote=old),
            lambda: services.quote_send(actor=world.rep_a, quote=old, to="a@example.com"),
        ):
            with pytest.raises(BusinessRuleError) as exc:
                attempt()
            assert exc.value.code == "quote_superseded"


def test_deleting_the_current_revision_restores_the_previous(world):
    made = quote(world)
    with org_scope(world.org):
        new = services.quote_revise(actor=world.rep_a, quote=made)
        services.quote_delete(actor=world.manager, quote=new)
        assert not Quote.objects.filter(pk=new.pk).exists()
        assert Quote.with_deleted.get(pk=new.pk).deleted_at is not None
    assert not refresh(world, made).superseded
    with org_scope(world.org):
        again = services.quote_revise(actor=world.rep_a, quote=refresh(world, made))
    assert again.revision == 3  # revisions are never reused


def test_delete_refused_while_pending(world):
    flow(world)
    made = _discounted(world)
    with org_scope(world.org):
        services.quote_submit(actor=world.rep_a, quote=made)
        with pytest.raises(BusinessRuleError):
            services.quote_delete(actor=world.admin, quote=made)
    assert refresh(world, made).deleted_at is None


# ---- integrations ----------------------------------------------------------------------


def test_merge_moves_every_revision_to_the_survivor(world):
    made = quote(world)
    survivor = customer(world, name="幸存公司")
    with org_scope(world.org):
        services.quote_revise(actor=world.rep_a, quote=made)
        assert integrations.count_linked([made.customer_id]) == 2
        assert integrations.move_linked([made.customer_id], survivor, world.admin) == 2
        assert Quote.objects.filter(customer=survivor).count() == 2


def test_handover_gives_open_quotes_to_the_successor(world):
    made = quote(world)
    with org_scope(world.org):
        moved = integrations.handover_open(world.rep_a, world.rep_b, None, world.admin)
    assert moved == 1
    fresh = refresh(world, made)
    assert fresh.owner == world.rep_b
    assert fresh.owner_department_id == world.rep_b.department_id


def test_customer_quotes_for_the_card(world):
    made = quote(world)
    with org_scope(world.org):
        rows, more = selectors.customer_quotes(employee=world.rep_a, customer_id=made.customer_id)
        assert rows == [made] and not more
        assert (
            selectors.customer_quotes(employee=world.rep_b, customer_id=made.customer_id)[0] == []
        )
