"""Every write of sales targets and forecast snapshots.

Permissions: module ``sales_targets`` ("create" to set a target, "edit" to change its
value, "delete" to remove it; the yearly plan needs "create" and "edit", and "delete" when
it clears a month that had a target). The subject must be in the actor's data scope: an
employee's target counts as owned by the employee in their department, a department's
target as owned by nobody in that department.

Values are positive; amounts are rounded half-up to ``OrgSettings.order_decimals``,
quantities to 4 places. A subject has one target per period, measure and product line
(a unique constraint backs the check). Snapshots are system writes (the monthly job, or
the forecast page's "snapshot now"): one row per month and subject, never replaced.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.catalog.models import ProductLine
from guanxi.core.errors import BusinessRuleError
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee, OrgSettings
from guanxi.sales.planning import forecast, periods, selectors
from guanxi.sales.planning.models import ForecastSnapshot, SalesTarget
from guanxi.sales.planning.periods import Period

MODULE = "sales_targets"
AUDIT = ("employee", "department", "period_kind", "period_start", "measure", "product_line",
         "value", "note")  # fmt: skip
MAX_VALUE = Decimal("99999999999999")
QUANTITY_PLACES = 4
LINE_MEASURES = (SalesTarget.Measure.ORDER_AMOUNT, SalesTarget.Measure.QUANTITY)


# ---- parsing -------------------------------------------------------------------------------


def amount_places(org_id):
    found = OrgSettings.objects.filter(org_id=org_id).values_list("order_decimals", flat=True)
    value = found.first()
    return 2 if value is None else value


def places_for(measure, org_id):
    return QUANTITY_PLACES if measure == SalesTarget.Measure.QUANTITY else amount_places(org_id)


def parse_value(raw, places, field="value"):
    """A positive Decimal rounded half-up to ``places``; a field error otherwise."""
    if isinstance(raw, bool) or raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValidationError({field: [_("请填写目标值。")]})
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("目标值必须是数字。")]}) from None
    if not number.is_finite():
        raise ValidationError({field: [_("目标值必须是数字。")]})
    if number > MAX_VALUE:
        raise ValidationError({field: [_("目标值过大。")]})
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded <= 0:
        raise ValidationError({field: [_("目标值必须大于零。")]})
    return rounded


def parse_period(value, field="period"):
    if isinstance(value, Period):
        return value
    return periods.parse(value, field=field)


def _measure(value):
    if value not in SalesTarget.Measure.values:
        raise ValidationError({"measure": [_("请选择指标：成交额、回款额或销量。")]})
    return value


def _employee(value):
    pk = getattr(value, "pk", value)
    try:
        found = Employee.objects.get(pk=int(pk))
    except (TypeError, ValueError, OverflowError, Employee.DoesNotExist):
        raise ValidationError({"employee": [_("请选择本组织的员工。")]}) from None
    if not found.is_active:
        raise ValidationError({"employee": [_("该员工已离职，不能设置目标。")]})
    return found


def _department(value):
    pk = getattr(value, "pk", value)
    try:
        return Department.objects.get(pk=int(pk))
    except (TypeError, ValueError, OverflowError, Department.DoesNotExist):
        raise ValidationError({"department": [_("请选择本组织的部门。")]}) from None


def _product_line(value, measure):
    if value in (None, ""):
        return None
    if measure not in LINE_MEASURES:
        raise ValidationError({"product_line": [_("只有成交额和销量目标可以按产品线设置。")]})
    pk = getattr(value, "pk", value)
    try:
        return ProductLine.objects.get(pk=int(pk))
    except (TypeError, ValueError, OverflowError, ProductLine.DoesNotExist):
        raise ValidationError({"product_line": [_("请选择本组织的产品线。")]}) from None


def _note(value):
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > 200:
        raise ValidationError({"note": [_("不能超过 %(n)s 字。") % {"n": 200}]})
    return text


def _owner_of(employee=None, department=None):
    """(owner, owner department) of a target's subject: its data scope."""
    if employee is not None:
        return employee, employee.department_id
    return None, department.pk


def _require_subject(actor, action, *, employee=None, department=None):
    policy.require(actor, f"{MODULE}.{action}")
    owner, dept_id = _owner_of(employee, department)
    if not selectors.subject_visible(
        actor, MODULE, owner_id=owner.pk if owner else None, department_id=dept_id
    ):
        raise PermissionDenied(_("您不能为该员工或部门设置目标（不在您的数据范围内）。"))


