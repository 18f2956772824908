"""Every write of commissions: rules (sales setup) and statements.

Rules take ``sales_setup.edit``. Statements are owned records of module ``commissions``
(owner = the employee the statement is for): generating takes ``commissions.create``,
recomputing, adjusting and submitting ``commissions.edit``, deleting
``commissions.delete``; the employee must be in the actor's data scope.

The life of a statement::

    draft ──submit──▶ pending ──approved──▶ approved (locked: no recompute, edit, delete)
      ▲                  │
      └──── rejected / withdrawn

Submitting goes through the approvals engine (document type ``commission_statement``).
When no approval flow of the org matches, an employee holding ``commissions.approve``
approves it directly; anyone else is refused (an unchecked statement must not lock
itself). Each statement write locks the statement row (``select_for_update``).
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.catalog.models import ProductLine
from guanxi.core.errors import BusinessRuleError
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import policy
from guanxi.orgs.models import Employee, OrgSettings, Role
from guanxi.sales.commissions import calculation, selectors
from guanxi.sales.commissions.models import (
    Basis,
    CommissionLine,
    CommissionRule,
    CommissionStatement,
    CommissionTier,
)
from guanxi.workspace.approvals import registry as approvals_registry
from guanxi.workspace.approvals import services as approvals
from guanxi.workspace.approvals.models import ApprovalRequest

DOCUMENT = "commission_statement"
MODULE = selectors.MODULE
SETUP = selectors.SETUP
MAX_TIERS = 20
MAX_AMOUNT = Decimal("99999999999999")
RULE_AUDIT = (
    "name", "active", "basis", "applies_to", "role", "employees", "product_line",
    "valid_from", "valid_to", "notes",
)  # fmt: skip
STATEMENT_AUDIT = (
    "owner", "period", "status", "base_total", "commission_total", "adjustment_total",
    "total", "notes",
)  # fmt: skip
Status = CommissionStatement.Status


# ---- helpers -------------------------------------------------------------------------------


def money_settings(org_id) -> tuple[int, str]:
    """``(decimal places, base currency)`` of the org (contract decimals)."""
    found = (
        OrgSettings.objects.filter(org_id=org_id)
        .values_list("contract_decimals", "currency")
        .first()
    )
    return (found[0], found[1]) if found else (2, "CNY")


def _decimal(value, field, errors, *, label_empty=None):
    if isinstance(value, bool) or value is None or str(value).strip() == "":
        errors.setdefault(field, []).append(label_empty or _("请填写数字。"))
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        errors.setdefault(field, []).append(_("必须是数字。"))
        return None
    return number


def _date(value, field, errors, *, required):
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(_("请填写日期。"))
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.setdefault(field, []).append(_("请填写有效的日期（如 2026-12-31）。"))
        return None


def _text(value, field, limit, errors, *, required=False):
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.setdefault(field, []).append(_("此项必填。"))
    if len(text) > limit:
        errors.setdefault(field, []).append(_("不能超过 %(n)s 字。") % {"n": limit})
    return text


def _raise(errors):
    if errors:
        raise ValidationError(errors)


def _pk(value):
    pk = getattr(value, "pk", value)
    try:
        return int(pk) if pk not in (None, "") else None
    except (TypeError, ValueError):
        return -1


# ---- rules ---------------------------------------------------------------------------------


def clean_tiers(raw, errors, places) -> list[tuple[Decimal, Decimal]]:
    """``[(from_amount, rate)]`` from ``[{"from_amount", "rate"}]``: at least one, the
    first from 0, each start above the one before, rates 0–100."""
    rows = list(raw or [])
    if not rows:
        errors.setdefault("tiers", []).append(_("至少需要一档比例。"))
        return []
    if len(rows) > MAX_TIERS:
        errors.setdefault("tiers", []).append(_("最多 %(n)s 档。") % {"n": MAX_TIERS})
        return []
    tiers: list[tuple[Decimal, Decimal]] = []
    bad = False
    for index, row in enumerate(rows, start=1):
        row = row if isinstance(row, dict) else {}
        local: dict[str, list] = {}
        start = _decimal(row.get("from_amount", "0" if index == 1 else None), "f", local)
        rate = _decimal(row.get("rate"), "r", local)
        if local or start is None or rate is None:
            errors.setdefault("tiers", []).append(
                _("第 %(n)s 档：起点金额和比例都必须是数字。") % {"n": index}
            )
            bad = True
            continue
        if rate < 0 or rate > 100:
            errors.setdefault("tiers", []).append(
                _("第 %(n)s 档：比例必须在 0 到 100 之间。") % {"n": index}
            )
            bad = True
        if start < 0 or start > MAX_AMOUNT:
            errors.setdefault("tiers", []).append(_("第 %(n)s 档：起点金额无效。") % {"n": index})
            bad = True
        tiers.append((calculation.quantize(start, places), rate.quantize(Decimal("0.0001"))))
    if bad:
        return []
    if tiers[0][0] != 0:
        errors.setdefault("tiers", []).append(_("第一档的起点金额必须是 0。"))
    for index in range(1, len(tiers)):
        if tiers[index][0] <= tiers[index - 1][0]:
            errors.setdefault("tiers", []).append(
                _("第 %(n)s 档的起点金额必须大于上一档。") % {"n": index + 1}
            )
    return tiers


def _same_scope_overlaps(rule_id, data, employee_ids):
    """Other active rules with the same scope (who + product line) and overlapping dates."""
    qs = CommissionRule.objects.filter(
        active=True,
        applies_to=data["applies_to"],
        product_line_id=data["product_line_id"],
        valid_from__lte=data["valid_to"] or datetime.date.max,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=data["valid_from"]))
    if rule_id:
        qs = qs.exclude(pk=rule_id)
    if data["applies_to"] == CommissionRule.AppliesTo.ROLE:
        qs = qs.filter(role_id=data["role_id"])
    elif data["applies_to"] == CommissionRule.AppliesTo.EMPLOYEES:
        qs = qs.filter(employees__in=employee_ids).distinct()
    return list(qs.values_list("name", flat=True)[:3])


def _clean_rule(actor, rule, raw, places):
    """Validated rule fields + employees + tiers from ``raw`` (merged over ``rule``)."""
    errors: dict[str, list] = {}

    def pick(name, default=None):
        if name in raw:
            return raw[name]
        return default

    current_employees = list(rule.employees.values_list("pk", flat=True)) if rule else []
    data: dict[str, Any] = {
        "name": _text(pick("name", rule.name if rule else ""), "name", 100, errors, required=True),
        "notes": _text(pick("notes", rule.notes if rule else ""), "notes", 500, errors),
        "active": bool(pick("active", rule.active if rule else True)),
    }
    basis = pick("basis", rule.basis if rule else None)
    if basis not in Basis.values:
        errors.setdefault("basis", []).append(_("请选择计提基数。"))
    data["basis"] = basis
    applies_to = pick("applies_to", rule.applies_to if rule else CommissionRule.AppliesTo.ALL)
    if applies_to not in CommissionRule.AppliesTo.values:
        errors.setdefault("applies_to", []).append(_("请选择适用对象。"))
    data["applies_to"] = applies_to

    role_id = _pk(pick("role", rule.role_id if rule else None))
    data["role_id"] = None
    if applies_to == CommissionRule.AppliesTo.ROLE:
        if not role_id or not Role.objects.filter(pk=role_id).exists():
            errors.setdefault("role", []).append(_("请选择本组织的角色。"))
        else:
            data["role_id"] = role_id

    employee_ids: list[int] = []
    if applies_to == CommissionRule.AppliesTo.EMPLOYEES:
        raw_employees = pick("employees", current_employees) or []
        if not isinstance(raw_employees, list | tuple | set):
            raw_employees = [raw_employees]
        wanted = {_pk(value) for value in raw_employees} - {None}
        found = set(Employee.objects.filter(pk__in=wanted - {-1}).values_list("pk", flat=True))
        if not wanted:
            errors.setdefault("employees", []).append(_("请至少选择一名员工。"))
        elif found != wanted:
            errors.setdefault("employees", []).append(_("请选择本组织的员工。"))
        employee_ids = sorted(found)

    line_id = _pk(pick("product_line", rule.product_line_id if rule else None))
    data["product_line_id"] = None
    if line_id:
        if not ProductLine.objects.filter(pk=line_id).exists():
            errors.setdefault("product_line", []).append(_("请选择本组织的产品线。"))
        else:
            data["product_line_id"] = line_id

    data["valid_from"] = _date(
        pick("valid_from", rule.valid_from if rule else None), "valid_from", errors, required=True
    )
    data["valid_to"] = _date(
        pick("valid_to", rule.valid_to if rule else None), "valid_to", errors, required=False
    )
    if data["valid_from"] and data["valid_to"] and data["valid_to"] < data["valid_from"]:
        errors.setdefault("valid_to", []).append(_("失效日期不能早于生效日期。"))

    if "tiers" in raw or rule is None:
        tiers = clean_tiers(raw.get("tiers"), errors, places)
    else:
        tiers = [(tier.from_amount, tier.rate) for tier in rule.tiers.all()]
    _raise(errors)

    if data["active"]:
        clashes = _same_scope_overlaps(rule.pk if rule else None, data, employee_ids)
        if clashes:
            raise ValidationError(
                {
                    "valid_from": [
                        _("与同一适用范围的启用规则“%(names)s”有效期重叠。")
                        % {"names": "、".join(clashes)}
                    ]
                }
            )
    return data, employee_ids, tiers


def _rule_snapshot(rule):
    snap = audit.snapshot(rule, RULE_AUDIT)
    snap["tiers"] = [f"{tier.from_amount}:{tier.rate}" for tier in rule.tiers.all()]
    return snap


def _write_tiers(rule, tiers):
    CommissionTier.objects.filter(rule_id=rule.pk).delete()
    CommissionTier.objects.bulk_create(
        [
            CommissionTier(
                org_id=rule.org_id, rule=rule, position=index, from_amount=start, rate=rate
            )
            for index, (start, rate) in enumerate(tiers, start=1)
        ]
    )
    if hasattr(rule, "_prefetched_objects_cache"):
        rule._prefetched_objects_cache.pop("tiers", None)


def _save_rule(rule):
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise ValidationError({"name": [_("已有同名的佣金规则。")]}) from None


@transaction.atomic
def rule_create(*, actor, **fields) -> CommissionRule:
    """A new rule with its tiers (``tiers=[{"from_amount", "rate"}]``)."""
    policy.require(actor, f"{SETUP}.edit")
    places, _currency = money_settings(actor.org_id)
    data, employee_ids, tiers = _clean_rule(actor, None, fields, places)
    rule = CommissionRule(org_id=actor.org_id, **data)
    _save_rule(rule)
    rule.employees.set(employee_ids)
    _write_tiers(rule, tiers)
    audit.record_change(
        actor=actor,
        instance=rule,
        action=ChangeRecord.Action.CREATE,
        after=_rule_snapshot(rule),
    )
    return rule


@transaction.atomic
def rule_update(*, actor, rule, version=None, **fields) -> CommissionRule:
    """Change a rule (any field, ``tiers`` replaces all tiers). Statements already
    computed keep their figures; drafts pick the change up when recomputed."""
    policy.require(actor, f"{SETUP}.edit")
    rule = lock_for_update(CommissionRule, rule.pk, expected_version=version)
    places, _currency = money_settings(actor.org_id)
    before = _rule_snapshot(rule)
    data, employee_ids, tiers = _clean_rule(actor, rule, fields, places)
    for name, value in data.items():
        setattr(rule, name, value)
    rule.version += 1
    _save_rule(rule)
    rule.employees.set(employee_ids)
    _write_tiers(rule, tiers)
    audit.record_change(
        actor=actor,
        instance=rule,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_rule_snapshot(rule),
    )
    return rule


@transaction.atomic
def rule_delete(*, actor, rule) -> None:
    """Delete a rule. Statement lines computed with it keep its name (and lose the link)."""
    policy.require(actor, f"{SETUP}.edit")
    rule = lock_for_update(CommissionRule, rule.pk)
    audit.record_change(
        actor=actor,
        instance=rule,
        action=ChangeRecord.Action.DELETE,
        before=_rule_snapshot(rule),
    )
    rule.delete()


# ---- statements: computing -----------------------------------------------------------------


def _items(employee, period, currency):
    items = selectors.order_items(employee, period.start, period.end, currency)
    rows = selectors.allocations(employee, period.start, period.end, currency)
    lines = selectors.source_lines(rows)
    for row in rows:
        for product_id, share in calculation.split_allocation(row, lines):
            items.append(
                selectors.Item(
                    kind=Basis.COLLECTED,
                    key=row["pk"],
                    source_id=row["payment_id"],
                    source_code=row["payment__code"],
                    receivable_code=row["receivable__code"],
                    customer_name=row["receivable__customer__name"] or "",
                    day=row["payment__received_at"],
                    product_id=product_id,
                    amount=share,
                )
            )
    return items


def compute_for(employee, period, *, places, currency, rules=None) -> calculation.Result:
    """The computed lines of ``employee``'s statement for ``period`` (no write)."""
    rules = selectors.rules_for(employee, period.start, period.end) if rules is None else rules
    if not rules:
        return calculation.Result()
    items = _items(employee, period, currency)
    product_lines = selectors.product_lines_of(item.product_id for item in items)
    return calculation.compute(items, rules, product_lines, places)


