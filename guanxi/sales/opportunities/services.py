"""Every write to pipelines, stages and opportunities.

Each service checks the actor's function permission and data scope, validates
everything before writing, writes in one transaction and records the change in
the audit log. Moving an opportunity between stages always goes through
``_enter_stage``: it keeps ``status``, ``closed_on``, the probability and the
stage history in step.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import numbering, policy
from guanxi.orgs.models import DictionaryEntry, OrgSettings
from guanxi.sales import lines as document_lines
from guanxi.sales.opportunities import indexing
from guanxi.sales.opportunities.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    Opportunity,
    OpportunityLine,
    Pipeline,
    Stage,
    StageChange,
)

OPPORTUNITY_FIELDS = (
    "code", "name", "customer", "contact", "pipeline", "stage", "probability", "amount",
    "currency", "expected_close_date", "status", "lost_reason", "lost_note", "closed_on",
    "competitors", "next_step", "source", "description", "owner", "owner_department",
)  # fmt: skip
# what an edit may change (stage moves, winning and losing have their own services)
EDITABLE_FIELDS = (
    "name", "contact", "probability", "amount", "expected_close_date", "competitors",
    "next_step", "source", "description", "owner",
)  # fmt: skip
CENT = Decimal(1).scaleb(-MONEY_PLACES)
MAX_AMOUNT = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES)
COMPETITORS_MAX = 20
COMPETITOR_NAME = 100
COMPETITOR_NOTES = 500
CODE_ATTEMPTS = 20
SECONDS_PER_DAY = Decimal(86400)

# the pipeline a new org gets: (name, probability, kind)
DEFAULT_STAGES = (
    ("初步接洽", 10, Stage.Kind.OPEN),
    ("需求确认", 30, Stage.Kind.OPEN),
    ("方案报价", 50, Stage.Kind.OPEN),
    ("商务谈判", 70, Stage.Kind.OPEN),
    ("赢单", 100, Stage.Kind.WON),
    ("输单", 0, Stage.Kind.LOST),
)
DEFAULT_PIPELINE_NAME = "标准销售流程"


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _raise(errors):
    if errors:
        raise ValidationError(errors)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


# ---- pipelines ---------------------------------------------------------------------------


def ensure_default_pipeline(org_id):
    """The org's default pipeline, made with the standard stages on first use.

    Safe under concurrency: the partial unique constraint allows one default per
    org, and a loser of the race reads the winner's pipeline.
    """
    pipeline = Pipeline.objects.filter(org_id=org_id, is_default=True).first()
    if pipeline is not None:
        return pipeline
    try:
        with transaction.atomic():
            pipeline = Pipeline.objects.create(
                org_id=org_id, name=DEFAULT_PIPELINE_NAME, is_default=True
            )
            Stage.objects.bulk_create(
                Stage(
                    org_id=org_id,
                    pipeline=pipeline,
                    name=name,
                    position=position,
                    probability=probability,
                    kind=kind,
                )
                for position, (name, probability, kind) in enumerate(DEFAULT_STAGES)
            )
    except IntegrityError:
        pipeline = Pipeline.objects.filter(org_id=org_id, is_default=True).first()
        if pipeline is None:
            raise
    return pipeline


def seed_default_pipeline(*, org, admin):
    """A new org starts with its default pipeline (registered with ``orgs.on_org_created``)."""
    ensure_default_pipeline(org.pk)


def _ordered_stages(pipeline):
    return list(Stage.objects.filter(pipeline=pipeline).order_by("position", "id"))


def first_open_stage(pipeline):
    stage = (
        Stage.objects.filter(pipeline=pipeline, kind=Stage.Kind.OPEN, is_active=True)
        .order_by("position", "id")
        .first()
    )
    if stage is None:
        raise BusinessRuleError(_("该销售流程没有可用的阶段。"), code="no_stage")
    return stage


def closing_stage(pipeline, kind):
    """The pipeline's won or lost stage."""
    stage = Stage.objects.filter(pipeline=pipeline, kind=kind).order_by("position").first()
    if stage is None:
        raise BusinessRuleError(_("该销售流程缺少赢单或输单阶段。"), code="no_stage")
    return stage


