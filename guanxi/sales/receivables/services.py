"""Every write of receivables, payments and invoices.

Permissions: module ``payments`` governs all three ("payments.create" to record a
payment, an invoice or a manual receivable; "payments.edit" to allocate, change a
receivable, cancel one or void a payment or invoice) and the records touched must be in
the actor's data scope. ``receivable_create`` and ``receivables_cancel_for_source`` are
called by contracts and orders inside their own transactions when a document becomes
effective or is cancelled: they check no permission (the caller did).

Locking contract (deadlock-free): a write that moves money locks the **payment** row
first, then the **receivables** it touches in id order (``select_for_update``), then
recomputes ``paid_amount`` / ``allocated_amount`` from the allocation rows, never by
adding to a value read earlier. Callers must not hold a receivable lock when they call
a payment service.

Money is rounded half-up to ``OrgSettings.contract_decimals`` at the boundary; the
currency stored beside each amount is ``OrgSettings.currency``.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.versioning import lock_for_update
from guanxi.customers.models import Customer
from guanxi.orgs import numbering, policy
from guanxi.orgs.models import Employee, OrgSettings
from guanxi.sales.receivables import indexing
from guanxi.sales.receivables.models import (
    ZERO,
    Invoice,
    Payment,
    PaymentAllocation,
    Receivable,
)

MODULE = "payments"
RECEIVABLE_AUDIT = (
    "code", "customer", "owner", "source_type", "source_id", "source_code", "title",
    "amount", "paid_amount", "due_date", "status",
)  # fmt: skip
PAYMENT_AUDIT = (
    "code", "customer", "owner", "amount", "allocated_amount", "received_at", "method",
    "reference", "notes", "status", "void_reason",
)  # fmt: skip
INVOICE_AUDIT = (
    "number", "type", "customer", "owner", "amount", "tax_amount", "issued_on", "notes",
    "status", "receivables",
)  # fmt: skip
MAX_ALLOCATIONS = 200
MAX_AMOUNT = Decimal("99999999999999")


# ---- helpers -------------------------------------------------------------------------------


def money_places(org_id):
    """``(decimal places, currency)`` of the org (contract decimals and base currency)."""
    row = OrgSettings.objects.filter(org_id=org_id).values_list("contract_decimals", "currency")
    found = row.first()
    return found if found else (2, "CNY")


def quantize(value, places):
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def parse_amount(value, places, field, *, allow_zero=False):
    """``value`` as a Decimal rounded half-up to ``places``; a ValidationError on ``field``
    when it is not a number, is negative (or zero, also once rounded) or is huge."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationError({field: [_("请填写金额。")]})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("金额必须是数字。")]}) from None
    if not number.is_finite():
        raise ValidationError({field: [_("金额必须是数字。")]})
    if number < 0 or (number == 0 and not allow_zero):
        raise ValidationError({field: [_("金额必须大于零。")]})
    if number > MAX_AMOUNT:
        raise ValidationError({field: [_("金额过大。")]})
    rounded = quantize(number, places)
    if rounded == 0 and not allow_zero:
        raise ValidationError({field: [_("金额必须大于零。")]})
    return rounded


def _parse_date(value, field):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError({field: [_("请填写有效的日期（如 2026-12-31）。")]})


def _customer(customer, *, actor=None):
    """The live customer of the current org (instance or id); a field error otherwise."""
    pk = getattr(customer, "pk", customer)
    try:
        found = Customer.objects.get(pk=int(pk))
    except (TypeError, ValueError, Customer.DoesNotExist):
        raise ValidationError({"customer": [_("请选择本组织的客户。")]}) from None
    if actor is not None and found.org_id != actor.org_id:
        raise ValidationError({"customer": [_("请选择本组织的客户。")]})
    return found


def _owner(owner, *, field="owner"):
    pk = getattr(owner, "pk", owner)
    try:
        found = Employee.objects.select_related("department").get(pk=int(pk))
    except (TypeError, ValueError, Employee.DoesNotExist):
        raise ValidationError({field: [_("请选择本组织的员工。")]}) from None
    if not found.is_active:
        raise ValidationError({field: [_("该员工已离职，不能作为负责人。")]})
    return found


def _set_owner(record, owner):
    record.owner = owner
    record.owner_department_id = owner.department_id if owner else None


