"""Every write of contracts (keyword-only, in a transaction, audited).

Permissions are the owned module ``contracts``: ``create`` to write one, ``edit`` to
change one (while it is a draft or rejected) and to send it for approval, ``delete`` to
move a draft to the recycle bin, ``transfer`` to give one to another owner; the data
scope (owner / owner department) decides which contracts an employee reaches.

Status: draft → (submit) pending → effective → completed / terminated; a rejected one is
edited (back to draft) and submitted again; a withdrawn request leaves a draft. When a
contract becomes effective (approved, or at once when no approval flow applies) one
receivable is made per instalment of its payment plan (source ``contract``).

Locking: every change locks the contract row first; the approvals engine calls
``_on_decided`` inside its deciding transaction after locking its request row.
"""

import mimetypes
from decimal import Decimal

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
from guanxi.orgs import policy
from guanxi.orgs.numbering import next_code
from guanxi.sales import lines as doc_lines
from guanxi.sales.contracts import documents, selectors
from guanxi.sales.contracts import payment_plan as plans
from guanxi.sales.contracts.models import Contract, ContractAttachment, ContractLine, Instalment
from guanxi.search import index
from guanxi.workspace import services as workspace_services
from guanxi.workspace.approvals import registry
from guanxi.workspace.approvals import services as approvals
from guanxi.workspace.approvals.models import ApprovalRequest

DOCUMENT = "contract"
MODULE = "contracts"
SEARCH_KIND = "contract"
SOURCE_TYPE = "contract"
AUDIT_FIELDS = (
    "code", "title", "customer", "contact", "opportunity", "status", "total", "terms",
    "start_date", "end_date", "signed_on", "owner",
)  # fmt: skip
FIELDS = (
    "title", "customer", "contact", "opportunity", "terms", "start_date", "end_date",
    "signed_on", "owner", "lines", "payment_plan",
)  # fmt: skip
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ALLOWED_EXTENSIONS = frozenset(
    [
        ".pdf",
        ".jpg",
        ".jpeg",
        ".png",
        ".gif",
        ".webp",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
        ".txt",
        ".csv",
        ".zip",
        ".rar",
        ".7z",
        ".ofd",
    ]
)
Status = Contract.Status


def _snapshot(contract):
    return audit.snapshot(contract, AUDIT_FIELDS)


def _places(settings):
    return int(settings.contract_decimals)


def _refuse_unless_editable(contract):
    """A contract under approval, effective or closed cannot be changed (422)."""
    approvals.ensure_editable(contract)
    if not contract.is_editable:
        raise BusinessRuleError(
            _("合同%(status)s，不能修改。") % {"status": contract.get_status_display()},
            code="contract_not_editable",
        )


def _clean_dates(data):
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end < start:
        raise ValidationError({"end_date": [_("结束日期不能早于开始日期。")]}, code="invalid")


def _write_plan(contract, planned):
    Instalment.objects.filter(contract=contract).delete()
    Instalment.objects.bulk_create(
        Instalment(
            org_id=contract.org_id,
            contract=contract,
            position=position,
            amount=item.amount,
            due_date=item.due_date,
        )
        for position, item in enumerate(sorted(planned, key=lambda p: p.due_date), start=1)
    )


def _plan_of(contract):
    return [{"amount": i.amount, "due_date": i.due_date} for i in contract.instalments.all()]


def _set_totals(contract, totals, inputs):
    for name, value in totals.as_fields().items():
        setattr(contract, name, value)
    contract.max_discount = doc_lines.max_discount(inputs)


def _index(contract):
    index.refresh(SEARCH_KIND, [contract.pk])  # in this transaction, like the customers