def _check_stage_list(stages):
    """Stages in order: open ones first, then exactly one won and one lost stage, names
    unique and non-empty, probabilities 0..100. Returns the errors as a list."""
    problems = []
    kinds = [s["kind"] for s in stages]
    if kinds.count(Stage.Kind.WON) != 1 or kinds.count(Stage.Kind.LOST) != 1:
        problems.append(_("销售流程必须有且仅有一个赢单阶段和一个输单阶段。"))
    elif kinds[-2:] not in ([Stage.Kind.WON, Stage.Kind.LOST], [Stage.Kind.LOST, Stage.Kind.WON]):
        problems.append(_("赢单和输单阶段必须排在最后。"))
    if not any(s["kind"] == Stage.Kind.OPEN and s.get("is_active", True) for s in stages):
        problems.append(_("销售流程至少要有一个启用的进行中阶段。"))
    names = [s["name"] for s in stages]
    if any(not n for n in names):
        problems.append(_("阶段名称不能为空。"))
    elif len(set(names)) != len(names):
        problems.append(_("阶段名称不能重复。"))
    if any(len(n) > 60 for n in names):
        problems.append(_("阶段名称不能超过 60 个字。"))
    for s in stages:
        p = s["probability"]
        if not isinstance(p, int) or isinstance(p, bool) or not 0 <= p <= 100:
            problems.append(_("赢率必须是 0 到 100 之间的整数。"))
            break
    for s in stages:
        if s["kind"] != Stage.Kind.OPEN and not s.get("is_active", True):
            problems.append(_("赢单和输单阶段不能停用。"))
            break
    return problems


def _clean_stage_input(raw):
    """API/form stage dicts → normalised dicts (``id`` for an existing stage)."""
    if not isinstance(raw, list | tuple) or not raw:
        raise ValidationError({"stages": [_("请至少填写一个阶段。")]})
    if len(raw) > 30:
        raise ValidationError({"stages": [_("一个销售流程最多 30 个阶段。")]})
    cleaned = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValidationError({"stages": [_("阶段格式不正确。")]})
        kind = item.get("kind") or Stage.Kind.OPEN
        if kind not in Stage.Kind.values:
            raise ValidationError({"stages": [_("阶段类型不正确。")]})
        try:
            probability = int(item.get("probability", 0))
        except (TypeError, ValueError):
            raise ValidationError({"stages": [_("赢率必须是 0 到 100 之间的整数。")]}) from None
        pk = item.get("id")
        try:
            pk = int(pk) if pk not in (None, "") else None
        except (TypeError, ValueError):
            raise ValidationError({"stages": [_("阶段格式不正确。")]}) from None
        cleaned.append(
            {
                "id": pk,
                "name": (_strip(item.get("name")) or "")
                if isinstance(item.get("name"), str)
                else "",
                "probability": probability,
                "kind": kind,
                "is_active": bool(item.get("is_active", True)),
            }
        )
    problems = _check_stage_list(cleaned)
    if problems:
        raise ValidationError({"stages": problems})
    return cleaned


def _pipeline_snapshot(pipeline):
    return {
        "name": pipeline.name,
        "is_default": pipeline.is_default,
        "is_active": pipeline.is_active,
        "stages": [
            {"id": s.pk, "name": s.name, "probability": s.probability, "kind": s.kind,
             "is_active": s.is_active}
            for s in _ordered_stages(pipeline)
        ],
    }  # fmt: skip


def _check_pipeline_name(org_id, name, exclude_pk=None):
    if not name:
        raise ValidationError({"name": [_("请填写名称。")]})
    if len(name) > 60:
        raise ValidationError({"name": [_("名称不能超过 60 个字。")]})
    taken = Pipeline.objects.filter(org_id=org_id, name=name)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"name": [_("已有同名的销售流程。")]})


@transaction.atomic
def pipeline_create(*, actor, name, stages, is_default=False):
    """A new pipeline with its ``stages`` (dicts: name, probability, kind, is_active)."""
    policy.require(actor, "sales_setup.edit")
    ensure_default_pipeline(actor.org_id)
    name = _strip(name) or ""
    _check_pipeline_name(actor.org_id, name)
    cleaned = _clean_stage_input(stages)
    if any(s["id"] for s in cleaned):
        raise ValidationError({"stages": [_("阶段格式不正确。")]})
    order = (Pipeline.objects.aggregate(m=Max("sort_order"))["m"] or 0) + 1
    pipeline = Pipeline.objects.create(org_id=actor.org_id, name=name, sort_order=order)
    Stage.objects.bulk_create(
        Stage(org_id=actor.org_id, pipeline=pipeline, position=i, **_stage_fields(s))
        for i, s in enumerate(cleaned)
    )
    if is_default:
        _make_default(pipeline)
    audit.record_change(
        actor=actor,
        instance=pipeline,
        action=ChangeRecord.Action.CREATE,
        after=_pipeline_snapshot(pipeline),
    )
    return pipeline


def _stage_fields(s):
    return {k: s[k] for k in ("name", "probability", "kind", "is_active")}


