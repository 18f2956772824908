"""Every write to expenses (费用).

Each service checks the actor's permission and data scope first, validates the whole
input (``ValidationError`` with field errors, ``BusinessRuleError`` for rule refusals)
before writing, works in one transaction holding the expense's row lock and records the
change in the audit log.

The life of an expense::

    draft ──submit──▶ submitted ──approved──▶ approved ──(reimburse)──▶ approved + 已报销
      ▲  (no matching approval      │
      │   flow: approved at once)   └──rejected──▶ rejected ──edit──▶ draft
      └─────────────── withdrawn ◀──┘                  └──submit again──▶ submitted

Draft and rejected expenses may be edited, get receipts and be deleted; a submitted
one is locked by the approvals engine, an approved one for good.
"""

import datetime
import mimetypes
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import numbering, policy
from guanxi.orgs.models import OrgSettings
from guanxi.sales.expenses import selectors
from guanxi.sales.expenses.models import Expense, ExpenseReceipt
from guanxi.workspace.approvals import registry as approvals_registry
from guanxi.workspace.approvals import services as approvals
from guanxi.workspace.approvals.models import ApprovalRequest
from guanxi.workspace.services import MAX_UPLOAD_BYTES, clean_file_name, remove_unless_committed

DOCUMENT = "expense"
MODULE = selectors.MODULE
NUMBERING_TARGET = "expense"
DESCRIPTION_LENGTH = 500
MAX_AMOUNT = Decimal("1e13")
EARLIEST = datetime.date(2000, 1, 1)
MAX_RECEIPTS = 10
RECEIPT_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "pdf", "ofd")

FIELDS = ("category", "amount", "currency", "incurred_on", "description", "customer",
          "opportunity", "owner")  # fmt: skip
AUDIT_FIELDS = (*FIELDS, "status", "submitted_at", "decided_at", "reimbursed_at", "deleted_at")
RECEIPT_FIELDS = ("expense", "original_name", "size", "content_type")


# ---- settings --------------------------------------------------------------------------


def org_parameters(org_id) -> tuple[int, str]:
    """``(decimal places, currency)`` of the org's money (``contract_decimals`` and the
    base currency: expenses have no places of their own)."""
    with org_scope(org_id):
        row = (
            OrgSettings.objects.filter(org_id=org_id)
            .values_list("contract_decimals", "currency")
            .first()
        )
    return (int(row[0]), str(row[1])) if row else (2, "CNY")


# ---- validation ------------------------------------------------------------------------


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _amount(value, places, errors):
    if isinstance(value, bool) or value is None or value == "":
        _add(errors, "amount", _("请填写金额。"))
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        _add(errors, "amount", _("金额必须是数字。"))
        return None
    if not number.is_finite():
        _add(errors, "amount", _("金额必须是数字。"))
        return None
    if number >= MAX_AMOUNT:
        _add(errors, "amount", _("金额过大。"))
        return None
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded <= 0:
        _add(errors, "amount", _("金额必须大于零。"))
        return None
    return rounded


def _date(value, errors):
    if value in (None, ""):
        _add(errors, "incurred_on", _("请填写发生日期。"))
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        try:
            value = datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            _add(errors, "incurred_on", _("请输入有效的日期（如 2026-12-31）。"))
            return None
    if value > timezone.localdate():
        _add(errors, "incurred_on", _("发生日期不能晚于今天。"))
    elif value < EARLIEST:
        _add(errors, "incurred_on", _("发生日期太早了。"))
    return value


