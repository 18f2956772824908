"""Every write of leads (线索), their scoring rules and their assignment rules.

Permissions: leads take ``leads.<create|edit|delete|transfer>`` and the data scope of
the ``leads`` module (a lead in the pool, without an owner, is open to everyone who may
edit leads: claiming it makes it theirs). The rules take ``sales_setup.edit``.

Each write runs in one transaction, locks the rows it changes (a stale ``version`` is
refused, 409), writes nothing when refused (all field errors at once, 400; rule
refusals 422) and is audited. Phones and e-mails are checked and normalised as the
customers app does it (its validators are imported, not copied).
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core import pinyin
from guanxi.core.errors import BusinessRuleError
from guanxi.core.versioning import bump_version, lock_for_update
from guanxi.customers import selectors as customer_selectors
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer
from guanxi.orgs import numbering, policy
from guanxi.orgs.models import Department, DictionaryEntry, Employee
from guanxi.sales.leads import indexing, scoring, selectors
from guanxi.sales.leads.models import AssignmentRule, Lead, LeadSetup, ScoringRule

LEAD_FIELDS = (
    "code", "company_name", "contact_name", "title", "mobile", "phone", "email", "region",
    "address", "industry", "size", "source", "campaign", "notes", "status",
    "disqualified_reason", "owner",
)  # fmt: skip
AUDIT_FIELDS = (*LEAD_FIELDS, "owner_department", "score")
NULLABLE = frozenset({"campaign", "owner"})
EDITABLE_STATUSES = (
    Lead.Status.NEW,
    Lead.Status.CONTACTED,
    Lead.Status.QUALIFIED,
    Lead.Status.DISQUALIFIED,
)
CODE_ATTEMPTS = 20
BULK_LIMIT = 500
_MARKUP = re.compile(r"<\s*[a-zA-Z!/?][^>]*>")
UNSET = object()

# lead source code -> customer source code, for the customer a conversion makes
CUSTOMER_SOURCE = {
    "web_form": "website",
    "campaign": "advertising",
    "referral": "referral",
    "exhibition": "exhibition",
    "phone": "other",
    "other": "other",
}


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _raise(errors):
    if errors:
        raise ValidationError(errors)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _unknown(fields, allowed):
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({f: [_("未知字段。")] for f in unknown}, code="unknown_field")


def _assign(lead, fields):
    for field, value in fields.items():
        setattr(lead, field, "" if value is None and field not in NULLABLE else _strip(value))


def _check_dictionaries(lead, previous, errors):
    """Industry and source hold an active picklist code (an unchanged retired one stays)."""
    wanted = {
        field: getattr(lead, field)
        for field in selectors.DICTIONARY_KINDS
        if getattr(lead, field) and getattr(lead, field) != previous.get(field)
    }
    if not wanted:
        return
    kinds = [selectors.DICTIONARY_KINDS[f] for f in wanted]
    active = set(
        DictionaryEntry.objects.filter(kind__in=kinds, is_active=True).values_list("kind", "code")
    )
    for field, code in wanted.items():
        if (selectors.DICTIONARY_KINDS[field], code) not in active:
            _add(errors, field, _("“%(code)s”不是有效的选项。") % {"code": code})


def _validate(actor, lead, previous, errors):
    lead.email = (lead.email or "").strip().lower()
    if not lead.contact_name:
        _add(errors, "contact_name", _("请填写联系人姓名。"))
    for field in ("company_name", "contact_name"):
        if _MARKUP.search(getattr(lead, field) or ""):
            _add(errors, field, _("名称不能包含 HTML 标签。"))
    if not (lead.mobile or lead.phone or lead.email):
        _add(errors, "mobile", _("手机、电话、电子邮件至少填写一项。"))
    # the customers app's checks: phones are digits with the usual separators
    customer_services._check_text(lead, errors)
    if lead.status == Lead.Status.DISQUALIFIED and not (lead.disqualified_reason or "").strip():
        _add(errors, "disqualified_reason", _("标记为无效时请填写原因。"))
    if lead.status != Lead.Status.DISQUALIFIED:
        lead.disqualified_reason = ""
    if lead.campaign is not None and (
        not isinstance(lead.campaign, int) or not 0 < lead.campaign < 2**63
    ):
        _add(errors, "campaign", _("营销活动编号无效。"))
    owner = lead.owner
    if owner is not None and (owner.org_id != actor.org_id or not owner.is_active):
        _add(errors, "owner", _("负责人必须是本组织的在职员工。"))
    _check_dictionaries(lead, previous, errors)
    try:
        lead.full_clean(
            exclude=["org", "code", "owner", "owner_department", "campaign"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(
                m for m in messages if m not in errors.get(field, [])
            )


def _refresh_search(lead):
    names = " ".join(n for n in (lead.company_name, lead.contact_name) if n)
    lead.search_keys = pinyin.search_keys(names)[:300]
    lead.phone_digits = customer_services._digits(lead.mobile, lead.phone)[:100]


def _assign_code(actor, lead):
    for _attempt in range(CODE_ATTEMPTS):
        code = numbering.next_code(org_id=actor.org_id, target="lead")
        if not Lead.with_deleted.filter(code=code).exists():
            lead.code = code
            return
    raise BusinessRuleError(
        _("无法生成线索编号，请检查编号规则或手工填写编号。"), code="numbering_exhausted"
    )


def _save(lead):
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError as exc:
        raise ValidationError({"code": [_("编号已被使用。")]}, code="duplicate") from exc


def _require_visible(actor, lead):
    if not selectors.can_see(actor, lead):
        raise Http404


def _ensure_editable(lead):
    if lead.is_locked:
        raise BusinessRuleError(_("线索已转化，不能再修改。"), code="lead_converted")


def _set_owner(lead, owner):
    lead.owner = owner
    lead.owner_department_id = owner.department_id if owner is not None else None


# ---- scoring -------------------------------------------------------------------------------


def _apply_score(lead, rules, counts):
    """Set the score fields of ``lead`` (not saved); True when anything changed. A new
    lead with a follow-up on it has been contacted."""
    activities, responses = counts
    result = scoring.compute(lead, rules, activities=activities, responses=responses)
    changed = (
        lead.score != result.score
        or lead.score_breakdown != result.breakdown
        or lead.activity_count != activities
        or lead.response_count != responses
    )
    lead.score = result.score
    lead.score_breakdown = result.breakdown
    lead.activity_count = activities
    lead.response_count = responses
    if activities and lead.status == Lead.Status.NEW:
        lead.status = Lead.Status.CONTACTED
        changed = True
    return changed


SCORE_COLUMNS = ("score", "score_breakdown", "activity_count", "response_count", "status")


def lead_rescore(*, lead, rules=None):
    """Recompute ``lead``'s score from its fields and its follow-ups now, and store it
    when it changed (no version bump: nobody's edit is overwritten, only derived
    columns move). A converted lead keeps the score it had. Returns the lead."""
    if lead.is_locked:
        return lead
    rules = scoring.active_rules(lead.org_id) if rules is None else rules
    counts = scoring.engagement_counts([lead.pk]).get(lead.pk, (0, 0))
    if _apply_score(lead, rules, counts):
        lead.scored_at = timezone.now()
        Lead.objects.filter(pk=lead.pk).exclude(status=Lead.Status.CONVERTED).update(
            **{f: getattr(lead, f) for f in (*SCORE_COLUMNS, "scored_at")}
        )
    return lead


def leads_rescore(*, lead_ids):
    """Score the leads ``lead_ids`` again (a follow-up on them changed): one query for
    the rules, one for the follow-up counts, one update per lead whose score moved."""
    leads = list(Lead.objects.filter(pk__in=lead_ids))
    if not leads:
        return
    rules = scoring.active_rules(leads[0].org_id)
    counts = scoring.engagement_counts([lead.pk for lead in leads])
    for lead in leads:
        if lead.is_locked:
            continue
        if _apply_score(lead, rules, counts.get(lead.pk, (0, 0))):
            lead.scored_at = timezone.now()
            Lead.objects.filter(pk=lead.pk).exclude(status=Lead.Status.CONVERTED).update(
                **{f: getattr(lead, f) for f in (*SCORE_COLUMNS, "scored_at")}
            )


def leads_rescore_all(*, org_id, progress=None, batch=500):
    """Recompute the score of every open lead of the org (the current org scope), in
    batches: after the rules change, and every night for the follow-ups recorded since.
    Returns how many leads changed."""
    rules = scoring.active_rules(org_id)
    open_leads = Lead.objects.exclude(status=Lead.Status.CONVERTED).order_by("pk")
    last, changed = 0, 0
    while True:
        rows = list(open_leads.filter(pk__gt=last)[:batch])
        if not rows:
            return changed
        counts = scoring.engagement_counts([lead.pk for lead in rows])
        now = timezone.now()
        moved = []
        for lead in rows:
            if _apply_score(lead, rules, counts.get(lead.pk, (0, 0))):
                lead.scored_at = now
                moved.append(lead)
        if moved:
            Lead.objects.bulk_update(moved, [*SCORE_COLUMNS, "scored_at"])
        changed += len(moved)
        last = rows[-1].pk
        if progress is not None:
            progress(len(rows))


# ---- assignment ----------------------------------------------------------------------------


def _rule_matches(rule, lead):
    if rule.source and rule.source != lead.source:
        return False
    return not (rule.region and rule.region.strip() not in (lead.region or ""))


def _next_in_turn(rule):
    """The department's next active employee after the last one this rule chose (by
    id, wrapping round), or None when the department has nobody active."""
    members = Employee.objects.filter(
        department_id=rule.department_id, status=Employee.Status.ACTIVE
    ).order_by("pk")
    if rule.last_assigned_id is not None:
        after = members.filter(pk__gt=rule.last_assigned_id).first()
        if after is not None:
            return after
    return members.first()


def _pick(rule):
    if rule.method == AssignmentRule.Method.EMPLOYEE:
        employee = rule.employee
        return employee if employee is not None and employee.is_active else None
    return _next_in_turn(rule)


def assign_by_rules(lead):
    """Give ``lead`` (no owner, not saved yet or locked by the caller) to the owner its
    first matching active rule names; returns the rule, or None (the lead stays in the
    pool). Locks the chosen rule's row (``select_for_update``): two leads created at
    once never get the same turn of a round robin. Callers must hold no rule lock."""
    candidates = [
        rule
        for rule in AssignmentRule.objects.filter(is_active=True).order_by("position", "id")
        if _rule_matches(rule, lead)
    ]
    for candidate in candidates:
        rule = (
            # only the rule's row: PostgreSQL cannot lock the nullable side of an outer join
            AssignmentRule.objects.select_for_update(of=("self",))
            .select_related("employee")
            .filter(pk=candidate.pk, is_active=True)
            .first()
        )
        if rule is None:
            continue
        owner = _pick(rule)
        if owner is None:
            continue
        AssignmentRule.objects.filter(pk=rule.pk).update(
            last_assigned=owner, assigned_count=F("assigned_count") + 1
        )
        _set_owner(lead, owner)
        lead.assignment_rule = rule
        lead.assignment_reason = (
            _("按规则“%(rule)s”轮流分配给 %(name)s")
            if rule.method == AssignmentRule.Method.ROUND_ROBIN
            else _("按规则“%(rule)s”分配给 %(name)s")
        ) % {"rule": rule.name, "name": owner.name}
        return rule
    return None


# ---- leads ---------------------------------------------------------------------------------


@transaction.atomic
def lead_create(*, actor, contact_name, owner=None, **fields):
    """Create a lead. A blank ``code`` comes from the org's "lead" numbering rule.
    Without an ``owner`` the assignment rules choose one (the reason is kept on the
    lead); when none applies the lead waits in the pool. Naming an owner other than
    oneself needs ``leads.transfer``. The score is computed at once."""
    policy.require(actor, "leads.create")
    _unknown(fields, set(LEAD_FIELDS) - {"owner"})
    if owner is not None and owner != actor:
        policy.require(actor, "leads.transfer")
    status = fields.get("status") or Lead.Status.NEW
    if status not in (Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.QUALIFIED):
        raise ValidationError({"status": [_("新线索的状态只能是新线索、已联系或已确认。")]})
    lead = Lead(org_id=actor.org_id, contact_name=_strip(contact_name) or "", created_by=actor)
    _assign(lead, fields)
    lead.status = status
    _set_owner(lead, owner)
    lead.code = lead.code or ""
    errors: dict[str, list] = {}
    _validate(actor, lead, {}, errors)
    if lead.code and Lead.with_deleted.filter(code=lead.code).exists():
        _add(errors, "code", _("编号已被使用。"))
    _raise(errors)
    if owner is None:
        assign_by_rules(lead)
    else:
        lead.assignment_reason = _("创建人自己负责") if owner == actor else _("创建时指定负责人")
    if not lead.code:
        _assign_code(actor, lead)
    _refresh_search(lead)
    _apply_score(lead, scoring.active_rules(actor.org_id), (0, 0))
    lead.scored_at = timezone.now()
    _save(lead)
    indexing.index_leads([lead.pk])
    audit.record_change(
        actor=actor,
        instance=lead,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(lead, AUDIT_FIELDS),
    )
    return lead


@transaction.atomic
def lead_update(*, actor, lead, version=None, **fields):
    """Edit a lead in the actor's scope (or in the pool). ``version`` is the version the
    editor loaded (stale: 409). A converted lead is locked (422). Changing the owner
    needs ``leads.transfer``, except taking a pool lead oneself. Status ``converted`` is
    only reached by ``lead_convert``; ``disqualified`` needs a reason."""
    policy.require(actor, "leads.edit")
    _unknown(fields, LEAD_FIELDS)
    lead = lock_for_update(Lead, lead.pk, expected_version=version)
    _require_visible(actor, lead)
    _ensure_editable(lead)
    before = audit.snapshot(lead, AUDIT_FIELDS)
    previous = {field: getattr(lead, field) for field in selectors.DICTIONARY_KINDS}
    if "status" in fields and fields["status"] not in EDITABLE_STATUSES:
        raise ValidationError({"status": [_("请通过“转化”把线索转为客户。")]}, code="invalid")
    if "owner" in fields and fields["owner"] != lead.owner:
        new_owner = fields["owner"]
        if not (lead.owner_id is None and new_owner == actor):
            policy.require(actor, "leads.transfer")
    if "code" in fields and not _strip(fields["code"]):
        raise ValidationError({"code": [_("线索编号不能为空。")]})
    owner = fields.pop("owner", UNSET)
    _assign(lead, fields)
    if owner is not UNSET and owner != lead.owner:
        _set_owner(lead, owner)
        lead.assignment_rule = None
        lead.assignment_reason = (
            _("由 %(name)s 转给 %(owner)s") % {"name": actor.name, "owner": owner.name}
            if owner is not None
            else _("由 %(name)s 退回线索池") % {"name": actor.name}
        )
    errors: dict[str, list] = {}
    _validate(actor, lead, previous, errors)
    if "code" in fields and Lead.with_deleted.filter(code=lead.code).exclude(pk=lead.pk).exists():
        _add(errors, "code", _("编号已被使用。"))
    _raise(errors)
    _refresh_search(lead)
    counts = scoring.engagement_counts([lead.pk]).get(lead.pk, (0, 0))
    _apply_score(lead, scoring.active_rules(actor.org_id), counts)
    lead.scored_at = timezone.now()
    bump_version(lead)
    _save(lead)
    lead.refresh_from_db()
    indexing.index_leads([lead.pk])
    audit.record_change(
        actor=actor,
        instance=lead,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(lead, AUDIT_FIELDS),
    )
    return lead


@transaction.atomic
def lead_delete(*, actor, lead):
    """Move a lead to the recycle bin (a converted one stays: it records a conversion)."""
    policy.require(actor, "leads.delete")
    lead = lock_for_update(Lead, lead.pk)
    _require_visible(actor, lead)
    _ensure_editable(lead)
    Lead.with_deleted.filter(pk=lead.pk).update(deleted_at=timezone.now(), version=F("version") + 1)
    indexing.unindex_leads([lead.pk])
    audit.record_change(
        actor=actor,
        instance=lead,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(lead, AUDIT_FIELDS),
    )


@transaction.atomic
def lead_restore(*, actor, lead_id):
    """Bring a lead back from the recycle bin (its version moves on: an edit form opened
    before the delete is refused as stale)."""
    policy.require(actor, "leads.delete")
    lead = Lead.with_deleted.select_for_update().filter(pk=lead_id).first()
    if lead is None or not selectors.can_see(actor, lead):
        raise Http404
    if lead.deleted_at is None:
        raise BusinessRuleError(_("该线索不在回收站中。"), code="not_deleted")
    Lead.with_deleted.filter(pk=lead.pk).update(deleted_at=None, version=F("version") + 1)
    lead.refresh_from_db()
    indexing.index_leads([lead.pk])
    audit.record_change(
        actor=actor,
        instance=lead,
        action=ChangeRecord.Action.UPDATE,
        before={"deleted_at": "deleted"},
        after={"deleted_at": None},
    )
    return lead


def _locked_leads(actor, lead_ids):
    """The leads ``lead_ids`` locked, all live, visible and open; else refuse."""
    try:
        ids = sorted({int(pk) for pk in lead_ids})
    except (TypeError, ValueError) as exc:
        raise ValidationError({"leads": [_("线索编号无效。")]}) from exc
    if not ids:
        raise ValidationError({"leads": [_("请至少选择一条线索。")]}, code="required")
    if len(ids) > BULK_LIMIT:
        raise ValidationError(
            {"leads": [_("一次最多处理 %(n)d 条线索。") % {"n": BULK_LIMIT}]}, code="too_many"
        )
    leads = list(Lead.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(leads) != len(ids) or not all(selectors.can_see(actor, lead) for lead in leads):
        raise ValidationError({"leads": [_("所选线索不存在或您无权查看。")]}, code="not_visible")
    if any(lead.is_locked for lead in leads):
        raise BusinessRuleError(_("已转化的线索不能再分配。"), code="lead_converted")
    return leads


def _audit_owner_changes(actor, rows):
    audit.record_changes(actor=actor, model=Lead, rows=rows)


@transaction.atomic
def leads_transfer(*, actor, lead_ids, owner):
    """Give leads (in the actor's scope) to ``owner``, an active employee (``None``: back
    to the pool). Needs ``leads.transfer``. Returns how many changed hands."""
    policy.require(actor, "leads.transfer")
    if owner is not None and (owner.org_id != actor.org_id or not owner.is_active):
        raise ValidationError({"owner": [_("负责人必须是本组织的在职员工。")]})
    leads = _locked_leads(actor, lead_ids)
    reason = (
        _("由 %(name)s 转给 %(owner)s") % {"name": actor.name, "owner": owner.name}
        if owner is not None
        else _("由 %(name)s 退回线索池") % {"name": actor.name}
    )
    moved, rows = [], []
    for lead in leads:
        if lead.owner_id == (owner.pk if owner else None):
            continue
        before = {"owner": audit.snapshot(lead, ["owner"])["owner"]}
        _set_owner(lead, owner)
        lead.assignment_rule = None
        lead.assignment_reason = reason
        lead.version += 1
        moved.append(lead)
        rows.append((lead.org_id, lead.pk, str(lead), before, audit.snapshot(lead, ["owner"])))
    Lead.objects.bulk_update(
        moved,
        ["owner", "owner_department", "assignment_rule", "assignment_reason", "version"],
    )
    _audit_owner_changes(actor, rows)
    indexing.index_leads([lead.pk for lead in moved])
    return len(moved)


@transaction.atomic
def leads_assign_by_rules(*, actor, lead_ids):
    """Apply the assignment rules to the chosen leads that have no owner (the others are
    left as they are). Needs ``leads.transfer``. Returns ``{"assigned": n, "unmatched":
    n, "skipped": n}``."""
    policy.require(actor, "leads.transfer")
    leads = _locked_leads(actor, lead_ids)
    result = {"assigned": 0, "unmatched": 0, "skipped": 0}
    rows, moved = [], []
    for lead in leads:
        if lead.owner_id is not None:
            result["skipped"] += 1
            continue
        if assign_by_rules(lead) is None:
            result["unmatched"] += 1
            continue
        lead.version += 1
        moved.append(lead)
        rows.append(
            (lead.org_id, lead.pk, str(lead), {"owner": None}, audit.snapshot(lead, ["owner"]))
        )
        result["assigned"] += 1
    Lead.objects.bulk_update(
        moved,
        ["owner", "owner_department", "assignment_rule", "assignment_reason", "version"],
    )
    _audit_owner_changes(actor, rows)
    indexing.index_leads([lead.pk for lead in moved])
    return result


@transaction.atomic
def lead_claim(*, actor, lead):
    """Take a lead from the pool (``leads.edit``): it becomes the actor's."""
    policy.require(actor, "leads.edit")
    lead = lock_for_update(Lead, lead.pk)
    _ensure_editable(lead)
    if lead.owner_id is not None:
        raise BusinessRuleError(_("该线索已有负责人。"), code="already_owned")
    _set_owner(lead, actor)
    lead.assignment_rule = None
    lead.assignment_reason = _("%(name)s 从线索池领取") % {"name": actor.name}
    bump_version(lead)
    lead.save(
        update_fields=[
            "owner", "owner_department", "assignment_rule", "assignment_reason", "version",
            "updated_at",
        ]
    )  # fmt: skip
    lead.refresh_from_db()
    indexing.index_leads([lead.pk])
    audit.record_change(
        actor=actor,
        instance=lead,
        action=ChangeRecord.Action.UPDATE,
        before={"owner": None},
        after=audit.snapshot(lead, ["owner"]),
    )
    return lead