def _make_default(pipeline):
    Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    Pipeline.objects.filter(pk=pipeline.pk).update(is_default=True, is_active=True)
    pipeline.is_default = True
    pipeline.is_active = True


@transaction.atomic
def pipeline_update(*, actor, pipeline, name=None, stages=None, is_default=None, is_active=None):
    """Rename, reorder, add, re-rate, deactivate or remove stages of ``pipeline``.

    ``stages`` is the whole new list in order: an item with ``id`` updates that stage,
    one without adds a stage, a stage left out is deleted — refused while any
    opportunity (deleted ones included) or history row uses it: deactivate it instead.
    A stage's kind cannot change once opportunities use it. Locks the pipeline row.
    """
    policy.require(actor, "sales_setup.edit")
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    before = _pipeline_snapshot(pipeline)
    if name is not None:
        name = _strip(name) or ""
        _check_pipeline_name(actor.org_id, name, exclude_pk=pipeline.pk)
        pipeline.name = name
    if is_active is not None:
        if not is_active and (pipeline.is_default or is_default):
            raise BusinessRuleError(_("默认销售流程不能停用。"), code="default_pipeline")
        pipeline.is_active = bool(is_active)
    if is_default is False and pipeline.is_default:
        raise BusinessRuleError(
            _("请把另一个销售流程设为默认，而不是取消默认。"), code="default_pipeline"
        )
    pipeline.save()
    if stages is not None:
        _replace_stages(actor, pipeline, _clean_stage_input(stages))
    if is_default:
        _make_default(pipeline)
    audit.record_change(
        actor=actor,
        instance=pipeline,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_pipeline_snapshot(pipeline),
    )
    return pipeline


def stage_in_use(stage_ids):
    """The ids among ``stage_ids`` that an opportunity or a history row refers to."""
    used = set(
        Opportunity.with_deleted.filter(stage_id__in=stage_ids).values_list("stage_id", flat=True)
    )
    used |= set(
        StageChange.objects.filter(to_stage_id__in=stage_ids).values_list("to_stage_id", flat=True)
    )
    used |= set(
        StageChange.objects.filter(from_stage_id__in=stage_ids).values_list(
            "from_stage_id", flat=True
        )
    )
    return used


def _replace_stages(actor, pipeline, cleaned):
    existing = {s.pk: s for s in _ordered_stages(pipeline)}
    wanted_ids = {s["id"] for s in cleaned if s["id"]}
    unknown = wanted_ids - set(existing)
    if unknown:
        raise ValidationError({"stages": [_("阶段不属于该销售流程。")]})
    removed = set(existing) - wanted_ids
    used = stage_in_use(removed | wanted_ids) if existing else set()
    blocked = removed & used
    if blocked:
        names = "、".join(existing[pk].name for pk in sorted(blocked))
        raise BusinessRuleError(
            _("阶段“%(names)s”已被商机使用，不能删除；可以停用它。") % {"names": names},
            code="stage_in_use",
        )
    for s in cleaned:
        if s["id"] and s["id"] in used and existing[s["id"]].kind != s["kind"]:
            raise BusinessRuleError(
                _("阶段“%(name)s”已被商机使用，不能更改类型。") % {"name": existing[s["id"]].name},
                code="stage_in_use",
            )
        if s["id"] and not s["is_active"] and s["id"] in used:
            open_here = Opportunity.objects.filter(
                stage_id=s["id"], status=Opportunity.Status.OPEN
            ).exists()
            if open_here:
                raise BusinessRuleError(
                    _("阶段“%(name)s”中还有进行中的商机，请先移走它们再停用。")
                    % {"name": existing[s["id"]].name},
                    code="stage_in_use",
                )
    Stage.objects.filter(pk__in=removed).delete()
    # positions move out of the way first: names are unique per pipeline
    Stage.objects.filter(pipeline=pipeline).update(position=0)
    for pk in wanted_ids:
        # a name no user can type (a control character; PostgreSQL refuses NUL in text)
        Stage.objects.filter(pk=pk).update(name=f"\x01{pk}")
    new = []
    for position, s in enumerate(cleaned):
        if s["id"]:
            Stage.objects.filter(pk=s["id"]).update(position=position, **_stage_fields(s))
        else:
            new.append(
                Stage(org_id=actor.org_id, pipeline=pipeline, position=position, **_stage_fields(s))
            )
    Stage.objects.bulk_create(new)


def pipeline_for(actor, pipeline):
    """The pipeline an opportunity is created in: the given one (active, this org) or the
    default one."""
    if pipeline is None:
        return ensure_default_pipeline(actor.org_id)
    if pipeline.org_id != actor.org_id:
        raise ValidationError({"pipeline": [_("引用的记录不属于本组织。")]})
    if not pipeline.is_active:
        raise ValidationError({"pipeline": [_("该销售流程已停用。")]})
    return pipeline