def _clean(actor, data, errors, *, current=None):
    """Checks and normalises ``data`` (every field of ``FIELDS``) in place. Linked
    records that changed must be of the actor's org, live and within their scope
    (``customers`` / ``opportunities``); the opportunity must be of the customer, and
    gives the customer when none is chosen."""
    places, _currency = org_parameters(actor.org_id)
    if data.get("category") not in Expense.Category.values:
        _add(errors, "category", _("请选择费用类别。"))
    data["amount"] = _amount(data.get("amount"), places, errors)
    currency = str(data.get("currency") or "").strip().upper()
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        _add(errors, "currency", _("币种应为三位字母代码，如 CNY。"))
    data["currency"] = currency
    data["incurred_on"] = _date(data.get("incurred_on"), errors)
    description = str(data.get("description") or "").strip()
    if not description:
        _add(errors, "description", _("请填写事由。"))
    elif len(description) > DESCRIPTION_LENGTH:
        _add(errors, "description", _("最多 %(count)s 个字。") % {"count": DESCRIPTION_LENGTH})
    data["description"] = description
    owner = data.get("owner")
    if owner is None or owner.org_id != actor.org_id or not owner.is_active:
        _add(errors, "owner", _("费用人必须是本组织在职员工。"))
    customer = data.get("customer")
    opportunity = data.get("opportunity")
    previous_customer = current.customer_id if current else None
    previous_opportunity = current.opportunity_id if current else None
    if opportunity is not None:
        if (
            opportunity.org_id != actor.org_id
            or opportunity.deleted_at is not None
            or (
                opportunity.pk != previous_opportunity
                and not policy.can_see_record(actor, "opportunities", opportunity)
            )
        ):
            _add(errors, "opportunity", _("商机不存在。"))
            opportunity = None
        elif customer is None:
            data["customer"] = customer = opportunity.customer
        elif opportunity.customer_id != customer.pk:
            _add(errors, "opportunity", _("商机不属于该客户。"))
    if customer is not None and (
        customer.org_id != actor.org_id
        or customer.deleted_at is not None
        or (
            customer.pk != previous_customer
            and not policy.can_see_record(
                actor, "customers", customer, owner="owner", department="department"
            )
        )
    ):
        _add(errors, "customer", _("客户不存在。"))


def _check_owner(actor, owner, current_owner_id):
    """Recording an expense for someone else (or giving it to another) needs
    ``expenses.transfer``."""
    if owner is None or owner.pk in (actor.pk, current_owner_id):
        return
    if not policy.can(actor, f"{MODULE}.transfer"):
        raise PermissionDenied(_("为其他员工登记费用需要“转移”权限。"))


def _raise(errors):
    if errors:
        raise ValidationError(errors, code="invalid")


def _snapshot(expense):
    return audit.snapshot(expense, AUDIT_FIELDS)


def _check_upload(upload, errors):
    if upload is None:
        _add(errors, "file", _("请选择要上传的文件。"))
        return ""
    name = clean_file_name(getattr(upload, "name", ""))
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        _add(errors, "file", _("文件“%(name)s”是空的。") % {"name": name})
    elif size > MAX_UPLOAD_BYTES:
        _add(
            errors,
            "file",
            _("文件不能超过 %(limit)s MB（“%(name)s”）。")
            % {"limit": MAX_UPLOAD_BYTES // 1024 // 1024, "name": name},
        )
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in RECEIPT_EXTENSIONS:
        _add(
            errors,
            "file",
            _("“%(name)s”不是票据文件：请上传图片（JPG、PNG 等）、PDF 或 OFD。") % {"name": name},
        )
    return name


def _check_receipts(uploads, existing, errors):
    names = [_check_upload(upload, errors) for upload in uploads]
    if existing + len(uploads) > MAX_RECEIPTS:
        _add(errors, "file", _("每笔费用最多 %(count)s 张票据。") % {"count": MAX_RECEIPTS})
    return names


def _store_receipt(actor, expense, upload, name):
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    receipt = ExpenseReceipt(
        org_id=expense.org_id,
        expense=expense,
        original_name=name,
        size=upload.size,
        content_type=content_type[:100],
        uploaded_by=actor,
    )
    receipt.file.save("upload", upload, save=False)
    remove_unless_committed(receipt.file.storage, receipt.file.name)
    receipt.save()
    audit.record_change(
        actor=actor,
        instance=receipt,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(receipt, RECEIPT_FIELDS),
    )
    return receipt


# ---- create / update / delete ----------------------------------------------------------


@transaction.atomic
def expense_create(
    *,
    actor,
    category=None,
    amount=None,
    incurred_on=None,
    description="",
    customer=None,
    opportunity=None,
    currency=None,
    owner=None,
    receipts=(),
):
    """A draft expense of ``owner`` (default: the actor; another employee needs
    ``expenses.transfer``), coded from the org's ``expense`` numbering rule, with
    ``receipts`` (uploaded files: images, PDF or OFD, at most 20 MB each and 10 in all).
    Needs ``expenses.create``. A missing category, amount, date or description is a
    ``ValidationError`` naming the field like any bad value."""
    policy.require(actor, f"{MODULE}.create")
    owner = owner or actor
    _check_owner(actor, owner, None)
    data: dict[str, Any] = {
        "category": category,
        "amount": amount,
        "currency": currency or org_parameters(actor.org_id)[1],
        "incurred_on": incurred_on,
        "description": description,
        "customer": customer,
        "opportunity": opportunity,
        "owner": owner,
    }
    errors: dict[str, list] = {}
    _clean(actor, data, errors)
    uploads = list(receipts or ())
    names = _check_receipts(uploads, 0, errors)
    _raise(errors)
    expense = Expense(
        org_id=actor.org_id,
        code=numbering.next_code(org_id=actor.org_id, target=NUMBERING_TARGET),
        owner_department_id=owner.department_id,
        created_by=actor,
        **data,
    )
    expense.save()
    for upload, name in zip(uploads, names, strict=True):
        _store_receipt(actor, expense, upload, name)
    audit.record_change(
        actor=actor, instance=expense, action=ChangeRecord.Action.CREATE, after=_snapshot(expense)
    )
    _index(expense)
    return expense


def _lock(actor, expense, *, write=True):
    """Re-read and lock the expense after checking the actor may change it."""
    selectors.access_expense(actor, expense.pk, write=write)
    locked = lock_for_update(Expense, expense.pk)
    if locked.deleted_at is not None:
        raise BusinessRuleError(_("费用已删除。"), code="expense_deleted")
    return locked


def check_editable(expense):
    """Refuse (``BusinessRuleError``) to change ``expense``: pending approval or approved."""
    approvals.ensure_editable(expense)
    if not expense.editable:
        raise BusinessRuleError(
            _("费用“%(status)s”，不能修改或删除。") % {"status": expense.get_status_display()},
            code="expense_locked",
        )


@transaction.atomic
def expense_update(*, actor, expense, version=None, **changes):
    """Change a draft or rejected expense (a rejected one becomes a draft again).
    ``version`` is the one the editor loaded (stale: 409). Locks the expense."""
    expense = _lock(actor, expense)
    check_editable(expense)
    if version is not None and int(version) != expense.version:
        raise StaleVersion()
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown})
    data = {name: getattr(expense, name) for name in FIELDS}
    if "opportunity" in changes and "customer" not in changes and changes["opportunity"]:
        data["customer"] = None  # the new opportunity's customer is taken
    data.update(changes)
    if data["owner"] is None:
        data["owner"] = expense.owner
    _check_owner(actor, data["owner"], expense.owner_id)
    errors: dict[str, list] = {}
    _clean(actor, data, errors, current=expense)
    _raise(errors)
    before = _snapshot(expense)
    for name, value in data.items():
        setattr(expense, name, value)
    expense.owner_department_id = expense.owner.department_id
    if _snapshot(expense) == before:
        return expense
    if expense.status == Expense.Status.REJECTED:
        expense.status = Expense.Status.DRAFT
    expense.version += 1
    expense.save()
    audit.record_change(
        actor=actor,
        instance=expense,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(expense),
    )
    _index(expense)
    return expense