def leads_handover(from_employee, to_employee, customer_ids, actor):
    """The handover step of a leaver (see ``customers.extensions``): all their open
    leads go to ``to_employee``. A handover of chosen customers moves no lead (leads
    belong to no customer). Runs inside the handover's transaction."""
    if customer_ids is not None:
        return 0
    leads = list(
        Lead.objects.select_for_update()
        .filter(owner=from_employee)
        .exclude(status=Lead.Status.CONVERTED)
        .order_by("pk")
    )
    reason = _("%(from)s 离职移交给 %(to)s") % {
        "from": from_employee.name,
        "to": to_employee.name,
    }
    rows = []
    for lead in leads:
        before = {"owner": audit.snapshot(lead, ["owner"])["owner"]}
        _set_owner(lead, to_employee)
        lead.assignment_rule = None
        lead.assignment_reason = reason
        lead.version += 1
        rows.append((lead.org_id, lead.pk, str(lead), before, audit.snapshot(lead, ["owner"])))
    Lead.objects.bulk_update(
        leads, ["owner", "owner_department", "assignment_rule", "assignment_reason", "version"]
    )
    _audit_owner_changes(actor, rows)
    indexing.index_leads([lead.pk for lead in leads])
    return len(leads)


def count_converted(customer_ids):
    """How many leads were converted into these customers (the merge preview)."""
    return Lead.with_deleted.filter(converted_customer_id__in=list(customer_ids)).count()