# ---- field cleaning ------------------------------------------------------------------------


def _clean_amount(value, errors):
    if value in (None, ""):
        return Decimal(0)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        _add(errors, "amount", _("请输入有效的金额。"))
        return Decimal(0)
    if not amount.is_finite():
        _add(errors, "amount", _("请输入有效的金额。"))
        return Decimal(0)
    if amount < 0:
        _add(errors, "amount", _("金额不能为负数。"))
    elif amount.quantize(CENT, rounding=ROUND_HALF_UP) >= MAX_AMOUNT:
        _add(errors, "amount", _("金额过大。"))
    return amount.quantize(CENT, rounding=ROUND_HALF_UP) if amount.is_finite() else Decimal(0)


def _clean_probability(value, errors):
    try:
        probability = int(value)
        if isinstance(value, float | Decimal) and probability != value:
            raise ValueError
    except (TypeError, ValueError):
        _add(errors, "probability", _("赢率必须是 0 到 100 之间的整数。"))
        return 0
    if not 0 <= probability <= 100:
        _add(errors, "probability", _("赢率必须是 0 到 100 之间的整数。"))
        return 0
    return probability


def _clean_date(value, field, errors):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        _add(errors, field, _("请输入有效的日期。"))
        return None


def clean_competitors(value, errors):
    """``[{"name", "notes"}]``: names required and unique, at most 20."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        _add(errors, "competitors", _("竞争对手必须是列表。"))
        return []
    cleaned, seen = [], set()
    for item in value:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            _add(errors, "competitors", _("竞争对手格式不正确。"))
            return []
        name = _strip(item.get("name")) if isinstance(item.get("name"), str) else ""
        notes = _strip(item.get("notes")) if isinstance(item.get("notes"), str) else ""
        if not name:
            if notes:
                _add(errors, "competitors", _("请填写竞争对手名称。"))
                return []
            continue
        if len(name) > COMPETITOR_NAME or len(notes) > COMPETITOR_NOTES:
            _add(
                errors,
                "competitors",
                _("竞争对手名称不超过 %(name)d 字，说明不超过 %(notes)d 字。")
                % {"name": COMPETITOR_NAME, "notes": COMPETITOR_NOTES},
            )
            return []
        if name in seen:
            continue
        seen.add(name)
        cleaned.append({"name": name, "notes": notes})
    if len(cleaned) > COMPETITORS_MAX:
        _add(errors, "competitors", _("最多 %(n)d 个竞争对手。") % {"n": COMPETITORS_MAX})
    return cleaned


def _check_customer(actor, customer, errors):
    if (
        customer is None
        or customer.org_id != actor.org_id
        or customer.deleted_at is not None
        or not policy.can_see_record(actor, "customers", customer, department="department")
    ):
        _add(errors, "customer", _("客户不存在或您无权访问。"))
        return False
    return True


def _check_contact(contact, customer, errors):
    if contact is not None and (
        contact.customer_id != getattr(customer, "pk", None) or contact.deleted_at is not None
    ):
        _add(errors, "contact", _("联系人必须属于所选客户。"))


def _check_owner(actor, owner, errors):
    if owner is not None and (owner.org_id != actor.org_id or not owner.is_active):
        _add(errors, "owner", _("负责人必须是本组织的在职员工。"))


def _check_lost_reason(code, errors, *, required=True):
    if not code:
        if required:
            _add(errors, "lost_reason", _("请选择输单原因。"))
        return
    if not DictionaryEntry.objects.filter(kind="lost_reason", code=code, is_active=True).exists():
        _add(errors, "lost_reason", _("“%(code)s”不是有效的选项。") % {"code": code})


def _assign_code(actor, opportunity):
    for _attempt in range(CODE_ATTEMPTS):
        code = numbering.next_code(org_id=actor.org_id, target="opportunity")
        if not Opportunity.with_deleted.filter(code=code).exists():
            opportunity.code = code
            return
    raise BusinessRuleError(_("无法生成商机编号，请检查编号规则。"), code="numbering_exhausted")


def require_visible(actor, opportunity):
    """404 unless ``opportunity`` is in the actor's data scope."""
    if not policy.can_see_record(actor, "opportunities", opportunity):
        raise Http404


def _org_values(org_id):
    """``(currency, price_places)`` of the org's system parameters."""
    row = (
        OrgSettings.objects.filter(org_id=org_id).values_list("currency", "price_decimals").first()
    )
    return row or ("CNY", 6)