@transaction.atomic
def contract_create(
    *, actor, customer=None, title="", lines=None, payment_plan=None, contact=None, terms="",
    start_date=None, end_date=None, signed_on=None, owner=None, quote=None, opportunity=None,
):  # fmt: skip
    """A draft contract. ``lines`` is raw line input (``clean_lines``). From a ``quote``
    (approved, sent or accepted, visible to the actor): its customer, contact,
    opportunity and title unless given, and its lines unless ``lines`` are given.
    ``payment_plan`` is raw ``[{amount, due_date}]`` that must sum exactly to the total.
    Takes the next ``contract`` code."""
    policy.require(actor, f"{MODULE}.create")
    settings = documents.org_settings(actor.org_id)
    places = _places(settings)
    source = documents.source_quote(actor, quote)
    source_lines = None
    if source is not None:
        customer = customer or source.customer_id
        contact = contact if contact not in (None, "") else source.contact_id
        opportunity = opportunity if opportunity not in (None, "") else source.opportunity_id
        title = title or source.title or source.code
        if lines is None:
            source_lines = list(source.lines.all())
    customer = documents.visible_customer(actor, customer)
    if source is not None and source.customer_id != customer.pk:
        raise ValidationError({"quote": [_("报价单不属于所选客户。")]}, code="invalid")
    data = {
        "title": documents.text(title, "title", documents.TITLE_LENGTH, required=True),
        "contact": documents.customer_contact(customer, contact),
        "opportunity": documents.visible_opportunity(actor, opportunity, customer),
        "quote": source,
        "terms": documents.text(terms, "terms", documents.TERMS_LENGTH),
        "start_date": documents.date_or_none(start_date, "start_date"),
        "end_date": documents.date_or_none(end_date, "end_date"),
        "signed_on": documents.date_or_none(signed_on, "signed_on"),
        "owner": documents.owner_for(actor, owner, module=MODULE),
    }
    _clean_dates(data)
    if source_lines is not None:
        inputs = doc_lines.inputs_from_lines(source_lines)
    else:
        inputs = doc_lines.clean_lines(
            lines, org_id=actor.org_id, places=places, price_places=settings.price_decimals
        )
    totals = doc_lines.compute_totals(inputs, places)
    planned = plans.clean_plan(payment_plan, total=totals.total, places=places)
    contract = Contract(
        org_id=actor.org_id,
        code=next_code(org_id=actor.org_id, target="contract"),
        customer=customer,
        currency=settings.currency,
        **data,
    )
    _set_totals(contract, totals, inputs)
    contract.save()
    doc_lines.replace_lines(
        document=contract, line_model=ContractLine, fk_name="contract", inputs=inputs, places=places
    )
    _write_plan(contract, planned)
    audit.record_change(
        actor=actor, instance=contract, action=ChangeRecord.Action.CREATE, after=_snapshot(contract)
    )
    _index(contract)
    return contract