def move_converted(from_ids, survivor, actor):
    """A customer merge: leads converted into the merged-away customers now name the
    survivor. Runs inside the merge's transaction. Returns how many moved."""
    return Lead.with_deleted.filter(converted_customer_id__in=list(from_ids)).update(
        converted_customer=survivor
    )


# ---- conversion ----------------------------------------------------------------------------


class PossibleDuplicates(BusinessRuleError):
    """The new customer looks like existing ones: pick one of them, or confirm."""

    def __init__(self, matches, hidden):
        super().__init__(
            _("已有相似的客户：请选择已有客户，或确认不是重复客户后再转化。"),
            code="possible_duplicate",
        )
        self.matches = matches
        self.hidden = hidden


def new_customer_defaults(lead):
    """The customer a conversion makes when nothing else is said: the lead's company
    (or the person, when there is no company name) with its phone, e-mail and place."""
    values = {
        "name": lead.company_name or lead.contact_name,
        "phone": lead.phone or lead.mobile,
        "email": lead.email,
        "region": lead.region,
        "address": lead.address,
        "industry": lead.industry,
        "source": CUSTOMER_SOURCE.get(lead.source, ""),
        "is_person": not lead.company_name,
    }
    return {key: value for key, value in values.items() if value not in ("", None)}


def contact_defaults(lead):
    values = {
        "name": lead.contact_name,
        "title": lead.title,
        "mobile": lead.mobile,
        "office_phone": lead.phone,
        "email": lead.email,
    }
    return {key: value for key, value in values.items() if value}