def _duplicate_error():
    return ValidationError(
        {"period": [_("该员工或部门在这个周期已有此指标的目标，请直接修改它。")]},
        code="duplicate_target",
    )


def _same_target(*, employee, department, period, measure, product_line):
    return SalesTarget.objects.filter(
        employee=employee,
        department=department,
        period_kind=period.kind,
        period_start=period.start,
        measure=measure,
        product_line=product_line,
    )


# ---- targets -------------------------------------------------------------------------------


def target_create(
    *,
    actor,
    period,
    measure,
    value,
    employee=None,
    department=None,
    product_line=None,
    note="",
):
    """Set the target of ``employee`` OR ``department`` for ``period`` (``2026-12`` /
    ``2026-Q4`` / ``2026`` or a ``Period``) and ``measure``, optionally of a product line
    (order amount and quantity only). Every bad field is reported at once."""
    errors: dict[str, list] = {}

    def attempt(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            return None

    if (employee in (None, "")) == (department in (None, "")):
        errors["employee"] = [_("请选择一名员工或一个部门（二选一）。")]
        subject_emp = subject_dept = None
    else:
        subject_emp = attempt(_employee, employee) if employee not in (None, "") else None
        subject_dept = attempt(_department, department) if department not in (None, "") else None
    found_period = attempt(parse_period, period)
    found_measure = attempt(_measure, measure)
    line = attempt(_product_line, product_line, found_measure) if found_measure else None
    number = (
        attempt(parse_value, value, places_for(found_measure, actor.org_id))
        if found_measure
        else None
    )
    text = attempt(_note, note)
    if errors:
        raise ValidationError(errors)
    assert found_period is not None and found_measure is not None and number is not None
    _require_subject(actor, "create", employee=subject_emp, department=subject_dept)
    owner, dept_id = _owner_of(subject_emp, subject_dept)
    try:
        with transaction.atomic():
            if _same_target(
                employee=subject_emp,
                department=subject_dept,
                period=found_period,
                measure=found_measure,
                product_line=line,
            ).exists():
                raise _duplicate_error()
            target = SalesTarget.objects.create(
                org_id=actor.org_id,
                employee=subject_emp,
                department=subject_dept,
                period_kind=found_period.kind,
                period_start=found_period.start,
                period_end=found_period.end,
                measure=found_measure,
                product_line=line,
                value=number,
                note=text or "",
                owner=owner,
                owner_department_id=dept_id,
                created_by=actor,
            )
            audit.record_change(
                actor=actor,
                instance=target,
                action=ChangeRecord.Action.CREATE,
                after=audit.snapshot(target, AUDIT),
            )
    except IntegrityError:
        raise _duplicate_error() from None
    return target


def _require_in_scope(actor, target, action):
    policy.require(actor, f"{MODULE}.{action}")
    if not policy.can_see_record(actor, MODULE, target):
        raise Http404


@transaction.atomic
def target_update(*, actor, target, version=None, **fields):
    """Change the ``value`` and/or ``note`` of a target (its subject, period, measure and
    product line stay: delete it and set another instead). A stale ``version`` is 409."""
    current = lock_for_update(SalesTarget, target.pk, expected_version=version)
    _require_in_scope(actor, current, "edit")
    unknown = sorted(set(fields) - {"value", "note"})
    if unknown:
        raise ValidationError(
            {name: [_("该字段不能修改，请删除目标后重新设置。")] for name in unknown}
        )
    before = audit.snapshot(current, AUDIT)
    errors: dict[str, list] = {}
    if "value" in fields:
        try:
            current.value = parse_value(
                fields["value"], places_for(current.measure, current.org_id)
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "note" in fields:
        try:
            current.note = _note(fields["note"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    audit.save_if_changed(
        actor=actor, instance=current, before=before, after=audit.snapshot(current, AUDIT)
    )
    return current


@transaction.atomic
def target_delete(*, actor, target):
    current = lock_for_update(SalesTarget, target.pk)
    _require_in_scope(actor, current, "delete")
    before = audit.snapshot(current, AUDIT)
    audit.record_change(
        actor=actor, instance=current, action=ChangeRecord.Action.DELETE, before=before
    )
    current.delete()


def plan_subjects(department):
    """The rows of a department's yearly plan: the department itself, then its active
    employees (direct members), by name."""
    staff = list(
        Employee.objects.filter(department=department, status=Employee.Status.ACTIVE).order_by(
            "name", "pk"
        )
    )
    return [("d", department)] + [("e", person) for person in staff]


def plan_values(*, department, year, measure, product_line_id=None):
    """``{subject key: {month number: value}}`` of the monthly targets of the plan's rows
    (``"d<id>"`` / ``"e<id>"``) in ``year``."""
    keys = {f"{kind}{subject.pk}": subject for kind, subject in plan_subjects(department)}
    employee_ids = [s.pk for k, s in keys.items() if k.startswith("e")]
    rows = SalesTarget.objects.filter(
        Q(employee_id__in=employee_ids) | Q(department=department),
        period_kind=periods.MONTH,
        period_start__year=year,
        measure=measure,
        product_line_id=product_line_id,
    )
    result: dict[str, dict[int, Decimal]] = {key: {} for key in keys}
    for target in rows:
        key = f"e{target.employee_id}" if target.employee_id else f"d{target.department_id}"
        if key in result:
            result[key][target.period_start.month] = target.value
    return result


def plan_save(*, actor, department, year, measure, cells, product_line=None):
    """Save a department's yearly plan: ``cells`` maps ``"d<id>"`` / ``"e<id>"`` (the rows
    of ``plan_subjects``) to ``{month 1..12: raw value}``; a filled cell sets that month's
    target (creating or changing it), an empty one removes it. All or nothing: any bad
    cell refuses the whole plan with an error per cell (``"e7-3"``: row e7, March).
    Returns ``(created, changed, removed)``."""
    policy.require(actor, f"{MODULE}.create")
    policy.require(actor, f"{MODULE}.edit")
    found_measure = _measure(measure)
    line = _product_line(product_line, found_measure)
    department = _department(department)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": [_("请填写有效的年份。")]}) from None
    if not periods.MIN_YEAR <= year <= periods.MAX_YEAR:
        raise ValidationError(
            {
                "year": [
                    _("年份须在 %(low)s 到 %(high)s 之间。")
                    % {"low": periods.MIN_YEAR, "high": periods.MAX_YEAR}
                ]
            }
        )
    subjects = {
        f"{kind}{subject.pk}": (kind, subject) for kind, subject in plan_subjects(department)
    }
    unknown = sorted(set(cells) - set(subjects))
    if unknown:
        raise ValidationError({"cells": [_("计划中有不属于该部门的行。")]})
    for key, (kind, subject) in subjects.items():
        if key in cells:
            _require_subject(
                actor,
                "create",
                employee=subject if kind == "e" else None,
                department=subject if kind == "d" else None,
            )
    places = places_for(found_measure, actor.org_id)
    errors: dict[str, list] = {}
    wanted: dict[tuple[str, int], Decimal | None] = {}
    for key, months in cells.items():
        for month, raw in months.items():
            month = int(month)
            if not 1 <= month <= 12:
                raise ValidationError({"cells": [_("月份无效。")]})
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                wanted[(key, month)] = None
                continue
            try:
                wanted[(key, month)] = parse_value(raw, places, field=f"{key}-{month}")
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    created = changed = removed = 0
    with transaction.atomic():
        existing = {}
        for key, (kind, subject) in subjects.items():
            rows = SalesTarget.objects.select_for_update().filter(
                period_kind=periods.MONTH,
                period_start__year=year,
                measure=found_measure,
                product_line=line,
                **({"employee": subject} if kind == "e" else {"department": subject}),
            )
            for row in rows:
                existing[(key, row.period_start.month)] = row
        removing = [k for k, v in wanted.items() if v is None and k in existing]
        if removing:
            policy.require(actor, f"{MODULE}.delete")
        for (key, month), number in sorted(wanted.items()):
            kind, subject = subjects[key]
            target = existing.get((key, month))
            if number is None:
                if target is not None:
                    target_delete(actor=actor, target=target)
                    removed += 1
                continue
            if target is None:
                target_create(
                    actor=actor,
                    period=Period(periods.MONTH, datetime.date(year, month, 1)),
                    measure=found_measure,
                    value=number,
                    employee=subject if kind == "e" else None,
                    department=subject if kind == "d" else None,
                    product_line=line,
                )
                created += 1
            elif target.value != number:
                target_update(actor=actor, target=target, value=number)
                changed += 1
    return created, changed, removed


def split_evenly(total, parts=12, places=2):
    """``total`` in ``parts`` equal shares rounded down to ``places``; the remainder goes
    to the last share, so the shares add up to the total exactly."""
    total = Decimal(total)
    unit = Decimal(1).scaleb(-places)
    share = (total / parts).quantize(unit, rounding="ROUND_DOWN")
    return [share] * (parts - 1) + [total - share * (parts - 1)]


# ---- forecast snapshots --------------------------------------------------------------------


def forecast_snapshot_take(*, org_id, month=None, now=None):
    """Snapshot the forecast of ``month`` (default: this month) for the org, every
    department (its subtree) and every employee with pipeline closing in the month or
    orders in the 12 months before: the open pipeline expected to close in the month (sum,
    weighted, count) and the projection from those 12 months. System write, no permission
    check. Idempotent: a subject that already has the month's snapshot keeps it. Returns
    how many rows were made."""
    from guanxi.sales.opportunities.models import Opportunity

    now = now or timezone.now()
    month = periods.month_start(month or timezone.localdate(now))
    existing = set(
        ForecastSnapshot.objects.filter(org_id=org_id, month=month).values_list(
            "subject_key", flat=True
        )
    )
    last = periods.add_months(month, 1) - datetime.timedelta(days=1)
    pipeline_rows = list(
        Opportunity.objects.filter(
            org_id=org_id, status="open", expected_close_date__range=(month, last)
        )
        .order_by()
        .values("owner_id", "owner_department_id")
        .annotate(
            pipeline=Coalesce(Sum("amount"), Value(selectors.ZERO), output_field=selectors._MONEY),
            weighted=Coalesce(
                Sum(selectors.weighted_expression()),
                Value(selectors.ZERO),
                output_field=selectors._MONEY,
            ),
            count=Sum(Value(1)),
        )
    )
    start = periods.add_months(month, -selectors.HISTORY_MONTHS)
    history_rows = selectors.measure_rows(
        measure=SalesTarget.Measure.ORDER_AMOUNT,
        start=start,
        end=month - datetime.timedelta(days=1),
    )
    departments = list(Department.objects.filter(org_id=org_id))
    paths = {dept.pk: dept.path for dept in departments}
    month_list = [periods.add_months(start, i) for i in range(selectors.HISTORY_MONTHS)]

    def figures(match):
        pipeline = weighted = selectors.ZERO
        count = 0
        for row in pipeline_rows:
            if match(row["owner_id"], row["owner_department_id"]):
                pipeline += row["pipeline"]
                weighted += row["weighted"]
                count += row["count"] or 0
        series: dict[datetime.date, Decimal] = defaultdict(lambda: selectors.ZERO)
        for owner, dept, when, value in history_rows:
            if match(owner, dept):
                series[when] += value
        projected = forecast.project([series[m] for m in month_list], 1)[0]
        return pipeline, weighted, count, projected

    def in_tree(path):
        return lambda _owner, dept: dept is not None and paths.get(dept, "").startswith(path)

    subjects: list[tuple[str, str, Any, Any, Any]] = [
        ("org", ForecastSnapshot.Subject.ORG, None, None, lambda _o, _d: True)
    ]
    for dept in departments:
        subjects.append(
            (f"d{dept.pk}", ForecastSnapshot.Subject.DEPARTMENT, dept.pk, None, in_tree(dept.path))
        )
    owners = {row["owner_id"] for row in pipeline_rows} | {row[0] for row in history_rows}
    for owner_id in sorted(pk for pk in owners if pk is not None):
        subjects.append(
            (
                f"e{owner_id}",
                ForecastSnapshot.Subject.EMPLOYEE,
                None,
                owner_id,
                lambda owner, _d, pk=owner_id: owner == pk,
            )
        )
    made = []
    for key, kind, dept_id, employee_id, match in subjects:
        if key in existing:
            continue
        pipeline, weighted, count, projected = figures(match)
        made.append(
            ForecastSnapshot(
                org_id=org_id,
                month=month,
                subject_kind=kind,
                subject_key=key,
                department_id=dept_id,
                employee_id=employee_id,
                pipeline_amount=pipeline,
                weighted_amount=weighted,
                opportunity_count=count,
                projection=projected,
                taken_at=now,
            )
        )
    ForecastSnapshot.objects.bulk_create(made, ignore_conflicts=True)
    return len(made)


def forecast_snapshot_now(*, actor):
    """The forecast page's "snapshot this month": for someone who may see every
    opportunity (the snapshot covers the whole org). Adds only what is missing."""
    policy.require(actor, "opportunities.view")
    if not policy.access_for(actor).scope("opportunities").all:
        raise BusinessRuleError(
            _("只有能查看全部商机的人可以生成预测快照。"), code="snapshot_scope"
        )
    return forecast_snapshot_take(org_id=actor.org_id)