def _clean_lines(raw, org_id, errors, *, allowed_inactive=()):
    """Validated ``LineInput``s (amounts to the opportunity's 2 places), or None after
    recording the errors."""
    try:
        return document_lines.clean_lines(
            raw,
            org_id=org_id,
            places=MONEY_PLACES,
            price_places=_org_values(org_id)[1],
            required=False,
            allowed_inactive=allowed_inactive,
        )
    except ValidationError as exc:
        errors.setdefault("lines", []).extend(exc.message_dict.get("lines", exc.messages))
        return None


def _store_lines(opportunity, inputs):
    """Replace the lines; with lines, the amount is their total (价税合计)."""
    totals = document_lines.replace_lines(
        document=opportunity,
        line_model=OpportunityLine,
        fk_name="opportunity",
        inputs=inputs,
        places=MONEY_PLACES,
    )
    if inputs:
        opportunity.amount = totals.total
    return totals


# ---- stage history -----------------------------------------------------------------------


def _days_between(start, end):
    if start is None:
        return None
    seconds = Decimal(max((end - start).total_seconds(), 0))
    return (seconds / SECONDS_PER_DAY).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _record_move(opportunity, from_stage, from_status, actor, now, previous_entered):
    return StageChange.objects.create(
        org_id=opportunity.org_id,
        opportunity=opportunity,
        from_stage=from_stage,
        to_stage_id=opportunity.stage_id,
        from_status=from_status,
        to_status=opportunity.status,
        probability=opportunity.probability,
        amount=opportunity.amount,
        actor=actor,
        changed_at=now,
        days_in_previous=_days_between(previous_entered, now) if from_stage else None,
    )


# ---- opportunities -------------------------------------------------------------------------


@transaction.atomic
def opportunity_create(
    *,
    actor,
    customer,
    name,
    amount=None,
    expected_close_date=None,
    owner=None,
    contact=None,
    pipeline=None,
    stage=None,
    source="",
    next_step="",
    lines=None,
    probability=None,
    competitors=None,
    description="",
):
    """Create an opportunity for ``customer``.

    ``pipeline``/``stage`` default to the org's default pipeline's first open stage
    (the default pipeline is made on first use); ``probability`` defaults to the
    stage's; ``owner`` defaults to the actor (someone else needs
    ``opportunities.transfer``) and ``owner_department`` is the owner's department.
    ``lines`` (API names: product, quantity, unit_price, discount, tax_rate,
    description) make the amount their total (an ``amount`` given too must match).
    Creating straight into the won or lost stage is refused (win or lose it after).
    The customer moves on in its lifecycle (event ``opportunity``: target or
    potential → opportunity customer). Locks the customer row (lifecycle event).
    """
    policy.require(actor, "opportunities.create")
    errors: dict[str, list] = {}
    name = _strip(name) or ""
    if not name:
        _add(errors, "name", _("请填写商机名称。"))
    elif len(name) > 200:
        _add(errors, "name", _("商机名称不能超过 200 个字。"))
    _check_customer(actor, customer, errors)
    _check_contact(contact, customer, errors)
    owner = actor if owner is None else owner
    _check_owner(actor, owner, errors)
    if owner.pk != actor.pk and not policy.can(actor, "opportunities.transfer"):
        raise PermissionDenied(_("把商机分配给其他人需要“商机 · 转移”权限。"))
    pipeline = pipeline_for(actor, pipeline)
    if stage is None:
        stage = first_open_stage(pipeline)
    elif stage.pipeline_id != pipeline.pk or not stage.is_active:
        _add(errors, "stage", _("阶段不属于所选销售流程或已停用。"))
    elif stage.kind != Stage.Kind.OPEN:
        _add(errors, "stage", _("新商机不能直接处于赢单或输单阶段。"))
    amount_value = _clean_amount(amount, errors)
    probability_value = (
        stage.probability if probability in (None, "") else _clean_probability(probability, errors)
    )
    close_date = _clean_date(expected_close_date, "expected_close_date", errors)
    competitor_list = clean_competitors(competitors, errors)
    source = (_strip(source) or "")[:40]
    next_step = _strip(next_step) or ""
    if len(next_step) > 200:
        _add(errors, "next_step", _("下一步不能超过 200 个字。"))
    line_inputs = _clean_lines(lines, actor.org_id, errors) if lines else []
    if line_inputs and amount not in (None, ""):
        total = document_lines.compute_totals(line_inputs, MONEY_PLACES).total
        if amount_value != total:
            _add(errors, "amount", _("该商机有产品明细，金额由明细合计得出。"))
    _raise(errors)
    now = timezone.now()
    opportunity = Opportunity(
        org_id=actor.org_id,
        name=name,
        customer=customer,
        contact=contact,
        pipeline=pipeline,
        stage=stage,
        probability=probability_value,
        amount=amount_value,
        currency=_org_values(actor.org_id)[0],
        expected_close_date=close_date,
        competitors=competitor_list,
        next_step=next_step,
        source=source,
        description=_strip(description) or "",
        owner=owner,
        owner_department_id=owner.department_id,
        stage_entered_at=now,
    )
    _assign_code(actor, opportunity)
    opportunity.save()
    if line_inputs:
        _store_lines(opportunity, line_inputs)
        opportunity.save(update_fields=["amount"])
    _record_move(opportunity, None, "", actor, now, None)
    indexing.index_opportunities([opportunity.pk])
    audit.record_change(
        actor=actor,
        instance=opportunity,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(opportunity, OPPORTUNITY_FIELDS),
    )
    from guanxi.customers.services import lifecycle_event

    lifecycle_event(customer=customer, event="opportunity", actor=actor)
    return opportunity