def _existing_customer(actor, customer_id):
    try:
        pk = int(customer_id)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"customer": [_("客户编号无效。")]}) from exc
    customer = customer_selectors.customer_queryset(employee=actor).filter(pk=pk).first()
    if customer is None:
        raise ValidationError({"customer": [_("客户不存在或您无权查看。")]}, code="not_visible")
    return customer


def _prefixed(exc, prefix):
    """A service's field errors, each under ``prefix.field`` (the conversion's parts)."""
    if not hasattr(exc, "error_dict"):
        return ValidationError({prefix: exc.messages})
    return ValidationError(
        {f"{prefix}.{field}": errors for field, errors in exc.error_dict.items()}
    )


@transaction.atomic
def lead_convert(
    *,
    actor,
    lead,
    version=None,
    customer=None,
    new_customer=None,
    contact=None,
    opportunity=None,
    allow_duplicate=False,
):
    """Convert a lead in one step: into an existing customer (``customer``: its id, one
    the actor sees) or a new one (``new_customer``: customer fields over the lead's, see
    ``new_customer_defaults``), plus a contact (``contact``: contact fields over the
    lead's person), plus an opportunity when ``opportunity`` ({name, amount,
    expected_close_date}) is given. A new customer that looks like existing ones
    (phone, e-mail, name: the customers app's duplicate check) is refused with
    ``PossibleDuplicates`` (422, the matches named) unless ``allow_duplicate``.

    One transaction: when any part is refused nothing is written. The lead records what
    it became, becomes ``converted`` and is locked. Needs ``leads.edit`` and the
    customers' own permissions (``customers.create`` for a new one, ``contacts.create``,
    ``opportunities.create``). Locks the lead row first."""
    policy.require(actor, "leads.edit")
    lead = lock_for_update(Lead, lead.pk, expected_version=version)
    _require_visible(actor, lead)
    _ensure_editable(lead)
    if lead.status == Lead.Status.DISQUALIFIED:
        raise BusinessRuleError(_("无效线索不能转化，请先恢复其状态。"), code="lead_disqualified")
    if customer is not None and new_customer:
        raise ValidationError({"customer": [_("请选择已有客户或填写新客户，不能同时。")]})
    before = audit.snapshot(lead, AUDIT_FIELDS)
    if customer is not None:
        target = _existing_customer(actor, customer)
    else:
        values = {**new_customer_defaults(lead), **(new_customer or {})}
        if not allow_duplicate:
            matches, hidden = customer_selectors.duplicate_matches(
                employee=actor,
                name=values.get("name", ""),
                phone=values.get("phone", ""),
                email=values.get("email", ""),
            )
            if matches or hidden:
                raise PossibleDuplicates(matches, hidden)
        values.setdefault("lifecycle_stage", Customer.Lifecycle.POTENTIAL)
        name = values.pop("name", "")
        try:
            target = customer_services.customer_create(actor=actor, name=name, **values)
        except ValidationError as exc:
            raise _prefixed(exc, "new_customer") from exc
    person = {**contact_defaults(lead), **(contact or {})}
    try:
        made_contact = customer_services.contact_create(
            actor=actor, customer=target, name=person.pop("name", ""), **person
        )
    except ValidationError as exc:
        raise _prefixed(exc, "contact") from exc
    made_opportunity = None
    if opportunity is not None:
        made_opportunity = _create_opportunity(actor, target, made_contact, lead, opportunity)
    lead.status = Lead.Status.CONVERTED
    lead.converted_customer = target
    lead.converted_contact = made_contact
    if made_opportunity is not None:
        lead.converted_opportunity = made_opportunity
    lead.converted_at = timezone.now()
    lead.converted_by = actor
    bump_version(lead)
    lead.save()
    lead.refresh_from_db()
    indexing.index_leads([lead.pk])
    audit.record_change(
        actor=actor,
        instance=lead,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(lead, AUDIT_FIELDS),
    )
    return lead