@transaction.atomic
def expense_delete(*, actor, expense):
    """Move a draft or rejected expense to the recycle bin (``expenses.delete``)."""
    policy.require(actor, f"{MODULE}.delete")
    expense = _lock(actor, expense, write=False)
    check_editable(expense)
    before = _snapshot(expense)
    expense.deleted_at = timezone.now()
    expense.version += 1
    expense.save(update_fields=["deleted_at", "version", "updated_at"])
    audit.record_change(
        actor=actor,
        instance=expense,
        action=ChangeRecord.Action.DELETE,
        before=before,
        after=_snapshot(expense),
    )
    _index(expense)


# ---- receipts --------------------------------------------------------------------------


@transaction.atomic
def receipt_add(*, actor, expense, uploads):
    """Attach receipts to a draft or rejected expense (same limits as on create)."""
    expense = _lock(actor, expense)
    check_editable(expense)
    uploads = list(uploads or ())
    errors: dict[str, list] = {}
    if not uploads:
        _add(errors, "file", _("请选择要上传的文件。"))
    existing = ExpenseReceipt.objects.filter(expense_id=expense.pk).count()
    names = _check_receipts(uploads, existing, errors)
    _raise(errors)
    return [
        _store_receipt(actor, expense, upload, name)
        for upload, name in zip(uploads, names, strict=True)
    ]


@transaction.atomic
def receipt_delete(*, actor, receipt):
    """Remove a receipt of a draft or rejected expense; the stored file goes once the
    removal commits."""
    expense = _lock(actor, Expense(pk=receipt.expense_id))
    check_editable(expense)
    receipt = ExpenseReceipt.objects.select_for_update().filter(pk=receipt.pk).first()
    if receipt is None or receipt.expense_id != expense.pk:
        raise BusinessRuleError(_("票据已删除。"), code="receipt_deleted")
    before = audit.snapshot(receipt, RECEIPT_FIELDS)
    storage, name = receipt.file.storage, receipt.file.name
    receipt.delete()
    audit.record_change(
        actor=actor, instance=receipt, action=ChangeRecord.Action.DELETE, before=before
    )
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)


