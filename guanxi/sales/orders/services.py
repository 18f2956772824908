"""Every write of sales orders (keyword-only, in a transaction, audited).

Permissions are the owned module ``orders``: ``create``, ``edit`` (change a draft,
confirm, set the delivery status, complete, cancel), ``delete`` (a draft to the recycle
bin), ``transfer`` (another owner); the data scope decides which orders one reaches.

Status: draft → (confirm) confirmed, or pending credit approval → confirmed when
approved (back to draft when rejected or withdrawn) → completed; a draft or confirmed
order can be cancelled (a confirmed one's receivable is cancelled with it, refused once
money has been received against it).

Confirming (``order_confirm``) locks the order row and checks its status before anything
else, so two confirmations of one order at the same moment run one after the other and
the second is refused ("already confirmed"): nothing is doubled. It then runs the credit
check (``credit.check``); a failure is refused (422 with the reason's code) or, in the
org's "approval" mode, sends the order for approval (document type ``order``). A stop
rating is always refused. Confirmed: the customer's lifecycle event (``first_order`` or
``repeat_order``, on the order date) and, for a direct order, its receivable.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.versioning import lock_for_update
from guanxi.customers import services as customer_services
from guanxi.orgs import policy
from guanxi.orgs.models import CreditCheckMode
from guanxi.orgs.numbering import next_code
from guanxi.sales import lines as doc_lines
from guanxi.sales.contracts import documents
from guanxi.sales.contracts import selectors as contract_selectors
from guanxi.sales.contracts.models import Contract
from guanxi.sales.orders import credit, selectors
from guanxi.sales.orders.models import Order, OrderLine
from guanxi.sales.receivables import services as receivables
from guanxi.search import index
from guanxi.workspace.approvals import registry
from guanxi.workspace.approvals import services as approvals
from guanxi.workspace.approvals.models import ApprovalRequest

DOCUMENT = "order"
MODULE = "orders"
SEARCH_KIND = "order"
SOURCE_TYPE = "order"
NOTES_LENGTH = 5000
AUDIT_FIELDS = (
    "code", "title", "customer", "contact", "contract", "quote", "status", "order_date",
    "payment_due_date", "delivery_status", "shipped_on", "delivered_on", "total", "notes",
    "owner",
)  # fmt: skip
FIELDS = (
    "title", "customer", "contact", "order_date", "payment_due_date", "notes", "owner", "lines",
)  # fmt: skip
Status = Order.Status
BOUGHT = (Status.CONFIRMED, Status.COMPLETED)


def _snapshot(order):
    return audit.snapshot(order, AUDIT_FIELDS)


def _index(order):
    index.refresh(SEARCH_KIND, [order.pk])  # in this transaction, like the customers


def _places(settings):
    return int(settings.order_decimals)


def _set_totals(order, totals):
    for name, value in totals.as_fields().items():
        setattr(order, name, value)


def _source_contract(actor, contract):
    if contract in (None, ""):
        return None
    try:
        found = contract_selectors.contract_queryset(employee=actor).get(
            pk=int(documents.pk_of(contract))
        )
    except (Contract.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"contract": [_("合同不存在。")]}, code="invalid") from exc
    if found.status != Contract.Status.EFFECTIVE:
        raise BusinessRuleError(
            _("只能根据已生效的合同下订单（该合同%(status)s）。")
            % {"status": found.get_status_display()},
            code="contract_not_effective",
        )
    return found


@transaction.atomic
def order_create(
    *, actor, customer=None, lines=None, contract=None, quote=None, title="", contact=None,
    order_date=None, payment_due_date=None, notes="", owner=None,
):  # fmt: skip
    """A draft order. From an effective ``contract`` (its customer, and its lines unless
    ``lines`` are given), from a ``quote`` (approved, sent or accepted: its customer,
    contact and lines the same way), or direct (``customer`` and raw ``lines``). Takes
    the next ``order`` code."""
    policy.require(actor, f"{MODULE}.create")
    settings = documents.org_settings(actor.org_id)
    places = _places(settings)
    source = _source_contract(actor, contract)
    from_quote = documents.source_quote(actor, quote) if source is None else None
    source_lines = None
    if from_quote is not None:
        customer = customer or from_quote.customer_id
        if lines is None:
            source_lines = list(from_quote.lines.all())
        contact = contact if contact not in (None, "") else from_quote.contact_id
        title = title or from_quote.title
    if source is not None:
        customer = source.customer
        if lines is None and source_lines is None:
            source_lines = list(source.lines.select_related("product"))
        contact = contact if contact not in (None, "") else source.contact_id
        title = title or source.title
    customer = documents.visible_customer(actor, customer)
    if from_quote is not None and from_quote.customer_id != customer.pk:
        raise ValidationError({"quote": [_("报价单不属于所选客户。")]}, code="invalid")
    data = {
        "title": documents.text(title, "title", documents.TITLE_LENGTH),
        "contact": documents.customer_contact(customer, contact),
        "order_date": documents.date_or_none(order_date, "order_date") or timezone.localdate(),
        "payment_due_date": documents.date_or_none(payment_due_date, "payment_due_date"),
        "notes": documents.text(notes, "notes", NOTES_LENGTH),
        "owner": documents.owner_for(actor, owner, module=MODULE),
    }
    if source_lines is not None:
        inputs = doc_lines.inputs_from_lines(source_lines)
    else:
        inputs = doc_lines.clean_lines(
            lines, org_id=actor.org_id, places=places, price_places=settings.price_decimals
        )
    _check_due(data)
    order = Order(
        org_id=actor.org_id,
        code=next_code(org_id=actor.org_id, target="order"),
        customer=customer,
        contract=source,
        quote=from_quote,
        currency=settings.currency,
        **data,
    )
    _set_totals(order, doc_lines.compute_totals(inputs, places))
    order.save()
    doc_lines.replace_lines(
        document=order, line_model=OrderLine, fk_name="order", inputs=inputs, places=places
    )
    audit.record_change(
        actor=actor, instance=order, action=ChangeRecord.Action.CREATE, after=_snapshot(order)
    )
    _index(order)
    return order


def _check_due(data):
    due, day = data.get("payment_due_date"), data.get("order_date")
    if due and day and due < day:
        raise ValidationError(
            {"payment_due_date": [_("付款到期日不能早于下单日期。")]}, code="invalid"
        )


def _refuse_unless_draft(order):
    approvals.ensure_editable(order)
    if order.status != Status.DRAFT:
        raise BusinessRuleError(
            _("订单%(status)s，不能修改。") % {"status": order.get_status_display()},
            code="order_not_editable",
        )


def _locked(actor, order, *, write=True):
    selectors.access_order(actor, order.pk, write=write)
    order = lock_for_update(Order, order.pk)
    if order.deleted_at is not None:
        raise BusinessRuleError(_("订单已删除。"), code="order_deleted")
    return order


@transaction.atomic
def order_update(*, actor, order, version=None, **changes):
    """Change a draft order (``orders.edit``); ``version`` guards against stale edits
    (409). Refused once confirmed, cancelled or under credit approval (422)."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    order = _locked(actor, order)
    _refuse_unless_draft(order)
    if version is not None and int(version) != order.version:
        raise StaleVersion()
    settings = documents.org_settings(actor.org_id)
    places = _places(settings)
    before = _snapshot(order)
    customer = order.customer
    if "customer" in changes and documents.pk_of(changes["customer"]) != order.customer_id:
        if order.contract_id is not None:
            raise ValidationError(
                {"customer": [_("根据合同下的订单不能更换客户。")]}, code="invalid"
            )
        customer = documents.visible_customer(actor, changes["customer"])
        order.customer = customer
        if "contact" not in changes:
            order.contact = None
    if "contact" in changes:
        order.contact = documents.customer_contact(customer, changes["contact"])
    if "title" in changes:
        order.title = documents.text(changes["title"], "title", documents.TITLE_LENGTH)
    if "notes" in changes:
        order.notes = documents.text(changes["notes"], "notes", NOTES_LENGTH)
    if "order_date" in changes:
        order.order_date = (
            documents.date_or_none(changes["order_date"], "order_date") or order.order_date
        )
    if "payment_due_date" in changes:
        order.payment_due_date = documents.date_or_none(
            changes["payment_due_date"], "payment_due_date"
        )
    _check_due({"payment_due_date": order.payment_due_date, "order_date": order.order_date})
    if "owner" in changes:
        order.owner = documents.owner_for(
            actor, changes["owner"], module=MODULE, current=order.owner
        )
        order.owner_department_id = order.owner.department_id
    if "lines" in changes:
        current_products = list(order.lines.values_list("product_id", flat=True))
        inputs = doc_lines.clean_lines(
            changes["lines"],
            org_id=actor.org_id,
            places=places,
            price_places=settings.price_decimals,
            allowed_inactive=current_products,
        )
        totals = doc_lines.replace_lines(
            document=order, line_model=OrderLine, fk_name="order", inputs=inputs, places=places
        )
        _set_totals(order, totals)
    after = _snapshot(order)
    if after == before and "lines" in changes:
        order.version += 1
        order.save()
    else:
        audit.save_if_changed(actor=actor, instance=order, before=before, after=after)
    _index(order)
    return order