def _create_opportunity(actor, customer, contact, lead, data):
    from guanxi.sales.opportunities.services import opportunity_create

    data = dict(data)
    name = _strip(data.pop("name", "")) or lead.display_name
    try:
        return opportunity_create(
            actor=actor,
            customer=customer,
            contact=contact,
            name=name,
            amount=data.get("amount"),
            expected_close_date=data.get("expected_close_date"),
            source=lead.source,
        )
    except ValidationError as exc:
        raise _prefixed(exc, "opportunity") from exc


# ---- scoring rules -------------------------------------------------------------------------

RULE_FIELDS = ("criterion", "value", "points", "is_active")


def _rules_changed(actor):
    """The scores follow the new rules: one recalculation job (not one per edit while
    one is still waiting to run)."""
    LeadSetup.objects.filter(org_id=actor.org_id).update(rules_changed_at=timezone.now())
    from guanxi.sales.leads import jobs

    jobs.rescore_start(actor=actor)


def _clean_rule(rule, errors):
    rule.value = (str(rule.value) if rule.value is not None else "").strip()
    if rule.criterion not in ScoringRule.Criterion.values:
        _add(errors, "criterion", _("请选择评分项。"))
    if not rule.value:
        _add(errors, "value", _("请填写取值。"))
    elif rule.criterion in scoring.ENGAGEMENT and scoring._count_value(rule.value) is None:
        _add(errors, "value", _("跟进和回应次数必须是整数。"))
    elif rule.criterion == ScoringRule.Criterion.SIZE and rule.value not in Lead.Size.values:
        _add(errors, "value", _("“%(code)s”不是有效的选项。") % {"code": rule.value})
    elif rule.criterion in ("industry", "source"):
        kind = selectors.DICTIONARY_KINDS[rule.criterion]
        if not DictionaryEntry.objects.filter(kind=kind, code=rule.value).exists():
            _add(errors, "value", _("“%(code)s”不是有效的选项。") % {"code": rule.value})
    if not isinstance(rule.points, int) or not -100 <= rule.points <= 100:
        _add(errors, "points", _("分值必须是 -100 到 100 之间的整数。"))
    duplicate = ScoringRule.objects.filter(criterion=rule.criterion, value=rule.value)
    if rule.pk:
        duplicate = duplicate.exclude(pk=rule.pk)
    if rule.value and duplicate.exists():
        _add(errors, "value", _("该评分项已有这个取值的规则。"))