def _default_owner(customer, actor):
    if customer.owner_id:
        owner = Employee.objects.filter(pk=customer.owner_id).first()
        if owner is not None and owner.is_active:
            return owner
    return actor


def _require_in_scope(actor, record, action):
    policy.require(actor, f"{MODULE}.{action}")
    if not policy.can_see_record(actor, MODULE, record):
        raise Http404


def _text(value, field, limit):
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > limit:
        raise ValidationError({field: [_("不能超过 %(n)s 字。") % {"n": limit}]})
    return text


def _refresh_receivable_paid(receivable):
    """Set ``paid_amount`` and ``status`` of a LOCKED receivable from its allocations."""
    paid = (
        PaymentAllocation.objects.filter(receivable_id=receivable.pk).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    receivable.paid_amount = paid
    if receivable.status != Receivable.Status.CANCELLED:
        receivable.status = receivable.status_from_paid()
    receivable.version += 1
    receivable.save(update_fields=["paid_amount", "status", "version", "updated_at"])


def _refresh_payment_allocated(payment):
    allocated = (
        PaymentAllocation.objects.filter(payment_id=payment.pk).aggregate(total=Sum("amount"))[
            "total"
        ]
        or ZERO
    )
    payment.allocated_amount = allocated
    payment.version += 1
    payment.save(update_fields=["allocated_amount", "version", "updated_at"])


# ---- receivables ---------------------------------------------------------------------------


def receivable_create(
    *,
    actor,
    customer,
    amount,
    due_date,
    source_type,
    source_id=None,
    source_code="",
    title="",
    owner=None,
    booked_on=None,
):
    """Create one receivable (应收款) of ``customer``. ``source_type``: "contract" (an
    instalment of a contract's payment plan), "order" (a direct order) or "manual".
    Runs inside the caller's transaction; checks no permission (contracts and orders
    call it when a document becomes effective). ``owner`` defaults to the customer's
    owner (when still here), else the actor; so does an ``owner`` who has left.
    ``booked_on`` (记账日期, the day the sale is counted for DSO and the statement)
    defaults to today. The amount is rounded to the org's contract decimals."""
    with transaction.atomic():
        customer = _customer(customer, actor=actor)
        if source_type not in Receivable.Source.values:
            raise ValidationError({"source_type": [_("来源无效。")]})
        places, currency = money_places(customer.org_id)
        errors = {}
        try:
            value = parse_amount(amount, places, "amount")
        except ValidationError as exc:
            errors.update(exc.message_dict)
            value = None
        try:
            due = _parse_date(due_date, "due_date")
        except ValidationError as exc:
            errors.update(exc.message_dict)
            due = None
        if owner is not None:
            try:
                owner = _owner(owner)
            except ValidationError as exc:
                # an owner who has left (a contract approved after its rep left) gives
                # way to the default owner; an unknown one is refused
                pk = getattr(owner, "pk", owner)
                if Employee.objects.filter(pk=pk).exists():
                    owner = None
                else:
                    errors.update(exc.message_dict)
        title_text = (title or "").strip()[:200]
        if errors:
            raise ValidationError(errors)
        today = timezone.localdate()
        receivable = Receivable(
            org_id=customer.org_id,
            code=numbering.next_code(org_id=customer.org_id, target="receivable"),
            customer=customer,
            source_type=source_type,
            source_id=source_id,
            source_code=(source_code or "")[:60],
            title=title_text,
            amount=value,
            currency=currency,
            booked_on=_parse_date(booked_on, "booked_on") if booked_on else today,
            due_date=due,
            created_by=actor,
        )
        _set_owner(receivable, owner or _default_owner(customer, actor))
        receivable.save()
        audit.record_change(
            actor=actor,
            instance=receivable,
            action=ChangeRecord.Action.CREATE,
            after=audit.snapshot(receivable, RECEIVABLE_AUDIT),
        )
    return receivable


def receivable_create_manual(*, actor, customer, amount, due_date, title="", owner=None):
    """A receivable entered by hand (UI/API): needs "payments.create"."""
    policy.require(actor, f"{MODULE}.create")
    found = _customer(customer, actor=actor)
    if not (title or "").strip():
        raise ValidationError({"title": [_("请填写摘要。")]})
    return receivable_create(
        actor=actor,
        customer=found,
        amount=amount,
        due_date=due_date,
        source_type=Receivable.Source.MANUAL,
        title=_text(title, "title", 200),
        owner=owner,
    )


@transaction.atomic
def receivable_update(*, actor, receivable, version=None, **fields):
    """Change ``title``, ``due_date``, ``owner`` and, for a manual receivable, ``amount``
    (never below what is already paid). A cancelled receivable is not changed."""
    current = lock_for_update(Receivable, receivable.pk, expected_version=version)
    _require_in_scope(actor, current, "edit")
    if current.status == Receivable.Status.CANCELLED:
        raise BusinessRuleError(_("已取消的应收款不能修改。"), code="receivable_cancelled")
    allowed = {"title", "due_date", "owner", "amount"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError({name: [_("该字段不能修改。")] for name in unknown})
    before = audit.snapshot(current, RECEIVABLE_AUDIT)
    errors = {}
    if "title" in fields:
        try:
            current.title = _text(fields["title"], "title", 200)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "due_date" in fields:
        try:
            current.due_date = _parse_date(fields["due_date"], "due_date")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "owner" in fields:
        try:
            _set_owner(current, _owner(fields["owner"]))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "amount" in fields:
        places, _currency = money_places(current.org_id)
        try:
            value = parse_amount(fields["amount"], places, "amount")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            if value != current.amount and current.source_type != Receivable.Source.MANUAL:
                errors.setdefault("amount", []).append(
                    _("合同或订单产生的应收款，金额须在原单据中修改。")
                )
            elif value < current.paid_amount:
                errors.setdefault("amount", []).append(
                    _("金额不能小于已收金额 %(paid)s。") % {"paid": current.paid_amount}
                )
            else:
                current.amount = value
    if errors:
        raise ValidationError(errors)
    current.status = current.status_from_paid()
    audit.save_if_changed(
        actor=actor, instance=current, before=before,
        after=audit.snapshot(current, RECEIVABLE_AUDIT),
    )  # fmt: skip
    return current


def _cancel(actor, receivable):
    before = audit.snapshot(receivable, RECEIVABLE_AUDIT)
    receivable.status = Receivable.Status.CANCELLED
    receivable.cancelled_at = timezone.now()
    audit.save_if_changed(
        actor=actor, instance=receivable, before=before,
        after=audit.snapshot(receivable, RECEIVABLE_AUDIT),
    )  # fmt: skip


@transaction.atomic
def receivable_cancel(*, actor, receivable, version=None):
    """Cancel a receivable nobody has paid anything of (refused otherwise: void or
    re-match the payments first)."""
    current = lock_for_update(Receivable, receivable.pk, expected_version=version)
    _require_in_scope(actor, current, "edit")
    if current.status == Receivable.Status.CANCELLED:
        return current
    if current.paid_amount > 0 or current.allocations.exists():
        raise BusinessRuleError(
            _("应收款 %(code)s 已有回款核销，不能取消。") % {"code": current.code},
            code="receivable_paid",
        )
    _cancel(actor, current)
    return current


def receivables_cancel_for_source(*, actor, source_type, source_id):
    """Cancel every not yet cancelled receivable of one source document (a contract or an
    order being cancelled or replaced); returns how many. Refused as a whole
    (``BusinessRuleError`` code "receivable_paid") if any of them has money allocated.
    Runs inside the caller's transaction; checks no permission."""
    with transaction.atomic():
        rows = list(
            Receivable.objects.select_for_update()
            .filter(source_type=source_type, source_id=source_id)
            .exclude(status=Receivable.Status.CANCELLED)
            .order_by("pk")
        )
        paid = [row for row in rows if row.paid_amount > 0]
        if paid:
            raise BusinessRuleError(
                _("应收款 %(code)s 已有回款核销，不能取消。") % {"code": paid[0].code},
                code="receivable_paid",
            )
        for row in rows:
            _cancel(actor, row)
    return len(rows)


# ---- payments ------------------------------------------------------------------------------


def _clean_allocations(raw, places):
    """``[(receivable id, Decimal amount)]`` from ``[{receivable, amount}]``; field errors
    name ``allocations``."""
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationError({"allocations": [_("核销明细格式无效。")]})
    if len(raw) > MAX_ALLOCATIONS:
        raise ValidationError(
            {"allocations": [_("一次最多核销 %(n)s 笔应收款。") % {"n": MAX_ALLOCATIONS}]}
        )
    errors = []
    rows = []
    seen = set()
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            errors.append(_("第 %(n)s 行：格式无效。") % {"n": number})
            continue
        receivable: Any = item.get("receivable")
        receivable = getattr(receivable, "pk", receivable)
        try:
            receivable_id = int(receivable)
        except (TypeError, ValueError):
            errors.append(_("第 %(n)s 行：请选择应收款。") % {"n": number})
            continue
        if receivable_id in seen:
            errors.append(_("第 %(n)s 行：同一应收款重复核销。") % {"n": number})
            continue
        seen.add(receivable_id)
        try:
            amount = parse_amount(item.get("amount"), places, "amount")
        except ValidationError as exc:
            errors.append(
                _("第 %(n)s 行：%(error)s")
                % {"n": number, "error": " ".join(exc.message_dict["amount"])}
            )
            continue
        rows.append((receivable_id, amount))
    if errors:
        raise ValidationError({"allocations": errors})
    return rows


def _apply_allocations(*, actor, payment, rows):
    """Match the LOCKED ``payment`` to receivables: ``rows`` from ``_clean_allocations``.
    Locks the receivables in id order, checks each against its open amount and the
    payment's unallocated amount, writes the allocations, recomputes both sides."""
    if not rows:
        return []
    total = sum((amount for _pk, amount in rows), ZERO)
    if total > payment.amount - payment.allocated_amount:
        raise ValidationError(
            {
                "allocations": [
                    _("核销合计 %(total)s 超过回款未核销金额 %(left)s。")
                    % {"total": total, "left": payment.amount - payment.allocated_amount}
                ]
            }
        )
    ids = sorted(pk for pk, _amount in rows)
    locked = {
        row.pk: row
        for row in Receivable.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    errors = []
    for number, (pk, _amount) in enumerate(rows, start=1):
        receivable = locked.get(pk)
        if receivable is None:
            errors.append(_("第 %(n)s 行：应收款不存在或不属于本组织。") % {"n": number})
        elif receivable.customer_id != payment.customer_id:
            errors.append(
                _("第 %(n)s 行：应收款 %(code)s 不属于该客户。")
                % {"n": number, "code": receivable.code}
            )
        elif receivable.status == Receivable.Status.CANCELLED:
            errors.append(
                _("第 %(n)s 行：应收款 %(code)s 已取消。") % {"n": number, "code": receivable.code}
            )
    if errors:
        raise ValidationError({"allocations": errors})
    for pk, amount in rows:
        receivable = locked[pk]
        open_amount = receivable.amount - receivable.paid_amount
        if amount > open_amount:
            raise BusinessRuleError(
                _("核销金额 %(amount)s 超过应收款 %(code)s 的未收金额 %(open)s。")
                % {"amount": amount, "code": receivable.code, "open": open_amount},
                code="allocation_exceeds_open",
            )
    created = PaymentAllocation.objects.bulk_create(
        [
            PaymentAllocation(
                org_id=payment.org_id,
                payment=payment,
                receivable_id=pk,
                amount=amount,
                created_by=actor,
            )
            for pk, amount in rows
        ]
    )
    for pk in ids:
        before = audit.snapshot(locked[pk], RECEIVABLE_AUDIT)
        _refresh_receivable_paid(locked[pk])
        audit.record_change(
            actor=actor, instance=locked[pk], action=ChangeRecord.Action.UPDATE, before=before,
            after=audit.snapshot(locked[pk], RECEIVABLE_AUDIT),
        )  # fmt: skip
    _refresh_payment_allocated(payment)
    return created


def payment_create(
    *,
    actor,
    customer,
    amount,
    received_at,
    allocations=None,
    method=Payment.Method.TRANSFER,
    reference="",
    notes="",
    owner=None,
):
    """Record a payment (回款) of ``customer`` and match it to the receivables in
    ``allocations`` (``[{receivable, amount}]``, may be empty; what is not matched stays
    on the payment as the customer's credit). An allocation must not exceed the
    receivable's open amount (422 ``allocation_exceeds_open``) and all of them together
    not the payment (400 on ``allocations``); receivables of another customer or org are
    refused (400 on ``allocations``). Nothing is written when anything is refused."""
    policy.require(actor, f"{MODULE}.create")
    with transaction.atomic():
        found = _customer(customer, actor=actor)
        places, currency = money_places(actor.org_id)
        errors = {}
        value = None
        for name, parse in (
            ("amount", lambda: parse_amount(amount, places, "amount")),
            ("received_at", lambda: _parse_date(received_at, "received_at")),
        ):
            try:
                result = parse()
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
            if name == "amount":
                value = result
            else:
                received = result
        if method not in Payment.Method.values:
            errors["method"] = [_("请选择付款方式。")]
        try:
            reference_text = _text(reference, "reference", 100)
            notes_text = _text(notes, "notes", 2000)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if owner is not None:
            try:
                owner = _owner(owner)
            except ValidationError as exc:
                errors.update(exc.message_dict)
        try:
            rows = _clean_allocations(allocations, places)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        assert value is not None  # parsed, or refused above
        if received > timezone.localdate() + datetime.timedelta(days=1):
            raise ValidationError({"received_at": [_("到账日期不能晚于今天。")]})
        payment = Payment(
            org_id=actor.org_id,
            code=numbering.next_code(org_id=actor.org_id, target="payment"),
            customer=found,
            amount=value,
            currency=currency,
            received_at=received,
            method=method,
            reference=reference_text,
            notes=notes_text,
            created_by=actor,
        )
        _set_owner(payment, owner or _default_owner(found, actor))
        payment.save()
        _apply_allocations(actor=actor, payment=payment, rows=rows)
        audit.record_change(
            actor=actor,
            instance=payment,
            action=ChangeRecord.Action.CREATE,
            after=_payment_snapshot(payment),
        )
        indexing.index_payments([payment.pk])
    return payment


def _payment_snapshot(payment):
    data = audit.snapshot(payment, PAYMENT_AUDIT)
    data["allocations"] = [
        {"receivable": code, "amount": str(amount)}
        for code, amount in PaymentAllocation.objects.filter(payment_id=payment.pk)
        .order_by("pk")
        .values_list("receivable__code", "amount")
    ]
    return data


@transaction.atomic
def payment_allocate(*, actor, payment, allocations):
    """Match more of a payment's unallocated amount (the customer's credit) to
    receivables: same rules as at creation. Locks the payment, then the receivables."""
    current = lock_for_update(Payment, payment.pk)
    _require_in_scope(actor, current, "edit")
    if current.status == Payment.Status.VOIDED:
        raise BusinessRuleError(_("已作废的回款不能核销。"), code="payment_voided")
    places, _currency = money_places(current.org_id)
    rows = _clean_allocations(allocations, places)
    if not rows:
        raise ValidationError({"allocations": [_("请至少核销一笔应收款。")]})
    before = _payment_snapshot(current)
    _apply_allocations(actor=actor, payment=current, rows=rows)
    audit.record_change(
        actor=actor, instance=current, action=ChangeRecord.Action.UPDATE, before=before,
        after=_payment_snapshot(current),
    )  # fmt: skip
    return current


@transaction.atomic
def payment_update(*, actor, payment, version=None, **fields):
    """Change a valid payment's descriptive fields: ``method``, ``reference``, ``notes``,
    ``owner``. Amount, customer and date are fixed: void and record again."""
    current = lock_for_update(Payment, payment.pk, expected_version=version)
    _require_in_scope(actor, current, "edit")
    if current.status == Payment.Status.VOIDED:
        raise BusinessRuleError(_("已作废的回款不能修改。"), code="payment_voided")
    allowed = {"method", "reference", "notes", "owner"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError(
            {name: [_("该字段不能修改；如需更正请作废后重新登记。")] for name in unknown}
        )
    before = audit.snapshot(current, PAYMENT_AUDIT)
    errors = {}
    if "method" in fields:
        if fields["method"] not in Payment.Method.values:
            errors["method"] = [_("请选择付款方式。")]
        else:
            current.method = fields["method"]
    for name, limit in (("reference", 100), ("notes", 2000)):
        if name in fields:
            try:
                setattr(current, name, _text(fields[name], name, limit))
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if "owner" in fields:
        try:
            _set_owner(current, _owner(fields["owner"]))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if audit.save_if_changed(
        actor=actor, instance=current, before=before,
        after=audit.snapshot(current, PAYMENT_AUDIT),
    ):  # fmt: skip
        indexing.index_payments([current.pk])
    return current


@transaction.atomic
def payment_void(*, actor, payment, reason="", version=None):
    """Void (reverse) a payment: its allocations are removed and the receivables get
    their open amount back. Locks the payment, then the receivables in id order."""
    current = lock_for_update(Payment, payment.pk, expected_version=version)
    _require_in_scope(actor, current, "edit")
    if current.status == Payment.Status.VOIDED:
        return current
    reason_text = _text(reason, "reason", 200)
    before = _payment_snapshot(current)
    ids = sorted(set(current.allocations.values_list("receivable_id", flat=True)))
    locked = list(Receivable.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    current.allocations.all().delete()
    for receivable in locked:
        snap = audit.snapshot(receivable, RECEIVABLE_AUDIT)
        _refresh_receivable_paid(receivable)
        audit.record_change(
            actor=actor, instance=receivable, action=ChangeRecord.Action.UPDATE, before=snap,
            after=audit.snapshot(receivable, RECEIVABLE_AUDIT),
        )  # fmt: skip
    current.status = Payment.Status.VOIDED
    current.voided_at = timezone.now()
    current.void_reason = reason_text
    current.allocated_amount = ZERO
    current.version += 1
    current.save()
    audit.record_change(
        actor=actor, instance=current, action=ChangeRecord.Action.UPDATE, before=before,
        after=_payment_snapshot(current),
    )  # fmt: skip
    return current


# ---- invoices ------------------------------------------------------------------------------


def _invoice_receivables(raw, customer_id):
    if raw is None:
        return []
    if not isinstance(raw, list | tuple | set):
        raise ValidationError({"receivables": [_("请选择该客户的应收款。")]})
    ids = []
    for item in raw:
        try:
            key: Any = getattr(item, "pk", item)
            ids.append(int(key))
        except (TypeError, ValueError):
            raise ValidationError({"receivables": [_("请选择该客户的应收款。")]}) from None
    found = list(Receivable.objects.filter(pk__in=ids, customer_id=customer_id))
    if len(found) != len(set(ids)):
        raise ValidationError({"receivables": [_("请选择该客户的应收款。")]})
    return found


def invoice_create(
    *,
    actor,
    customer,
    number,
    amount,
    issued_on,
    type=Invoice.Type.VAT_ORDINARY,
    tax_amount=ZERO,
    receivables=None,
    notes="",
    owner=None,
):
    """Record an invoice issued to ``customer`` with its official ``number`` (unique in
    the org); ``amount`` is the total including tax, ``tax_amount`` the tax in it."""
    policy.require(actor, f"{MODULE}.create")
    with transaction.atomic():
        found = _customer(customer, actor=actor)
        places, currency = money_places(actor.org_id)
        errors = {}
        number_text = number.strip() if isinstance(number, str) else ""
        if not number_text:
            errors["number"] = [_("请填写发票号码。")]
        elif len(number_text) > 40:
            errors["number"] = [_("不能超过 %(n)s 字。") % {"n": 40}]
        elif Invoice.objects.filter(number=number_text).exists():
            errors["number"] = [_("该发票号码已登记。")]
        if type not in Invoice.Type.values:
            errors["type"] = [_("请选择发票类型。")]
        value = tax = day = None
        try:
            value = parse_amount(amount, places, "amount")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            tax = parse_amount(tax_amount or 0, places, "tax_amount", allow_zero=True)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            day = _parse_date(issued_on, "issued_on")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if value is not None and tax is not None and tax > value:
            errors["tax_amount"] = [_("税额不能大于价税合计。")]
        try:
            notes_text = _text(notes, "notes", 2000)
            linked = _invoice_receivables(receivables, found.pk)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if owner is not None:
            try:
                owner = _owner(owner)
            except ValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        assert value is not None and tax is not None and day is not None  # refused above
        invoice = Invoice(
            org_id=actor.org_id,
            number=number_text,
            type=type,
            customer=found,
            amount=value,
            tax_amount=tax,
            currency=currency,
            issued_on=day,
            notes=notes_text,
            created_by=actor,
        )
        _set_owner(invoice, owner or _default_owner(found, actor))
        try:
            with transaction.atomic():
                invoice.save()
        except IntegrityError:  # the same number saved concurrently
            raise ValidationError({"number": [_("该发票号码已登记。")]}) from None
        if linked:
            invoice.receivables.set(linked)
        audit.record_change(
            actor=actor,
            instance=invoice,
            action=ChangeRecord.Action.CREATE,
            after=audit.snapshot(invoice, INVOICE_AUDIT),
        )
        indexing.index_invoices([invoice.pk])
    return invoice


@transaction.atomic
def invoice_update(*, actor, invoice, version=None, **fields):
    """Change an issued invoice's ``notes``, ``owner`` or linked ``receivables``."""
    current = lock_for_update(Invoice, invoice.pk, expected_version=version)
    _require_in_scope(actor, current, "edit")
    if current.status == Invoice.Status.VOIDED:
        raise BusinessRuleError(_("已作废的发票不能修改。"), code="invoice_voided")
    allowed = {"notes", "owner", "receivables"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError(
            {name: [_("该字段不能修改；如需更正请作废后重新登记。")] for name in unknown}
        )
    before = audit.snapshot(current, INVOICE_AUDIT)
    if "notes" in fields:
        current.notes = _text(fields["notes"], "notes", 2000)
    if "owner" in fields:
        _set_owner(current, _owner(fields["owner"]))
    if "receivables" in fields:
        current.receivables.set(_invoice_receivables(fields["receivables"], current.customer_id))
    if audit.save_if_changed(
        actor=actor, instance=current, before=before,
        after=audit.snapshot(current, INVOICE_AUDIT),
    ):  # fmt: skip
        indexing.index_invoices([current.pk])
    return current


@transaction.atomic
def invoice_void(*, actor, invoice, version=None):
    """Mark an invoice voided (作废); its number stays taken."""
    current = lock_for_update(Invoice, invoice.pk, expected_version=version)
    _require_in_scope(actor, current, "edit")
    if current.status == Invoice.Status.VOIDED:
        return current
    before = audit.snapshot(current, INVOICE_AUDIT)
    current.status = Invoice.Status.VOIDED
    current.voided_at = timezone.now()
    audit.save_if_changed(
        actor=actor, instance=current, before=before,
        after=audit.snapshot(current, INVOICE_AUDIT),
    )  # fmt: skip
    return current


# ---- customers: merge and handover ---------------------------------------------------------


def move_to_customer(*, from_ids, survivor, actor):
    """Merge: receivables, payments and invoices of ``from_ids`` move to ``survivor``
    (a payment and the receivables it is matched to always move together, so matches
    stay within one customer). Returns how many records moved."""
    from_ids = list(from_ids)
    payments = list(Payment.objects.filter(customer_id__in=from_ids).values_list("pk", flat=True))
    invoices = list(Invoice.objects.filter(customer_id__in=from_ids).values_list("pk", flat=True))
    moved = 0
    for model in (Receivable, Payment, Invoice):
        moved += model.objects.filter(customer_id__in=from_ids).update(
            customer=survivor, updated_at=timezone.now()
        )
    indexing.index_payments(payments)
    indexing.index_invoices(invoices)
    return moved


def handover_open_receivables(*, from_employee, to_employee, customer_ids, actor):
    """Handover: a leaver's open receivables (not paid, not cancelled) go to
    ``to_employee`` (of the given customers, or all when None). Returns how many."""
    rows = Receivable.objects.filter(
        owner_id=from_employee.pk,
        status__in=[Receivable.Status.OPEN, Receivable.Status.PARTLY_PAID],
    )
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=list(customer_ids))
    changes = [
        (row.org_id, row.pk, str(row), {"owner": from_employee.pk}, {"owner": to_employee.pk})
        for row in rows.only("pk", "org_id", "code", "title")
    ]
    count = rows.update(
        owner=to_employee, owner_department_id=to_employee.department_id, updated_at=timezone.now()
    )
    if changes:
        audit.record_changes(actor=actor, model=Receivable, rows=changes)
    return count