def _locked(actor, opportunity, version, *, action="opportunities.edit"):
    policy.require(actor, action)
    locked = lock_for_update(Opportunity, opportunity.pk, expected_version=version)
    require_visible(actor, locked)
    return locked


def _bump(opportunity, now):
    opportunity.version += 1
    opportunity.updated_at = now


def _enter_stage(actor, opportunity, stage, *, probability=None, lost_reason="", lost_note=""):
    """Move the (locked) opportunity into ``stage``: status from the stage's kind, the
    probability from the stage unless given, ``closed_on`` when it closes, a history
    row with the days it spent in the stage it leaves. Does not save."""
    now = timezone.now()
    from_stage, from_status = opportunity.stage, opportunity.status
    previous_entered = opportunity.stage_entered_at
    opportunity.stage = stage
    opportunity.stage_entered_at = now
    opportunity.probability = stage.probability if probability is None else probability
    opportunity.status = {
        Stage.Kind.OPEN: Opportunity.Status.OPEN,
        Stage.Kind.WON: Opportunity.Status.WON,
        Stage.Kind.LOST: Opportunity.Status.LOST,
    }[stage.kind]
    if opportunity.status == Opportunity.Status.OPEN:
        opportunity.closed_on = None
        opportunity.lost_reason = ""
        opportunity.lost_note = ""
    else:
        opportunity.closed_on = timezone.localdate(now)
        opportunity.lost_reason = lost_reason if stage.kind == Stage.Kind.LOST else ""
        opportunity.lost_note = lost_note if stage.kind == Stage.Kind.LOST else ""
    _bump(opportunity, now)
    return from_stage, from_status, previous_entered, now


def _lost_event(actor, opportunity):
    """The customer is told a deal was lost, unless it still has other open deals."""
    others = (
        Opportunity.objects.filter(customer_id=opportunity.customer_id, status="open")
        .exclude(pk=opportunity.pk)
        .exists()
    )
    if not others:
        from guanxi.customers.services import lifecycle_event

        lifecycle_event(customer=opportunity.customer, event="deal_lost", actor=actor)