def _fill(statement, employee, period, places, currency):
    """Replace the computed lines of a locked draft statement; adjustments stay."""
    result = compute_for(employee, period, places=places, currency=currency)
    CommissionLine.objects.filter(statement_id=statement.pk).exclude(
        kind=CommissionLine.Kind.ADJUSTMENT
    ).delete()
    rows = []
    for position, line in enumerate(result.lines, start=1):
        product_line = line.rule.product_line if line.rule.product_line_id else None
        rows.append(
            CommissionLine(
                org_id=statement.org_id,
                statement=statement,
                kind=line.kind,
                position=position,
                rule=line.rule,
                rule_name=line.rule.name,
                product_line=product_line,
                product_line_name=product_line.name if product_line else "",
                source_id=line.source_id,
                source_code=line.source_code[:60],
                receivable_code=line.receivable_code[:40],
                customer_name=line.customer_name[:200],
                source_date=line.day,
                base_amount=line.base,
                rate=line.rate,
                commission=line.commission,
            )
        )
    CommissionLine.objects.bulk_create(rows)
    statement.base_total = result.base_total
    statement.commission_total = result.commission_total
    statement.currency = currency
    statement.computed_at = timezone.now()
    _totals(statement)


def _totals(statement):
    adjustments = CommissionLine.objects.filter(
        statement_id=statement.pk, kind=CommissionLine.Kind.ADJUSTMENT
    ).values_list("commission", flat=True)
    statement.adjustment_total = sum(adjustments, Decimal("0"))
    statement.total = statement.commission_total + statement.adjustment_total