@transaction.atomic
def order_delete(*, actor, order):
    """Move a draft order to the recycle bin (``orders.delete``)."""
    policy.require(actor, f"{MODULE}.delete")
    order = _locked(actor, order, write=False)
    _refuse_unless_draft(order)
    order.deleted_at = timezone.now()
    order.save(update_fields=["deleted_at", "updated_at"])
    audit.record_change(
        actor=actor, instance=order, action=ChangeRecord.Action.DELETE, before=_snapshot(order)
    )
    index.remove(SEARCH_KIND, [order.pk])


def _refuse_confirm(order):
    """The status check of a confirmation, made while holding the order's row lock."""
    if order.status == Status.DRAFT:
        return
    if order.status == Status.PENDING:
        raise BusinessRuleError(
            _("订单正在信用审批中，审批通过后自动确认。"), code="approval_pending"
        )
    if order.status in BOUGHT:
        raise BusinessRuleError(_("订单已确认，不能重复确认。"), code="order_already_confirmed")
    raise BusinessRuleError(
        _("订单%(status)s，不能确认。") % {"status": order.get_status_display()},
        code="order_not_editable",
    )


def _confirm(order, actor):
    """Confirmed now: the lifecycle event, and a direct order's receivable."""
    order.status = Status.CONFIRMED
    order.confirmed_at = timezone.now()
    earlier = (
        Order.objects.filter(customer_id=order.customer_id, status__in=BOUGHT)
        .exclude(pk=order.pk)
        .exists()
    )
    customer_services.lifecycle_event(
        customer=order.customer,
        event="repeat_order" if earlier else "first_order",
        actor=actor,
        on=order.order_date,
    )
    if order.is_direct and order.total > 0:
        receivables.receivable_create(
            actor=actor,
            customer=order.customer,
            amount=order.total,
            due_date=order.payment_due_date or order.order_date,
            source_type=SOURCE_TYPE,
            source_id=order.pk,
            source_code=order.code,
            title=order.title or _("销售订单 %(code)s") % {"code": order.code},
            owner=order.owner,
        )