@transaction.atomic
def opportunity_update(*, actor, opportunity, version=None, lines=None, **fields):
    """Edit an opportunity in the actor's data scope (``version``: the one the editor
    loaded; a stale one is refused, 409). Only ``EDITABLE_FIELDS``; a new owner needs
    ``opportunities.transfer`` and brings the owner's department along. ``lines``
    (a list, possibly empty) replaces the product lines; while the opportunity has
    lines, its amount is their total and cannot be typed."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({f: [_("未知字段。")] for f in unknown}, code="unknown_field")
    opportunity = _locked(actor, opportunity, version)
    before = audit.snapshot(opportunity, OPPORTUNITY_FIELDS)
    errors: dict[str, list] = {}
    if "name" in fields:
        name = _strip(fields["name"]) or ""
        if not name:
            _add(errors, "name", _("请填写商机名称。"))
        elif len(name) > 200:
            _add(errors, "name", _("商机名称不能超过 200 个字。"))
        opportunity.name = name
    if "contact" in fields:
        _check_contact(fields["contact"], opportunity.customer, errors)
        opportunity.contact = fields["contact"]
    if "probability" in fields:
        opportunity.probability = _clean_probability(fields["probability"], errors)
        if opportunity.status != Opportunity.Status.OPEN and (
            opportunity.probability != before["probability"]
        ):
            _add(errors, "probability", _("已赢单或输单的商机不能修改赢率。"))
    line_inputs = None
    if lines is not None:
        kept = list(opportunity.lines.values_list("product_id", flat=True))
        line_inputs = _clean_lines(lines, actor.org_id, errors, allowed_inactive=kept)
    with_lines = bool(line_inputs) if lines is not None else has_lines(opportunity)
    if "amount" in fields:
        amount = _clean_amount(fields["amount"], errors)
        if with_lines:
            expected = (
                opportunity.amount
                if line_inputs is None
                else document_lines.compute_totals(line_inputs, MONEY_PLACES).total
            )
            if amount != expected:
                _add(errors, "amount", _("该商机有产品明细，金额由明细合计得出。"))
        opportunity.amount = amount
    if "expected_close_date" in fields:
        opportunity.expected_close_date = _clean_date(
            fields["expected_close_date"], "expected_close_date", errors
        )
    if "competitors" in fields:
        opportunity.competitors = clean_competitors(fields["competitors"], errors)
    if "next_step" in fields:
        opportunity.next_step = _strip(fields["next_step"]) or ""
        if len(opportunity.next_step) > 200:
            _add(errors, "next_step", _("下一步不能超过 200 个字。"))
    if "source" in fields:
        opportunity.source = (_strip(fields["source"]) or "")[:40]
    if "description" in fields:
        opportunity.description = _strip(fields["description"]) or ""
    if "owner" in fields and fields["owner"] != opportunity.owner:
        policy.require(actor, "opportunities.transfer")
        _check_owner(actor, fields["owner"], errors)
        opportunity.owner = fields["owner"]
        opportunity.owner_department_id = getattr(fields["owner"], "department_id", None)
    _raise(errors)
    lines_before = _lines_snapshot(opportunity) if lines is not None else None
    if line_inputs is not None:
        _store_lines(opportunity, line_inputs)
    after = audit.snapshot(opportunity, OPPORTUNITY_FIELDS)
    if lines is not None:
        before["lines"] = lines_before
        after["lines"] = _lines_snapshot(opportunity)
    if after == before:
        return opportunity
    _bump(opportunity, timezone.now())
    opportunity.save()
    if after["name"] != before["name"] or after["owner"] != before["owner"]:
        indexing.index_opportunities([opportunity.pk])
    audit.record_change(
        actor=actor,
        instance=opportunity,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=after,
    )
    return opportunity


def has_lines(opportunity):
    return opportunity.pk is not None and opportunity.lines.exists()


def _lines_snapshot(opportunity):
    return [
        f"{line.product_id}×{document_lines.plain(line.quantity)}"
        f"@{document_lines.plain(line.unit_price)}-{document_lines.plain(line.discount)}%"
        f"+{document_lines.plain(line.tax_rate)}%"
        for line in OpportunityLine.objects.filter(opportunity=opportunity).order_by("position")
    ]


@transaction.atomic
def opportunity_move(
    *, actor, opportunity, stage, version=None, probability=None, lost_reason="", lost_note=""
):
    """Move ``opportunity`` to ``stage`` of its pipeline (the kanban drop, the stage path
    bar, ``POST …/move``). The won stage wins it, the lost stage loses it (a
    ``lost_reason`` from the dictionary is required); moving a won or lost one back to an
    open stage reopens it. Each move is a history row. Moving to the stage it is in
    changes nothing. Locks the opportunity row, then the customer's (lost event)."""
    opportunity = _locked(actor, opportunity, version)
    errors: dict[str, list] = {}
    if stage is None or stage.pipeline_id != opportunity.pipeline_id:
        raise ValidationError({"stage": [_("阶段不属于该商机的销售流程。")]})
    if not stage.is_active and stage.pk != opportunity.stage_id:
        raise ValidationError({"stage": [_("该阶段已停用。")]})
    if probability not in (None, ""):
        probability = _clean_probability(probability, errors)
        if stage.kind != Stage.Kind.OPEN and probability != stage.probability:
            _add(errors, "probability", _("赢单和输单阶段的赢率不能修改。"))
    else:
        probability = None
    lost_reason = _strip(lost_reason) or ""
    lost_note = (_strip(lost_note) or "")[:500]
    if stage.kind == Stage.Kind.LOST:
        _check_lost_reason(lost_reason, errors)
    _raise(errors)
    if stage.pk == opportunity.stage_id:
        return opportunity
    before = audit.snapshot(opportunity, OPPORTUNITY_FIELDS)
    moved = _enter_stage(
        actor, opportunity, stage, probability=probability, lost_reason=lost_reason,
        lost_note=lost_note,
    )  # fmt: skip
    from_status = moved[1]
    opportunity.save()
    _record_move(opportunity, moved[0], from_status, actor, moved[3], moved[2])
    audit.record_change(
        actor=actor,
        instance=opportunity,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(opportunity, OPPORTUNITY_FIELDS),
    )
    if opportunity.status == Opportunity.Status.LOST and from_status != Opportunity.Status.LOST:
        _lost_event(actor, opportunity)
    return opportunity