def _check_employee(actor, employee):
    employee_id = _pk(employee)
    found = Employee.objects.filter(pk=employee_id).first() if employee_id else None
    if found is None:
        raise ValidationError({"employee": [_("请选择本组织的员工。")]})
    if not selectors.employee_in_scope(actor, found):
        raise ValidationError({"employee": [_("该员工不在您的数据范围内。")]})
    return found


def _check_draft(statement, message):
    approvals.ensure_editable(statement)
    if statement.status == Status.APPROVED:
        raise BusinessRuleError(
            _("佣金结算单已审批通过并锁定，不能再修改、重算或删除。"), code="statement_locked"
        )
    if statement.status != Status.DRAFT:
        raise BusinessRuleError(message, code="statement_not_draft")


def _snapshot(statement):
    return audit.snapshot(statement, STATEMENT_AUDIT)


@transaction.atomic
def statement_generate(*, actor, period, employee) -> CommissionStatement:
    """Compute ``employee``'s statement for ``period`` (``YYYY-MM`` / ``YYYY-Qn``): a new
    draft, or the existing draft recomputed. Refused when the statement is pending or
    approved."""
    policy.require(actor, f"{MODULE}.create")
    found = selectors.parse_period(period)
    employee = _check_employee(actor, employee)
    places, currency = money_settings(actor.org_id)
    existing = (
        CommissionStatement.objects.select_for_update()
        .filter(owner_id=employee.pk, period=found.code)
        .first()
    )
    if existing is not None:
        return _recompute_locked(actor, existing, employee, found, places, currency)
    statement = CommissionStatement(
        org_id=actor.org_id,
        owner=employee,
        owner_department_id=employee.department_id,
        period=found.code,
        period_start=found.start,
        period_end=found.end,
        currency=currency,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            statement.save()
    except IntegrityError:
        raise BusinessRuleError(
            _("该员工本期的佣金结算单正在生成，请稍后刷新。"), code="statement_exists"
        ) from None
    _fill(statement, employee, found, places, currency)
    statement.save()
    audit.record_change(
        actor=actor,
        instance=statement,
        action=ChangeRecord.Action.CREATE,
        after=_snapshot(statement),
    )
    return statement


def _recompute_locked(actor, statement, employee, period, places, currency):
    _check_draft(statement, _("只有草稿状态的佣金结算单可以重新计算。"))
    before = _snapshot(statement)
    _fill(statement, employee, period, places, currency)
    statement.version += 1
    statement.save()
    audit.record_change(
        actor=actor,
        instance=statement,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(statement),
    )
    return statement


def _lock(actor, statement, action, *, version=None):
    """Check ``actor`` may ``action`` the statement, then re-read and lock it."""
    policy.require(actor, f"{MODULE}.{action}")
    if not policy.can_see_record(actor, MODULE, statement):
        raise Http404
    return lock_for_update(CommissionStatement, statement.pk, expected_version=version)


@transaction.atomic
def statement_recompute(*, actor, statement, version=None) -> CommissionStatement:
    """Compute a draft statement again from the current data and rules (adjustments stay)."""
    statement = _lock(actor, statement, "edit", version=version)
    _check_draft(statement, _("只有草稿状态的佣金结算单可以重新计算。"))
    employee = Employee.objects.get(pk=statement.owner_id)
    places, currency = money_settings(actor.org_id)
    period = selectors.parse_period(statement.period)
    return _recompute_locked(actor, statement, employee, period, places, currency)


def statements_generate(*, actor, period, progress=None) -> dict[str, int]:
    """Generate ``period``'s statements for every active employee in ``actor``'s data
    scope that a rule applies to (one transaction per employee). Returns counts of
    ``generated`` and ``skipped`` (pending or approved statements are left alone)."""
    policy.require(actor, f"{MODULE}.create")
    found = selectors.parse_period(period)
    employees = list(selectors.employees_in_scope(actor).order_by("pk"))
    counts = {"generated": 0, "skipped": 0}
    for employee in employees:
        if selectors.rules_for(employee, found.start, found.end):
            try:
                statement_generate(actor=actor, period=found.code, employee=employee)
                counts["generated"] += 1
            except BusinessRuleError:
                counts["skipped"] += 1
        if progress is not None:
            progress(1)
    return counts


@transaction.atomic
def statement_update(*, actor, statement, version=None, notes=None) -> CommissionStatement:
    """Change a draft statement's notes."""
    statement = _lock(actor, statement, "edit", version=version)
    _check_draft(statement, _("只有草稿状态的佣金结算单可以修改。"))
    errors: dict[str, list] = {}
    before = _snapshot(statement)
    if notes is not None:
        statement.notes = _text(notes, "notes", 500, errors)
    _raise(errors)
    audit.save_if_changed(
        actor=actor, instance=statement, before=before, after=_snapshot(statement)
    )
    return statement


@transaction.atomic
def statement_delete(*, actor, statement) -> None:
    """Delete a draft statement (approved ones are locked)."""
    statement = _lock(actor, statement, "delete")
    _check_draft(statement, _("只有草稿状态的佣金结算单可以删除。"))
    audit.record_change(
        actor=actor,
        instance=statement,
        action=ChangeRecord.Action.DELETE,
        before=_snapshot(statement),
    )
    statement.delete()


@transaction.atomic
def adjustment_add(*, actor, statement, amount, reason, version=None) -> CommissionLine:
    """A manual adjustment line on a draft (``amount`` may be negative, not zero; a
    reason is required)."""
    statement = _lock(actor, statement, "edit", version=version)
    _check_draft(statement, _("只有草稿状态的佣金结算单可以调整。"))
    places, _currency = money_settings(actor.org_id)
    errors: dict[str, list] = {}
    number = _decimal(amount, "amount", errors, label_empty=_("请填写调整金额。"))
    reason = _text(reason, "reason", 200, errors, required=True)
    if number is not None:
        number = calculation.quantize(number, places)
        if number == 0:
            errors.setdefault("amount", []).append(_("调整金额不能为零。"))
        elif abs(number) > MAX_AMOUNT:
            errors.setdefault("amount", []).append(_("金额过大。"))
    _raise(errors)
    before = _snapshot(statement)
    last = (
        CommissionLine.objects.filter(statement_id=statement.pk)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    line = CommissionLine.objects.create(
        org_id=statement.org_id,
        statement=statement,
        kind=CommissionLine.Kind.ADJUSTMENT,
        position=(last or 0) + 1000,
        commission=number,
        reason=reason,
        created_by=actor,
    )
    _totals(statement)
    statement.version += 1
    statement.save()
    audit.record_change(
        actor=actor,
        instance=statement,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(statement),
    )
    return line


@transaction.atomic
def adjustment_delete(*, actor, statement, line_id) -> None:
    """Remove a manual adjustment line of a draft."""
    statement = _lock(actor, statement, "edit")
    _check_draft(statement, _("只有草稿状态的佣金结算单可以调整。"))
    line = CommissionLine.objects.filter(
        pk=_pk(line_id) or 0, statement_id=statement.pk, kind=CommissionLine.Kind.ADJUSTMENT
    ).first()
    if line is None:
        raise Http404
    before = _snapshot(statement)
    line.delete()
    _totals(statement)
    statement.version += 1
    statement.save()
    audit.record_change(
        actor=actor,
        instance=statement,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(statement),
    )


# ---- approval ------------------------------------------------------------------------------


@transaction.atomic
def statement_submit(*, actor, statement, comment="") -> ApprovalRequest | None:
    """Submit a draft for approval (document type ``commission_statement``). Without a
    matching flow, an employee holding ``commissions.approve`` approves it at once;
    others are refused. Returns the approval request or None."""
    statement = _lock(actor, statement, "edit")
    _check_draft(statement, _("只有草稿状态的佣金结算单可以提交审批。"))
    if statement.computed_at is None:
        raise BusinessRuleError(_("请先计算佣金结算单。"), code="statement_not_computed")
    before = _snapshot(statement)
    request = approvals.submit(actor=actor, record=statement, document=DOCUMENT, comment=comment)
    if request is None:
        if not policy.can(actor, f"{MODULE}.approve"):
            raise BusinessRuleError(
                _("没有适用于佣金结算单的审批流程，请由有佣金审批权限的人员提交。"),
                code="no_approval_flow",
            )
        _mark_approved(statement)
    elif request.status == ApprovalRequest.Status.APPROVED:
        _mark_approved(statement)
    else:
        statement.status = Status.PENDING
    statement.version += 1
    statement.save()
    audit.record_change(
        actor=actor,
        instance=statement,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(statement),
    )
    return request


def _mark_approved(statement):
    statement.status = Status.APPROVED
    statement.approved_at = timezone.now()


def _on_decided(record, request):
    """The approvals engine ended a request: approved → approved (locked); rejected or
    withdrawn → back to draft."""
    statement = lock_for_update(CommissionStatement, record.pk)
    if statement.status != Status.PENDING:
        return
    before = _snapshot(statement)
    if request.status == ApprovalRequest.Status.APPROVED:
        _mark_approved(statement)
    else:
        statement.status = Status.DRAFT
    statement.version += 1
    statement.save()
    audit.record_change(
        actor=None,
        instance=statement,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(statement),
    )


def _describe(statement):
    return _("佣金结算单 %(period)s %(name)s") % {
        "period": statement.period,
        "name": statement.owner.name,
    }


def register_document():
    """Called once at start-up: statements become the approvals document type
    ``commission_statement`` (variables: total commission, computed commission,
    adjustments)."""
    approvals_registry.register(
        DOCUMENT,
        gettext_lazy("佣金结算单"),
        model=CommissionStatement,
        variables={
            "total": approvals_registry.Variable(
                gettext_lazy("佣金合计"), approvals_registry.NUMBER, lambda s: s.total
            ),
            "commission_total": approvals_registry.Variable(
                gettext_lazy("计算佣金"), approvals_registry.NUMBER, lambda s: s.commission_total
            ),
            "adjustment_total": approvals_registry.Variable(
                gettext_lazy("调整金额"), approvals_registry.NUMBER, lambda s: s.adjustment_total
            ),
        },
        describe=_describe,
        link=lambda s: reverse("commissions:statement_detail", args=[s.pk]),
        owner_field="owner",
        on_decided=_on_decided,
    )