@transaction.atomic
def order_confirm(*, actor, order, today=None):
    """Confirm a draft order after the credit check (see the module docstring). Returns
    the order: confirmed, or pending credit approval. Refusals (422): the order is not a
    draft (``order_already_confirmed``, ``approval_pending``), it has no lines, or the
    credit check failed (``credit_stopped``, ``credit_limit_exceeded``,
    ``credit_overdue``, with the reason and figures) — nothing changed."""
    order = _locked(actor, order)
    _refuse_confirm(order)
    if not order.lines.exists():
        raise BusinessRuleError(_("请先添加订单明细。"), code="order_no_lines")
    settings = documents.org_settings(actor.org_id)
    result = credit.check(order, settings=settings, today=today)
    before = _snapshot(order)
    if result:
        reason = credit.reason(result)
        if result["code"] == credit.STOPPED or settings.credit_check_mode == CreditCheckMode.REFUSE:
            raise BusinessRuleError(reason, code=result["code"])
        order.credit_check = result
        order.status = Status.PENDING
        order.save(update_fields=["status", "credit_check", "updated_at"])
        request = approvals.submit(actor=actor, record=order, document=DOCUMENT, comment=reason)
        if request is None:  # rolls the pending status back with the refusal
            raise BusinessRuleError(
                reason
                + " "
                + _("没有适用的订单审批流程，请管理员在审批流程中为“销售订单”设置流程。"),
                code=result["code"],
            )
        order.refresh_from_db()  # approved at once (no approver left): already confirmed
        audit.record_change(
            actor=actor, instance=order, action=ChangeRecord.Action.UPDATE, before=before,
            after=_snapshot(order),
        )  # fmt: skip
        return order
    order.credit_check = {}
    _confirm(order, actor)
    audit.save_if_changed(actor=actor, instance=order, before=before, after=_snapshot(order))
    return order