def opportunity_win(*, actor, opportunity, version=None):
    """Win it: move to its pipeline's won stage."""
    stage = closing_stage(opportunity.pipeline_id, Stage.Kind.WON)
    if opportunity.status == Opportunity.Status.WON:
        raise BusinessRuleError(_("该商机已经赢单。"), code="already_won")
    return opportunity_move(actor=actor, opportunity=opportunity, stage=stage, version=version)


def opportunity_lose(*, actor, opportunity, lost_reason, lost_note="", version=None):
    """Lose it: move to its pipeline's lost stage, with a reason."""
    stage = closing_stage(opportunity.pipeline_id, Stage.Kind.LOST)
    if opportunity.status == Opportunity.Status.LOST:
        raise BusinessRuleError(_("该商机已经输单。"), code="already_lost")
    return opportunity_move(
        actor=actor, opportunity=opportunity, stage=stage, version=version,
        lost_reason=lost_reason, lost_note=lost_note,
    )  # fmt: skip


def opportunity_reopen(*, actor, opportunity, stage=None, version=None):
    """Reopen a won or lost opportunity into ``stage`` (default: the last open stage it
    was in before closing, else the first open stage)."""
    if opportunity.status == Opportunity.Status.OPEN:
        raise BusinessRuleError(_("该商机仍在进行中。"), code="not_closed")
    if stage is None:
        last = (
            StageChange.objects.filter(
                opportunity_id=opportunity.pk,
                to_stage__kind=Stage.Kind.OPEN,
                to_stage__is_active=True,
            )
            .select_related("to_stage")
            .order_by("-changed_at", "-id")
            .first()
        )
        stage = last.to_stage if last else first_open_stage(opportunity.pipeline_id)
    elif stage.kind != Stage.Kind.OPEN:
        raise ValidationError({"stage": [_("请选择一个进行中的阶段。")]})
    return opportunity_move(actor=actor, opportunity=opportunity, stage=stage, version=version)


@transaction.atomic
def opportunity_delete(*, actor, opportunity, version=None):
    """Move an opportunity to the recycle bin (``opportunity_restore`` brings it back)."""
    opportunity = _locked(actor, opportunity, version, action="opportunities.delete")
    now = timezone.now()
    Opportunity.with_deleted.filter(pk=opportunity.pk).update(
        deleted_at=now, version=opportunity.version + 1, updated_at=now
    )
    indexing.unindex_opportunities([opportunity.pk])
    audit.record_change(
        actor=actor,
        instance=opportunity,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(opportunity, OPPORTUNITY_FIELDS),
    )


@transaction.atomic
def opportunity_restore(*, actor, opportunity):
    policy.require(actor, "opportunities.delete")
    opportunity = Opportunity.with_deleted.select_for_update().get(pk=opportunity.pk)
    require_visible(actor, opportunity)
    if opportunity.deleted_at is None:
        raise BusinessRuleError(_("该商机不在回收站中。"), code="not_deleted")
    if opportunity.customer.deleted_at is not None:
        raise BusinessRuleError(_("该商机的客户已删除，请先恢复客户。"), code="customer_deleted")
    deleted_at = opportunity.deleted_at
    now = timezone.now()
    Opportunity.with_deleted.filter(pk=opportunity.pk).update(
        deleted_at=None, version=opportunity.version + 1, updated_at=now
    )
    opportunity.refresh_from_db()
    indexing.index_opportunities([opportunity.pk])
    audit.record_change(
        actor=actor,
        instance=opportunity,
        action=ChangeRecord.Action.UPDATE,
        before={"deleted_at": deleted_at.isoformat()},
        after={"deleted_at": None},
    )
    return opportunity


@transaction.atomic
def pipeline_delete(*, actor, pipeline):
    """Delete a pipeline nobody uses: never the default one, never one with opportunities
    (deleted ones included) — deactivate it instead."""
    policy.require(actor, "sales_setup.edit")
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    if pipeline.is_default:
        raise BusinessRuleError(_("默认销售流程不能删除。"), code="default_pipeline")
    if Opportunity.with_deleted.filter(pipeline=pipeline).exists():
        raise BusinessRuleError(
            _("该销售流程已有商机，不能删除；可以停用它。"), code="pipeline_in_use"
        )
    before = _pipeline_snapshot(pipeline)
    audit.record_change(
        actor=actor, instance=pipeline, action=ChangeRecord.Action.DELETE, before=before
    )
    pipeline.delete()