@transaction.atomic
def contract_update(*, actor, contract, version=None, **changes):
    """Change a draft or rejected contract (a rejected one becomes a draft again).
    Refused while under approval ("审批中，不能修改", 422) and once effective, completed
    or terminated (422 ``contract_not_editable``); ``version`` is the one the editor
    loaded (stale: 409). When the lines change, the payment plan must still sum to the
    new total (send the new plan with them)."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    selectors.access_contract(actor, contract.pk, write=True)
    contract = lock_for_update(Contract, contract.pk)
    if contract.deleted_at is not None:
        raise BusinessRuleError(_("合同已删除。"), code="contract_deleted")
    _refuse_unless_editable(contract)
    if version is not None and int(version) != contract.version:
        raise StaleVersion()
    settings = documents.org_settings(actor.org_id)
    places = _places(settings)
    before = _snapshot(contract)
    customer = contract.customer
    if "customer" in changes and documents.pk_of(changes["customer"]) != contract.customer_id:
        customer = documents.visible_customer(actor, changes["customer"])
        contract.customer = customer
        if "contact" not in changes:
            contract.contact = None
    if "contact" in changes:
        contract.contact = documents.customer_contact(customer, changes["contact"])
    if "opportunity" in changes:
        contract.opportunity = documents.visible_opportunity(
            actor, changes["opportunity"], customer
        )
    elif contract.customer_id != before["customer"]["id"]:
        contract.opportunity = None
    if "title" in changes:
        contract.title = documents.text(
            changes["title"], "title", documents.TITLE_LENGTH, required=True
        )
    if "terms" in changes:
        contract.terms = documents.text(changes["terms"], "terms", documents.TERMS_LENGTH)
    for name in ("start_date", "end_date", "signed_on"):
        if name in changes:
            setattr(contract, name, documents.date_or_none(changes[name], name))
    _clean_dates({"start_date": contract.start_date, "end_date": contract.end_date})
    if "owner" in changes:
        contract.owner = documents.owner_for(
            actor, changes["owner"], module=MODULE, current=contract.owner
        )
        contract.owner_department_id = contract.owner.department_id
    lines_changed = "lines" in changes
    if lines_changed:
        current_products = list(contract.lines.values_list("product_id", flat=True))
        inputs = doc_lines.clean_lines(
            changes["lines"],
            org_id=actor.org_id,
            places=places,
            price_places=settings.price_decimals,
            allowed_inactive=current_products,
        )
        totals = doc_lines.compute_totals(inputs, places)
    else:
        inputs = list(contract.lines.all())
        totals = doc_lines.compute_totals(inputs, places)
    plan_changed = "payment_plan" in changes
    raw_plan = changes["payment_plan"] if plan_changed else _plan_of(contract)
    planned = plans.clean_plan(raw_plan, total=totals.total, places=places)
    if lines_changed:
        doc_lines.replace_lines(
            document=contract, line_model=ContractLine, fk_name="contract", inputs=inputs,
            places=places,
        )  # fmt: skip
        _set_totals(contract, totals, inputs)
    if plan_changed:
        _write_plan(contract, planned)
    if contract.status == Status.REJECTED:
        contract.status = Status.DRAFT
    after = _snapshot(contract)
    if after == before and (lines_changed or plan_changed):
        contract.version += 1  # the lines or the plan changed: a stale editor must reload
        contract.save()
        audit.record_change(
            actor=actor, instance=contract, action=ChangeRecord.Action.UPDATE,
            before={"lines": "…"}, after={"lines": _("明细或收款计划已修改")},
        )  # fmt: skip
    else:
        audit.save_if_changed(actor=actor, instance=contract, before=before, after=after)
    _index(contract)
    return contract


@transaction.atomic
def contract_delete(*, actor, contract):
    """Move a draft or rejected contract to the recycle bin (``contracts.delete``)."""
    policy.require(actor, f"{MODULE}.delete")
    selectors.access_contract(actor, contract.pk)
    contract = lock_for_update(Contract, contract.pk)
    _refuse_unless_editable(contract)
    contract.deleted_at = timezone.now()
    contract.save(update_fields=["deleted_at", "updated_at"])
    audit.record_change(
        actor=actor,
        instance=contract,
        action=ChangeRecord.Action.DELETE,
        before=_snapshot(contract),
    )
    index.remove(SEARCH_KIND, [contract.pk])


def _check_ready(contract):
    if not contract.lines.exists():
        raise BusinessRuleError(_("请先添加合同明细。"), code="contract_no_lines")
    plan = list(contract.instalments.all())
    if contract.total > 0 and not plan:
        raise BusinessRuleError(_("请先填写收款计划。"), code="payment_plan_missing")
    planned = sum((i.amount for i in plan), Decimal(0))
    if plan and planned != contract.total:
        raise BusinessRuleError(
            _("各期金额合计 %(sum)s 与合同总额 %(total)s 不一致。")
            % {"sum": planned, "total": contract.total},
            code="payment_plan_mismatch",
        )


def _make_effective(contract, actor):
    """Effective now: one receivable per instalment (in this transaction)."""
    from guanxi.sales.receivables import services as receivables

    contract.status = Status.EFFECTIVE
    contract.effective_at = timezone.now()
    instalments = list(contract.instalments.all())
    for instalment in instalments:
        receivables.receivable_create(
            actor=actor,
            customer=contract.customer,
            amount=instalment.amount,
            due_date=instalment.due_date,
            source_type=SOURCE_TYPE,
            source_id=contract.pk,
            source_code=contract.code,
            title=_("%(title)s 第 %(number)s/%(count)s 期")
            % {"title": contract.title, "number": instalment.position, "count": len(instalments)},
            owner=contract.owner,
        )


@transaction.atomic
def contract_submit(*, actor, contract, comment=""):
    """Send a draft or rejected contract for approval (``contracts.edit``). With no
    approval flow matching it becomes effective at once. Needs lines and, for a total
    above 0, a payment plan summing to it. Returns the approval request or None.
    Locks the contract, then the engine makes the request."""
    selectors.access_contract(actor, contract.pk, write=True)
    contract = lock_for_update(Contract, contract.pk)
    _refuse_unless_editable(contract)
    _check_ready(contract)
    before = _snapshot(contract)
    request = approvals.submit(actor=actor, record=contract, document=DOCUMENT, comment=comment)
    contract.refresh_from_db()  # an approval decided at once has already moved it
    if request is None:
        _make_effective(contract, actor)
    elif request.status == ApprovalRequest.Status.PENDING:
        contract.status = Status.PENDING
    contract.submitted_at = timezone.now()
    audit.save_if_changed(actor=actor, instance=contract, before=before, after=_snapshot(contract))
    return request


def _close(*, actor, contract, status, code):
    selectors.access_contract(actor, contract.pk, write=True)
    contract = lock_for_update(Contract, contract.pk)
    if contract.status != Status.EFFECTIVE:
        raise BusinessRuleError(_("只有已生效的合同可以完成或终止。"), code=code)
    before = _snapshot(contract)
    contract.status = status
    contract.closed_at = timezone.now()
    audit.save_if_changed(actor=actor, instance=contract, before=before, after=_snapshot(contract))
    return contract


@transaction.atomic
def contract_complete(*, actor, contract):
    """An effective contract is fulfilled (completed)."""
    return _close(
        actor=actor, contract=contract, status=Status.COMPLETED, code="contract_not_effective"
    )


@transaction.atomic
def contract_terminate(*, actor, contract):
    """An effective contract ends early (terminated). Its receivables stay as they are:
    what was delivered is still owed; cancel the rest in receivables."""
    return _close(
        actor=actor, contract=contract, status=Status.TERMINATED, code="contract_not_effective"
    )


def _on_decided(record, request):
    """The approvals engine ended a request of this contract: approved → effective (and
    its receivables, made for the submitter), rejected → rejected, withdrawn → draft."""
    contract = lock_for_update(Contract, record.pk)
    if contract.status not in (Status.PENDING, Status.DRAFT, Status.REJECTED):
        return
    before = _snapshot(contract)
    if request.status == ApprovalRequest.Status.APPROVED:
        _make_effective(contract, request.submitter)
    elif request.status == ApprovalRequest.Status.REJECTED:
        contract.status = Status.REJECTED
    else:
        contract.status = Status.DRAFT
    audit.save_if_changed(actor=None, instance=contract, before=before, after=_snapshot(contract))


# ---- files ---------------------------------------------------------------------------------


def _check_upload(upload, name):
    size = getattr(upload, "size", None) or 0
    if upload is None:
        raise ValidationError({"file": [_("请选择要上传的文件。")]}, code="required")
    if size <= 0:
        raise ValidationError({"file": [_("文件是空的。")]}, code="invalid")
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": [_("文件不能超过 %(limit)s MB。") % {"limit": MAX_UPLOAD_BYTES // 1048576}]},
            code="invalid",
        )
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            {"file": [_("不支持该文件类型（可上传 PDF、图片、Office 文档、文本和压缩包）。")]},
            code="invalid",
        )


@transaction.atomic
def attachment_upload(*, actor, contract, upload):
    """Attach a file (at most 20 MB, of an allowed type) to a contract the actor may edit.
    Files may be added at any status (the signed scan arrives after approval)."""
    selectors.access_contract(actor, contract.pk, write=True)
    name = workspace_services.clean_file_name(getattr(upload, "name", "") or "")
    _check_upload(upload, name)
    attachment = ContractAttachment(
        org_id=actor.org_id,
        contract=contract,
        original_name=name,
        size=upload.size,
        content_type=(mimetypes.guess_type(name)[0] or "application/octet-stream")[:100],
        uploaded_by=actor,
    )
    attachment.file.save("upload", upload, save=False)
    workspace_services.remove_unless_committed(attachment.file.storage, attachment.file.name)
    attachment.save()
    audit.record_change(
        actor=actor,
        instance=attachment,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(attachment, ("contract", "original_name", "size")),
    )
    return attachment


@transaction.atomic
def attachment_delete(*, actor, attachment):
    """Move a contract's file to the recycle bin (the stored file stays)."""
    selectors.access_contract(actor, attachment.contract_id, write=True)
    ContractAttachment.with_deleted.filter(pk=attachment.pk).update(deleted_at=timezone.now())
    audit.record_change(
        actor=actor,
        instance=attachment,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(attachment, ("contract", "original_name", "size")),
    )


def register():
    """Called once at start-up: contracts become the approval document type ``contract``."""
    registry.register(
        DOCUMENT,
        gettext_lazy("销售合同"),
        model=Contract,
        variables={
            "total": registry.Variable(
                gettext_lazy("合同总额"), registry.NUMBER, lambda contract: contract.total
            ),
            "max_discount": registry.Variable(
                gettext_lazy("最大折扣（%）"), registry.NUMBER, lambda c: c.max_discount
            ),
        },
        describe=lambda contract: f"{contract.code} {contract.title}",
        link=lambda contract: reverse("contracts:contract_detail", args=[contract.pk]),
        on_decided=_on_decided,
    )