def _on_decided(record, request):
    """The approvals engine ended the credit approval: approved → confirmed (for the
    submitter: lifecycle event, receivable), rejected or withdrawn → draft again (the
    credit check result stays on the order)."""
    order = lock_for_update(Order, record.pk)
    if order.status not in (Status.PENDING, Status.DRAFT):
        return
    before = _snapshot(order)
    if request.status == ApprovalRequest.Status.APPROVED:
        _confirm(order, request.submitter)
    else:
        order.status = Status.DRAFT
    audit.save_if_changed(actor=None, instance=order, before=before, after=_snapshot(order))


@transaction.atomic
def order_cancel(*, actor, order):
    """Cancel a draft or confirmed order. A confirmed direct order's receivable is
    cancelled with it — refused (``receivable_paid``) once money was received against
    it. Refused while under credit approval (withdraw the request first)."""
    order = _locked(actor, order)
    approvals.ensure_editable(order)
    if order.status not in (Status.DRAFT, Status.CONFIRMED):
        raise BusinessRuleError(
            _("订单%(status)s，不能取消。") % {"status": order.get_status_display()},
            code="order_not_cancellable",
        )
    before = _snapshot(order)
    if order.status == Status.CONFIRMED and order.is_direct:
        receivables.receivables_cancel_for_source(
            actor=actor, source_type=SOURCE_TYPE, source_id=order.pk
        )
    order.status = Status.CANCELLED
    order.closed_at = timezone.now()
    audit.save_if_changed(actor=actor, instance=order, before=before, after=_snapshot(order))
    return order


@transaction.atomic
def order_complete(*, actor, order):
    """A confirmed order is fulfilled."""
    order = _locked(actor, order)
    if order.status != Status.CONFIRMED:
        raise BusinessRuleError(_("只有已确认的订单可以完成。"), code="order_not_confirmed")
    before = _snapshot(order)
    order.status = Status.COMPLETED
    order.closed_at = timezone.now()
    audit.save_if_changed(actor=actor, instance=order, before=before, after=_snapshot(order))
    return order


@transaction.atomic
def order_set_delivery(*, actor, order, delivery_status, shipped_on=None, delivered_on=None):
    """Record the delivery of a confirmed (or completed) order. Shipping dates default
    to today when the status first says shipped or delivered."""
    order = _locked(actor, order)
    if order.status not in BOUGHT:
        raise BusinessRuleError(_("订单确认后才能登记发货。"), code="order_not_confirmed")
    if delivery_status not in Order.Delivery.values:
        raise ValidationError(
            {"delivery_status": [_("“%(value)s”不是有效的选项。") % {"value": delivery_status}]},
            code="invalid",
        )
    today = timezone.localdate()
    shipped = documents.date_or_none(shipped_on, "shipped_on")
    delivered = documents.date_or_none(delivered_on, "delivered_on")
    before = _snapshot(order)
    order.delivery_status = delivery_status
    if delivery_status == Order.Delivery.NOT_SHIPPED:
        order.shipped_on = order.delivered_on = None
    else:
        order.shipped_on = shipped or order.shipped_on or today
        if delivery_status == Order.Delivery.DELIVERED:
            order.delivered_on = delivered or order.delivered_on or today
        else:
            order.delivered_on = None
    if order.delivered_on and order.delivered_on < order.shipped_on:
        raise ValidationError({"delivered_on": [_("签收日期不能早于发货日期。")]}, code="invalid")
    audit.save_if_changed(actor=actor, instance=order, before=before, after=_snapshot(order))
    return order


def _over_credit(order):
    return "yes" if order.credit_check else "no"


def register():
    """Called once at start-up: orders become the approval document type ``order``
    (credit approval)."""
    registry.register(
        DOCUMENT,
        gettext_lazy("销售订单（信用审批）"),
        model=Order,
        variables={
            "amount": registry.Variable(
                gettext_lazy("订单总额"), registry.NUMBER, lambda order: order.total
            ),
            "over_credit": registry.Variable(
                gettext_lazy("信用检查未通过"),
                registry.CHOICE,
                _over_credit,
                choices=registry.YES_NO,
            ),
            "credit_reason": registry.Variable(
                gettext_lazy("未通过原因"),
                registry.CHOICE,
                lambda order: (order.credit_check or {}).get("code", ""),
                choices=(
                    (credit.LIMIT, gettext_lazy("超出信用额度")),
                    (credit.OVERDUE, gettext_lazy("逾期应收款超限")),
                ),
            ),
        },
        describe=lambda order: f"{order.code} {order.customer.name}",
        link=lambda order: reverse("orders:order_detail", args=[order.pk]),
        on_decided=_on_decided,
    )