@transaction.atomic
def scoring_rule_create(*, actor, criterion, value, points, is_active=True):
    policy.require(actor, "sales_setup.edit")
    scoring.ensure_defaults(actor.org_id)
    rule = ScoringRule(
        org_id=actor.org_id, criterion=criterion, value=value, points=points, is_active=is_active
    )
    errors: dict[str, list] = {}
    _clean_rule(rule, errors)
    _raise(errors)
    rule.save()
    audit.record_change(
        actor=actor,
        instance=rule,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(rule, RULE_FIELDS),
    )
    _rules_changed(actor)
    return rule


@transaction.atomic
def scoring_rule_update(*, actor, rule, **fields):
    policy.require(actor, "sales_setup.edit")
    _unknown(fields, RULE_FIELDS)
    rule = ScoringRule.objects.select_for_update().get(pk=rule.pk)
    before = audit.snapshot(rule, RULE_FIELDS)
    for field, value in fields.items():
        setattr(rule, field, value)
    errors: dict[str, list] = {}
    _clean_rule(rule, errors)
    _raise(errors)
    rule.save()
    audit.record_change(
        actor=actor,
        instance=rule,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(rule, RULE_FIELDS),
    )
    _rules_changed(actor)
    return rule


@transaction.atomic
def scoring_rule_delete(*, actor, rule):
    policy.require(actor, "sales_setup.edit")
    rule = ScoringRule.objects.select_for_update().get(pk=rule.pk)
    audit.record_change(
        actor=actor,
        instance=rule,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(rule, RULE_FIELDS),
    )
    rule.delete()
    _rules_changed(actor)


