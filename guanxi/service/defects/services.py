"""Every write of product defects (keyword-only, in a transaction).

Permissions: module ``defects`` (``create``, ``edit`` — change, move the status, link
and unlink tickets —, ``delete``). Linking a ticket also needs the ticket to be visible
to the actor in the ``tickets`` module.

Status: open → confirmed → in_fix → fixed → closed. ``open`` and ``confirmed`` may be
rejected (not a defect) or marked a duplicate of another defect of the same product;
``fixed`` may go back to ``in_fix`` (the fix did not hold) and a closed, rejected or
duplicate defect may be reopened. Each write locks the defect row first (optimistic
locking: a stale ``version`` is a 409). Each write keeps the defect's entry in the global
search index in step (``indexing``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.catalog.models import Product
from guanxi.core.errors import BusinessRuleError
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.orgs.numbering import next_code
from guanxi.sales.contracts import documents
from guanxi.search import index
from guanxi.service.defects import selectors
from guanxi.service.defects.indexing import KIND as SEARCH_KIND
from guanxi.service.defects.models import Defect, DefectTicket
from guanxi.service.tickets import selectors as ticket_selectors
from guanxi.service.tickets.models import Ticket

MODULE = "defects"
TEXT_LENGTH = 10000
S = Defect.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.OPEN: (S.CONFIRMED, S.REJECTED, S.DUPLICATE),
    S.CONFIRMED: (S.IN_FIX, S.FIXED, S.REJECTED, S.DUPLICATE),
    S.IN_FIX: (S.FIXED, S.CONFIRMED),
    S.FIXED: (S.CLOSED, S.IN_FIX),
    S.CLOSED: (S.OPEN,),
    S.REJECTED: (S.OPEN,),
    S.DUPLICATE: (S.OPEN,),
}
DEFECT_FIELDS = (
    "title", "description", "severity", "product", "found_version", "fixed_version",
    "resolution", "owner",
)  # fmt: skip
AUDIT_FIELDS = (*DEFECT_FIELDS, "status", "duplicate_of")


# ---- input helpers ---------------------------------------------------------------------


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    return documents.text(value, field, limit, required=required)


def _product(value: Any) -> Product:
    if value in (None, ""):
        raise ValidationError({"product": [_("请选择产品。")]}, code="required")
    try:
        return Product.objects.get(pk=int(documents.pk_of(value)))
    except (Product.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"product": [_("产品不存在。")]}, code="invalid") from exc


def _severity(value: Any) -> str:
    if value in (None, ""):
        return Defect.Severity.MAJOR
    if value not in Defect.Severity.values:
        raise ValidationError(
            {"severity": [_("请选择严重程度：致命、严重、一般或轻微。")]}, code="invalid"
        )
    return str(value)


def _employee(value: Any, field: str) -> Employee | None:
    if value in (None, ""):
        return None
    try:
        return Employee.objects.get(pk=int(documents.pk_of(value)), status=Employee.Status.ACTIVE)
    except (Employee.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({field: [_("请选择在职员工。")]}, code="invalid") from exc


def _visible_ticket(actor: Employee, value: Any, field: str = "ticket") -> Ticket:
    """The ticket (object, id or code) if ``actor`` may see it in the tickets module."""
    if value in (None, ""):
        raise ValidationError({field: [_("请选择服务工单。")]}, code="required")
    if not policy.can(actor, "tickets.view"):
        raise ValidationError({field: [_("服务工单不存在或您无权查看。")]}, code="invalid")
    raw = documents.pk_of(value)
    tickets = ticket_selectors.ticket_queryset(employee=actor)
    if isinstance(raw, str) and not raw.strip().isdigit():
        found = tickets.filter(code=raw.strip()).first()
    else:
        try:
            found = tickets.filter(pk=int(raw)).first()
        except (TypeError, ValueError, OverflowError):
            found = None
    if found is None:
        raise ValidationError({field: [_("服务工单不存在或您无权查看。")]}, code="invalid")
    return found


def _snapshot(defect: Defect) -> dict:
    return audit.snapshot(defect, AUDIT_FIELDS)


def _locked(actor: Employee, defect: Defect, version: Any = None) -> Defect:
    selectors.access_defect(actor, defect.pk, write=True)
    try:
        return lock_for_update(Defect, defect.pk, expected_version=version)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"version": [_("版本号无效，请刷新后重试。")]}) from exc


def _finish(actor: Employee, defect: Defect, before: dict) -> Defect:
    defect.version += 1
    defect.save()
    audit.record_change(
        actor=actor,
        instance=defect,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(defect),
    )
    index.refresh(SEARCH_KIND, [defect.pk])
    return defect


def _link(actor: Employee, defect: Defect, ticket: Ticket) -> DefectTicket | None:
    """Link ``ticket`` unless it already is (None then)."""
    link, made = DefectTicket.objects.get_or_create(
        org_id=defect.org_id,
        defect=defect,
        ticket=ticket,
        defaults={"linked_by": actor, "linked_at": timezone.now()},
    )
    return link if made else None


# ---- writes ----------------------------------------------------------------------------


@transaction.atomic
def defect_create(
    *,
    actor: Employee,
    title: str = "",
    product: Any = None,
    ticket: Any = None,
    description: str = "",
    severity: Any = None,
    found_version: str = "",
    fixed_version: str = "",
    owner: Any = None,
) -> Defect:
    """Record a defect (``defects.create``) and take the next ``defect`` code. From a
    ``ticket`` (which ``actor`` must see) the product comes from the ticket's product or
    its installed product's, the title and description from the ticket unless given,
    and the ticket is linked."""
    policy.require(actor, f"{MODULE}.create")
    source = _visible_ticket(actor, ticket) if ticket not in (None, "") else None
    if source is not None:
        if product in (None, ""):
            installed = source.installed_product
            product = source.product_id or (installed.product_id if installed else None)
        title = title or source.subject
        description = description or source.description
    defect = Defect(
        org_id=actor.org_id,
        title=_text(title, "title", 200, required=True),
        description=_text(description, "description", TEXT_LENGTH),
        product=_product(product),
        severity=_severity(severity),
        found_version=_text(found_version, "found_version", 100),
        fixed_version=_text(fixed_version, "fixed_version", 100),
        owner=_employee(owner, "owner"),
        reported_by=actor,
    )
    defect.code = next_code(org_id=actor.org_id, target="defect")
    defect.save()
    index.refresh(SEARCH_KIND, [defect.pk])
    audit.record_change(
        actor=actor, instance=defect, action=ChangeRecord.Action.CREATE, after=_snapshot(defect)
    )
    if source is not None:
        _link(actor, defect, source)
    return defect


@transaction.atomic
def defect_update(
    *, actor: Employee, defect: Defect, version: Any = None, **changes: Any
) -> Defect:
    """Change a defect (``defects.edit``); ``version`` guards against stale edits (409)."""
    unknown = sorted(set(changes) - set(DEFECT_FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    defect = _locked(actor, defect, version)
    before = _snapshot(defect)
    if "title" in changes:
        defect.title = _text(changes["title"], "title", 200, required=True)
    if "description" in changes:
        defect.description = _text(changes["description"], "description", TEXT_LENGTH)
    if "resolution" in changes:
        defect.resolution = _text(changes["resolution"], "resolution", TEXT_LENGTH)
    for name in ("found_version", "fixed_version"):
        if name in changes:
            setattr(defect, name, _text(changes[name], name, 100))
    if "severity" in changes:
        defect.severity = _severity(changes["severity"])
    if "product" in changes:
        defect.product = _product(changes["product"])
        original = defect.duplicate_of
        if original is not None and original.product_id != defect.product_id:
            raise BusinessRuleError(
                _("该缺陷标记为重复，产品须与原缺陷相同；请先重新打开它再改产品。"),
                code="defect_duplicate_product",
            )
    if "owner" in changes:
        defect.owner = _employee(changes["owner"], "owner")
    return _finish(actor, defect, before)


@transaction.atomic
def defect_transition(
    *,
    actor: Employee,
    defect: Defect,
    status: str,
    version: Any = None,
    duplicate_of: Any = None,
    fixed_version: str | None = None,
    resolution: str | None = None,
) -> Defect:
    """Move the defect to ``status`` if the workflow allows it (422 otherwise). A
    duplicate names the original (``duplicate_of``: another live defect of the same
    product that is not itself a duplicate). ``fixed_version`` and ``resolution`` may
    come with the move."""
    if status not in S.values:
        raise ValidationError({"status": [_("未知的缺陷状态。")]}, code="invalid")
    defect = _locked(actor, defect, version)
    if status not in TRANSITIONS[defect.status]:
        raise BusinessRuleError(
            _("缺陷%(current)s，不能改为“%(target)s”。")
            % {"current": defect.get_status_display(), "target": S(status).label},
            code="defect_bad_transition",
        )
    before = _snapshot(defect)
    if status == S.DUPLICATE:
        defect.duplicate_of = _original(defect, duplicate_of)
    elif defect.status == S.DUPLICATE:
        defect.duplicate_of = None
    if fixed_version is not None:
        defect.fixed_version = _text(fixed_version, "fixed_version", 100)
    if resolution is not None:
        defect.resolution = _text(resolution, "resolution", TEXT_LENGTH)
    now = timezone.now()
    if status == S.FIXED:
        defect.fixed_at = now
    elif status in (S.IN_FIX, S.OPEN, S.CONFIRMED):
        defect.fixed_at = None
    defect.closed_at = now if status in (S.CLOSED, S.REJECTED, S.DUPLICATE) else None
    defect.status = status
    return _finish(actor, defect, before)


def _original(defect: Defect, value: Any) -> Defect:
    if value in (None, ""):
        raise ValidationError({"duplicate_of": [_("标记为重复时请选择原缺陷。")]}, code="required")
    try:
        original = Defect.objects.get(pk=int(documents.pk_of(value)))
    except (Defect.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"duplicate_of": [_("原缺陷不存在。")]}, code="invalid") from exc
    if original.pk == defect.pk:
        raise BusinessRuleError(_("缺陷不能重复于它自己。"), code="defect_duplicate_self")
    if original.status == S.DUPLICATE:
        raise BusinessRuleError(
            _("原缺陷本身已标记为重复，请选择它所重复的那个缺陷。"),
            code="defect_duplicate_chain",
        )
    if original.product_id != defect.product_id:
        raise BusinessRuleError(
            _("原缺陷属于另一个产品，请选择同一产品的缺陷。"), code="defect_duplicate_product"
        )
    return original


@transaction.atomic
def defect_link_ticket(*, actor: Employee, defect: Defect, ticket: Any) -> DefectTicket:
    """Link a ticket (object, id or code) that ``actor`` may see to the defect
    (``defects.edit``). Linking it again is refused (422)."""
    defect = _locked(actor, defect)
    found = _visible_ticket(actor, ticket)
    link = _link(actor, defect, found)
    if link is None:
        raise BusinessRuleError(
            _("工单 %(code)s 已关联到该缺陷。") % {"code": found.code},
            code="defect_ticket_linked",
        )
    return link


@transaction.atomic
def defect_unlink_ticket(*, actor: Employee, defect: Defect, ticket: Any) -> None:
    """Remove a ticket's link (``defects.edit``); the ticket must be visible to
    ``actor`` and linked (else 400)."""
    defect = _locked(actor, defect)
    found = _visible_ticket(actor, ticket)
    deleted, _rows = DefectTicket.objects.filter(defect=defect, ticket=found).delete()
    if not deleted:
        raise ValidationError(
            {"ticket": [_("工单 %(code)s 未关联到该缺陷。") % {"code": found.code}]},
            code="not_linked",
        )


@transaction.atomic
def defect_delete(*, actor: Employee, defect: Defect) -> None:
    """To the recycle bin (``defects.delete``). A defect that others are marked
    duplicates of stays (422): reopen or re-point those first."""
    policy.require(actor, f"{MODULE}.delete")
    defect = _locked(actor, defect)
    if Defect.objects.filter(duplicate_of=defect).exists():
        raise BusinessRuleError(
            _("有其他缺陷标记为与该缺陷重复，请先重新打开它们再删除。"),
            code="defect_has_duplicates",
        )
    defect.deleted_at = timezone.now()
    defect.save(update_fields=["deleted_at", "updated_at"])
    audit.record_change(actor=actor, instance=defect, action=ChangeRecord.Action.DELETE)
    index.remove(SEARCH_KIND, [defect.pk])