# ---- approval --------------------------------------------------------------------------


@transaction.atomic
def expense_submit(*, actor, expense, comment=""):
    """Submit a draft or rejected expense to the approvals engine (document type
    ``expense``). When no approval flow of the org matches, the engine answers None and
    the expense is approved at once (the org chose not to route such expenses).
    Returns the approval request or None. Locks the expense."""
    expense = _lock(actor, expense)
    check_editable(expense)
    before = _snapshot(expense)
    request = approvals.submit(actor=actor, record=expense, document=DOCUMENT, comment=comment)
    now = timezone.now()
    expense.submitted_at = now
    if request is None or request.status == ApprovalRequest.Status.APPROVED:
        expense.status = Expense.Status.APPROVED
        expense.decided_at = now
    else:
        expense.status = Expense.Status.SUBMITTED
        expense.decided_at = None
    expense.version += 1
    expense.save()
    audit.record_change(
        actor=actor,
        instance=expense,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(expense),
    )
    return request


def _on_decided(record, request):
    """The approvals engine ended a request of this expense: approved → approved;
    rejected → rejected (editable, submit again); withdrawn → draft."""
    expense = lock_for_update(Expense, record.pk)
    if expense.status != Expense.Status.SUBMITTED:
        return
    before = _snapshot(expense)
    if request.status == ApprovalRequest.Status.APPROVED:
        expense.status = Expense.Status.APPROVED
    elif request.status == ApprovalRequest.Status.REJECTED:
        expense.status = Expense.Status.REJECTED
    else:
        expense.status = Expense.Status.DRAFT
    expense.decided_at = timezone.now()
    expense.version += 1
    expense.save()
    audit.record_change(
        actor=None,
        instance=expense,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(expense),
    )


def _describe(expense):
    return f"{expense.code} {expense.get_category_display()} {expense.amount.normalize():f} " + (
        expense.currency
    )


def register_document():
    """Called once at start-up: expenses become the approvals document type ``expense``
    (variables: the amount and the category)."""
    approvals_registry.register(
        DOCUMENT,
        gettext_lazy("费用"),
        model=Expense,
        variables={
            "amount": approvals_registry.Variable(
                gettext_lazy("金额"), approvals_registry.NUMBER, lambda expense: expense.amount
            ),
            "category": approvals_registry.Variable(
                gettext_lazy("费用类别"),
                approvals_registry.CHOICE,
                lambda expense: expense.category,
                choices=tuple(Expense.Category.choices),
            ),
        },
        describe=_describe,
        link=lambda expense: reverse("expenses:expense_detail", args=[expense.pk]),
        owner_field="owner",
        on_decided=_on_decided,
    )


# ---- reimbursement ---------------------------------------------------------------------


@transaction.atomic
def expense_reimburse(*, actor, expense, reimbursed=True, version=None):
    """Mark an approved expense as reimbursed (已报销), or take the mark back
    (``reimbursed=False``). Needs ``expenses.approve`` and the expense in scope."""
    policy.require(actor, f"{MODULE}.approve")
    expense = _lock(actor, expense, write=False)
    if version is not None and int(version) != expense.version:
        raise StaleVersion()
    if expense.status != Expense.Status.APPROVED:
        raise BusinessRuleError(_("只有已批准的费用可以登记报销。"), code="expense_not_approved")
    if expense.reimbursed == bool(reimbursed):
        return expense
    before = _snapshot(expense)
    expense.reimbursed_at = timezone.now() if reimbursed else None
    expense.reimbursed_by = actor if reimbursed else None
    expense.version += 1
    expense.save()
    audit.record_change(
        actor=actor,
        instance=expense,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(expense),
    )
    return expense


# ---- customer merge --------------------------------------------------------------------


def move_to_customer(*, from_ids, survivor, actor) -> int:
    """A merge: the merged customers' expenses (deleted ones too) go to the survivor,
    whatever their status (an approved expense stays approved: only its customer
    changes). Runs in the merge's transaction."""
    ids = list(
        Expense.with_deleted.filter(customer_id__in=list(from_ids)).values_list("pk", flat=True)
    )
    if ids:
        Expense.with_deleted.filter(pk__in=ids).update(customer_id=survivor.pk)
        from guanxi.sales.expenses import indexing

        indexing.index_expenses(ids)
    return len(ids)


# ---- search index ----------------------------------------------------------------------


def _index(expense):
    from guanxi.sales.expenses import indexing

    indexing.index_expenses([expense.pk])