# ---- assignment rules ----------------------------------------------------------------------

ASSIGNMENT_FIELDS = (
    "name", "position", "is_active", "source", "region", "method", "department", "employee",
)  # fmt: skip


def _clean_assignment(actor, rule, errors):
    rule.name = (rule.name or "").strip()
    rule.region = (rule.region or "").strip()
    if not rule.name:
        _add(errors, "name", _("请填写规则名称。"))
    if rule.method == AssignmentRule.Method.ROUND_ROBIN:
        rule.employee = None
        department = rule.department
        if department is None:
            _add(errors, "department", _("轮流分配需要选择部门。"))
        elif not isinstance(department, Department) or department.org_id != actor.org_id:
            _add(errors, "department", _("引用的记录不属于本组织。"))
    elif rule.method == AssignmentRule.Method.EMPLOYEE:
        rule.department = None
        employee = rule.employee
        if employee is None:
            _add(errors, "employee", _("请选择员工。"))
        elif employee.org_id != actor.org_id or not employee.is_active:
            _add(errors, "employee", _("负责人必须是本组织的在职员工。"))
    else:
        _add(errors, "method", _("请选择分配方式。"))
    if (
        rule.source
        and not DictionaryEntry.objects.filter(kind="lead_source", code=rule.source).exists()
    ):
        _add(errors, "source", _("“%(code)s”不是有效的选项。") % {"code": rule.source})
    if not isinstance(rule.position, int) or not 0 <= rule.position <= 32767:
        _add(errors, "position", _("顺序必须是 0 到 32767 之间的整数。"))
    if len(rule.name) > 100:
        _add(errors, "name", _("规则名称不能超过 100 字。"))
    if len(rule.region) > 100:
        _add(errors, "region", _("地区不能超过 100 字。"))


