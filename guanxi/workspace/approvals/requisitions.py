"""General requisitions (通用申请/请示): this app's own document type.

Permissions are the module ``requisitions`` (not owned: no data scope): ``view`` to see
requisitions at all, ``create`` to file one (and to send it for approval), ``edit`` to
change one's own while it is a draft, rejected or withdrawn (never while pending, never
once approved), ``delete`` to remove one's own in those states. Which requisitions a
holder of ``view`` sees goes by involvement: their own, those they approve (or
approved), every one for an administrator; an administrator may also change and
delete anyone's. Submitting goes through the approvals engine (document type
``requisition``, variables ``amount`` and ``category``).
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import policy
from guanxi.workspace.approvals import registry, services
from guanxi.workspace.approvals.models import ApprovalRequest, ApprovalTask, Requisition

DOCUMENT = "requisition"
TITLE_LENGTH = 200
CONTENT_LENGTH = 5000
MAX_AMOUNT = Decimal("999999999999.99")
AUDIT_FIELDS = ("title", "category", "amount", "content", "status")
EDITABLE = (Requisition.Status.DRAFT, Requisition.Status.REJECTED, Requisition.Status.WITHDRAWN)


# ---- who may do what -----------------------------------------------------------------------


MODULE = "requisitions"


def can(employee, action) -> bool:
    """May ``employee`` ``action`` (view / create / edit / delete) requisitions at all?"""
    return policy.can(employee, f"{MODULE}.{action}")


def require(employee, action):
    """403 with the translated "you may not …" unless ``employee`` holds the permission."""
    policy.require(employee, f"{MODULE}.{action}")


def requisition_queryset(*, employee):
    """Requisitions ``employee`` may see: none without ``requisitions.view``; else their
    own, those they are an approver of (any round), every one for an administrator."""
    qs = Requisition.objects.select_related("submitter", "department")
    if not can(employee, "view"):
        return qs.none()
    if policy.is_admin(employee):
        return qs
    approver_of = ApprovalTask.objects.filter(
        approver_id=employee.pk,
        request__document=DOCUMENT,
        request__record_id=OuterRef("pk"),
    )
    return qs.filter(Q(submitter_id=employee.pk) | Exists(approver_of))


def access_requisition(employee, pk, *, write=None):
    """The requisition if ``employee`` may see it; else 403 without ``requisitions.view``,
    404 when it is not one they are involved in. With ``write`` ("edit" or "delete"), also
    that permission and being its submitter (or an administrator); else 403."""
    require(employee, "view")
    try:
        requisition = requisition_queryset(employee=employee).get(pk=int(pk))
    except (Requisition.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    if write:
        require(employee, write)
        if requisition.submitter_id != employee.pk and not policy.is_admin(employee):
            raise PermissionDenied(_("只有申请人可以修改申请。"))
    return requisition


def may_change(employee, requisition, action) -> bool:
    """Whether the screens offer ``action`` (edit / delete) on ``requisition`` to
    ``employee`` (the services check the same again)."""
    mine = requisition.submitter_id == employee.pk
    return (
        requisition.status in EDITABLE
        and (mine or policy.is_admin(employee))
        and can(employee, action)
    )


# ---- writes --------------------------------------------------------------------------------


def _clean(*, title, category, amount, content):
    errors: dict[str, list] = {}
    data = {}
    data["title"] = services._text(title, "title", TITLE_LENGTH, errors, required=True)
    if category not in Requisition.Category.values:
        errors["category"] = [_("“%(code)s”不是有效的选项。") % {"code": category}]
    data["category"] = category
    data["content"] = services._text(content, "content", CONTENT_LENGTH, errors)
    if amount in (None, ""):
        data["amount"] = None
    else:
        try:
            value = Decimal(str(amount).strip().replace(",", ""))
            if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
                raise InvalidOperation
            data["amount"] = value.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors["amount"] = [_("请输入有效的金额（0 或正数，最多两位小数）。")]
    if errors:
        raise ValidationError(errors)
    return data


def _snapshot(requisition):
    return audit.snapshot(requisition, AUDIT_FIELDS)


@transaction.atomic
def requisition_create(*, actor, title, category=Requisition.Category.OTHER, amount=None,
                       content=""):  # fmt: skip
    """A draft requisition of ``actor`` (in their department); needs ``requisitions.create``."""
    require(actor, "create")
    data = _clean(title=title, category=category, amount=amount, content=content)
    requisition = Requisition.objects.create(
        org_id=actor.org_id, submitter=actor, department_id=actor.department_id, **data
    )
    audit.record_change(
        actor=actor,
        instance=requisition,
        action=ChangeRecord.Action.CREATE,
        after=_snapshot(requisition),
    )
    return requisition


def _check_editable(requisition):
    services.ensure_editable(requisition)
    if requisition.status not in EDITABLE:
        raise BusinessRuleError(_("已通过的申请不能修改。"), code="requisition_closed")


@transaction.atomic
def requisition_update(*, actor, requisition, version=None, **changes):
    """Change a requisition (its submitter or an administrator, with ``requisitions.edit``)
    while it is a draft, rejected or withdrawn; refused while pending ("审批中，不能修改")
    or once approved. ``version`` is the one the editor loaded (stale: 409). Locks the
    requisition."""
    access_requisition(actor, requisition.pk, write="edit")
    requisition = lock_for_update(Requisition, requisition.pk)
    _check_editable(requisition)  # before the version: "under approval" says more than "stale"
    if version is not None and int(version) != requisition.version:
        raise StaleVersion()
    current = {name: getattr(requisition, name) for name in ("title", "category", "amount",
                                                            "content")}  # fmt: skip
    current.update({name: value for name, value in changes.items() if name in current})
    unknown = sorted(set(changes) - set(current))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown})
    data = _clean(**current)
    before = _snapshot(requisition)
    for name, value in data.items():
        setattr(requisition, name, value)
    audit.save_if_changed(
        actor=actor, instance=requisition, before=before, after=_snapshot(requisition)
    )
    return requisition


@transaction.atomic
def requisition_delete(*, actor, requisition):
    """Remove a requisition that is not pending or approved (its submitter or an
    administrator, with ``requisitions.delete``). Its earlier approval rounds go with it."""
    access_requisition(actor, requisition.pk, write="delete")
    requisition = lock_for_update(Requisition, requisition.pk)
    _check_editable(requisition)
    audit.record_change(
        actor=actor,
        instance=requisition,
        action=ChangeRecord.Action.DELETE,
        before=_snapshot(requisition),
    )
    services._requests_of(requisition).delete()
    requisition.delete()


@transaction.atomic
def requisition_submit(*, actor, requisition, comment=""):
    """Send the requisition for approval (its submitter only, with ``requisitions.create``:
    filing it is what that permission allows). With no flow matching it is approved at
    once. Returns the approval request (None: approved without one). Locks the
    requisition, then the engine makes the request."""
    requisition = access_requisition(actor, requisition.pk)
    require(actor, "create")
    if requisition.submitter_id != actor.pk:
        raise PermissionDenied(_("只有申请人可以提交申请。"))
    requisition = lock_for_update(Requisition, requisition.pk)
    _check_editable(requisition)
    before = _snapshot(requisition)
    request = services.submit(actor=actor, record=requisition, document=DOCUMENT, comment=comment)
    now = timezone.now()
    requisition.submitted_at = now
    if request is None or request.status == ApprovalRequest.Status.APPROVED:
        requisition.status = Requisition.Status.APPROVED
        requisition.decided_at = now
    else:
        requisition.status = Requisition.Status.PENDING
        requisition.decided_at = None
    audit.save_if_changed(
        actor=actor, instance=requisition, before=before, after=_snapshot(requisition)
    )
    return request


def _on_decided(record, request):
    """The approvals engine ended a request of this requisition: take its status."""
    requisition = lock_for_update(Requisition, record.pk)
    before = _snapshot(requisition)
    requisition.status = {
        ApprovalRequest.Status.APPROVED: Requisition.Status.APPROVED,
        ApprovalRequest.Status.REJECTED: Requisition.Status.REJECTED,
        ApprovalRequest.Status.WITHDRAWN: Requisition.Status.WITHDRAWN,
    }[request.status]
    requisition.decided_at = request.decided_at
    audit.save_if_changed(actor=None, instance=requisition, before=before,
                          after=_snapshot(requisition))  # fmt: skip


def register():
    """Called once at start-up: requisitions become the document type ``requisition``."""
    registry.register(
        DOCUMENT,
        gettext_lazy("通用申请"),
        model=Requisition,
        variables={
            "amount": registry.Variable(
                gettext_lazy("金额"), registry.NUMBER, lambda requisition: requisition.amount
            ),
            "category": registry.Variable(
                gettext_lazy("类别"),
                registry.CHOICE,
                lambda requisition: requisition.category,
                choices=tuple(Requisition.Category.choices),
            ),
        },
        describe=lambda requisition: requisition.title,
        link=lambda requisition: reverse("approvals:requisition_detail", args=[requisition.pk]),
        owner_field="submitter",
        on_decided=_on_decided,
    )