@transaction.atomic
def assignment_rule_create(*, actor, **fields):
    policy.require(actor, "sales_setup.edit")
    _unknown(fields, ASSIGNMENT_FIELDS)
    rule = AssignmentRule(org_id=actor.org_id)
    for field, value in fields.items():
        setattr(rule, field, "" if value is None and field in ("source", "region") else value)
    errors: dict[str, list] = {}
    _clean_assignment(actor, rule, errors)
    _raise(errors)
    rule.save()
    audit.record_change(
        actor=actor,
        instance=rule,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(rule, ASSIGNMENT_FIELDS),
    )
    return rule


@transaction.atomic
def assignment_rule_update(*, actor, rule, **fields):
    policy.require(actor, "sales_setup.edit")
    _unknown(fields, ASSIGNMENT_FIELDS)
    rule = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    before = audit.snapshot(rule, ASSIGNMENT_FIELDS)
    previous_department_id = rule.department_id
    for field, value in fields.items():
        setattr(rule, field, "" if value is None and field in ("source", "region") else value)
    errors: dict[str, list] = {}
    _clean_assignment(actor, rule, errors)
    _raise(errors)
    if rule.department_id != previous_department_id:
        rule.last_assigned = None  # a new department starts its turns afresh
    rule.save()
    audit.record_change(
        actor=actor,
        instance=rule,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(rule, ASSIGNMENT_FIELDS),
    )
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor, rule):
    policy.require(actor, "sales_setup.edit")
    rule = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    audit.record_change(
        actor=actor,
        instance=rule,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(rule, ASSIGNMENT_FIELDS),
    )
    rule.delete()


def require_transfer_or_self(actor, owner):
    """Naming ``owner`` on a form: oneself is fine, anyone else needs ``leads.transfer``."""
    if owner is not None and owner != actor and not policy.can(actor, "leads.transfer"):
        raise PermissionDenied(_("把线索分配给其他人需要“线索 · 转移”权限。"))
