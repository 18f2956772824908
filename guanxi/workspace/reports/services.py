"""Every write of work reports and report templates, and the due reminders.

Permissions: templates take "work_report_templates.<create|edit|delete>". A report is
written by its author only: "work_reports.create" to start one (for an active template
that is for them), "work_reports.edit" to change or submit it, "work_reports.delete" to
delete it (the author's own; a submitted one also by someone whose data scope covers the
author). Commenting takes seeing the submitted report; scoring takes being above the
author in the manager chain or having them in one's data scope (``selectors``); both
also take "work_reports.edit", so a read-only role reads (and is marked as having read)
but writes nothing.

Each write runs in a transaction, locks the row it changes (``lock_for_update``: a
stale ``version`` is refused with 409), writes nothing when refused and is audited.
Notifications go out through ``notify`` inside the same transaction (rows only; the
deliveries are sent after commit).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee, Role
from guanxi.workspace.notifications.services import notify
from guanxi.workspace.reports import rules, selectors
from guanxi.workspace.reports.models import (
    COMMENT_LENGTH,
    MAX_SCORE,
    MIN_SCORE,
    NAME_LENGTH,
    Period,
    ReportComment,
    ReportRead,
    ReportRevision,
    ReportScore,
    ReportTemplate,
    WorkReport,
)

TEMPLATE_AUDIT = (
    "name", "description", "period", "is_active", "departments", "roles", "due_time",
    "due_weekday", "due_day", "due_month", "fields",
)  # fmt: skip
REPORT_AUDIT = ("values", "status", "readers")
TEMPLATE_FIELDS = frozenset(
    {"name", "description", "period", "is_active", "departments", "roles", "due_time",
     "due_weekday", "due_day", "due_month", "fields"}
)  # fmt: skip
MAX_READERS = 50
NOTE_LENGTH = 500
# reminders start this long before a report is due and go on until its period ends
REMIND_AHEAD = datetime.timedelta(hours=2)
EARLIEST_PERIOD = datetime.date(2000, 1, 1)


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _report_link(report):
    return reverse("work_reports:report_detail", args=[report.pk])


# ---- templates -----------------------------------------------------------------------------


def _int_in(value, low, high, field, label, errors):
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        _add(
            errors, field, _("%(f)s须在 %(a)s 到 %(b)s 之间。") % {"f": label, "a": low, "b": high}
        )
        return low
    return number


def _records(model, values, field, errors, message):
    """Records of the current org by id (or instances), refusing unknown ones."""
    if values is None:
        return []
    if not isinstance(values, list | tuple | set) and not hasattr(values, "__iter__"):
        _add(errors, field, message)
        return []
    ids = []
    for value in values:
        pk = getattr(value, "pk", value)
        try:
            ids.append(int(pk))
        except (TypeError, ValueError):
            _add(errors, field, message)
            return []
    found = list(model.objects.filter(pk__in=ids)) if ids else []
    if len(found) != len(set(ids)):
        _add(errors, field, message)
    return found


def _clean_template(template, data, errors):
    """Apply ``data`` (a subset of TEMPLATE_FIELDS) to ``template``; m2m returned."""
    unknown = sorted(set(data) - TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError({f: [_("该字段不能修改。")] for f in unknown})
    if "name" in data:
        name = data["name"]
        template.name = name.strip() if isinstance(name, str) else ""
    if not template.name:
        _add(errors, "name", _("请填写模板名称。"))
    elif len(template.name) > NAME_LENGTH:
        _add(errors, "name", _("名称不能超过 %(n)s 字。") % {"n": NAME_LENGTH})
    if "description" in data:
        text = data["description"] or ""
        template.description = text.strip() if isinstance(text, str) else ""
        if len(template.description) > 500:
            _add(errors, "description", _("说明不能超过 %(n)s 字。") % {"n": 500})
    if "period" in data:
        template.period = data["period"]
    if template.period not in Period.values:
        _add(errors, "period", _("请选择报告周期（日报、周报、月报或年报）。"))
    if "is_active" in data:
        template.is_active = bool(data["is_active"])
    if "due_time" in data:
        value = data["due_time"]
        if isinstance(value, str):
            try:
                value = datetime.time.fromisoformat(value)
            except ValueError:
                value = None
        if not isinstance(value, datetime.time):
            _add(errors, "due_time", _("截止时间无效（如 18:00）。"))
        else:
            template.due_time = value.replace(second=0, microsecond=0, tzinfo=None)
    if "due_weekday" in data:
        template.due_weekday = _int_in(
            data["due_weekday"], 1, 7, "due_weekday", _("截止星期"), errors
        )
    if "due_day" in data:
        template.due_day = _int_in(data["due_day"], 1, 31, "due_day", _("截止日"), errors)
    if "due_month" in data:
        template.due_month = _int_in(data["due_month"], 1, 12, "due_month", _("截止月份"), errors)
    if "fields" in data:
        try:
            template.fields = rules.clean_fields(data["fields"])
        except ValidationError as exc:
            for message in exc.message_dict.get("fields", []):
                _add(errors, "fields", message)
    elif not template.fields:
        _add(errors, "fields", _("请至少添加一个字段。"))
    m2m = {}
    if "departments" in data:
        m2m["departments"] = _records(
            Department, data["departments"], "departments", errors, _("请选择本组织的部门。")
        )
    if "roles" in data:
        m2m["roles"] = _records(Role, data["roles"], "roles", errors, _("请选择本组织的角色。"))
    if template.name and "name" not in errors:
        clash = ReportTemplate.objects.filter(name=template.name)
        if template.pk:
            clash = clash.exclude(pk=template.pk)
        if clash.exists():
            _add(errors, "name", _("已有同名的报告模板。"))
    return m2m


def _template_state(template):
    return audit.snapshot(template, TEMPLATE_AUDIT)


@transaction.atomic
def template_create(*, actor, **data) -> ReportTemplate:
    """A new report template (报告模板) with its fields and audience."""
    policy.require(actor, "work_report_templates.create")
    template = ReportTemplate(org_id=actor.org_id, created_by=actor)
    errors: dict = {}
    if "period" not in data:
        _add(errors, "period", _("请选择报告周期（日报、周报、月报或年报）。"))
    m2m = _clean_template(template, data, errors)
    if errors:
        raise ValidationError(errors)
    template.save()
    for name, records in m2m.items():
        getattr(template, name).set(records)
    audit.record_change(
        actor=actor, instance=template, action=ChangeRecord.Action.CREATE,
        after=_template_state(template),
    )  # fmt: skip
    return template


@transaction.atomic
def template_update(*, actor, template, version=None, **data) -> ReportTemplate:
    """Change a template. Reports already written keep the field definitions they were
    written against; drafts take the new ones on their next save. Locks the template."""
    policy.require(actor, "work_report_templates.edit")
    template = lock_for_update(ReportTemplate, template.pk, expected_version=version)
    before = _template_state(template)
    errors: dict = {}
    m2m = _clean_template(template, data, errors)
    if errors:
        raise ValidationError(errors)
    for name, records in m2m.items():
        getattr(template, name).set(records)
    audit.save_if_changed(
        actor=actor, instance=template, before=before, after=_template_state(template)
    )
    return template


@transaction.atomic
def template_delete(*, actor, template) -> None:
    """Delete a template nobody has written a report for (otherwise: deactivate it)."""
    policy.require(actor, "work_report_templates.delete")
    template = lock_for_update(ReportTemplate, template.pk)
    if WorkReport.objects.filter(template=template).exists():
        raise BusinessRuleError(_("该模板已有报告，不能删除；可以停用它。"), code="template_in_use")
    before = _template_state(template)
    audit.record_change(
        actor=actor, instance=template, action=ChangeRecord.Action.DELETE, before=before
    )
    template.delete()


# ---- reports -------------------------------------------------------------------------------


def _readers(actor, readers, errors):
    if readers is None:
        return None
    message = _("抄送人须是本组织在职的员工。")
    found = _records(Employee, readers, "readers", errors, message)
    if any(not e.is_active for e in found):
        _add(errors, "readers", message)
    if len(found) > MAX_READERS:
        _add(errors, "readers", _("抄送人不能超过 %(n)s 人。") % {"n": MAX_READERS})
    return [e for e in found if e.pk != actor.pk]


def _report_state(report):
    return audit.snapshot(report, REPORT_AUDIT)


def _day(value, errors):
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime.date):
        _add(errors, "date", _("请填写报告日期（如 2026-12-02）。"))
        return None
    return value


@transaction.atomic
def report_create(*, actor, template, date=None, values=None, readers=None, submit=False):
    """``actor``'s report for ``template`` and the period holding ``date`` (today by
    default): a draft, or submitted at once with ``submit``. One per author, template
    and period (a second is refused with 422); periods after the current one are refused."""
    policy.require(actor, "work_reports.create")
    errors: dict = {}
    pk = getattr(template, "pk", None)
    template = (
        ReportTemplate.objects.prefetch_related("departments", "roles").filter(pk=pk).first()
        if pk
        else None
    )
    if template is None:
        raise ValidationError({"template": [_("请选择报告模板。")]})
    if not template.is_active:
        _add(errors, "template", _("该报告模板已停用。"))
    elif not selectors.applies_to(template, actor):
        _add(errors, "template", _("该报告模板不适用于您。"))
    day = _day(date if date is not None else timezone.localdate(), errors)
    start = end = None
    if day is not None:
        start, end = rules.period_bounds(template.period, day)
        if start > timezone.localdate() or start < EARLIEST_PERIOD:
            _add(errors, "date", _("只能为本期或以前的周期写报告。"))
    readers = _readers(actor, readers, errors)
    fields = list(template.fields)
    try:
        cleaned = rules.clean_values(fields, values, complete=submit)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
        cleaned = {}
    if errors or start is None or end is None:
        raise ValidationError(errors)
    if WorkReport.objects.filter(author=actor, template=template, period_start=start).exists():
        raise BusinessRuleError(_("您已经写过这一期的报告。"), code="report_exists")
    now = timezone.now()
    report = WorkReport(
        org_id=actor.org_id,
        template=template,
        author=actor,
        department_id=actor.department_id,
        period_start=start,
        period_end=end,
        due_at=rules.due_moment(template, start),
        fields=fields,
        values=cleaned,
    )
    if submit:
        report.status = WorkReport.Status.SUBMITTED
        report.submitted_at = now
        report.is_late = now > report.due_at
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:  # a concurrent save of the same period won
        raise BusinessRuleError(_("您已经写过这一期的报告。"), code="report_exists") from exc
    if readers:
        report.readers.set(readers)
    audit.record_change(
        actor=actor, instance=report, action=ChangeRecord.Action.CREATE,
        after=_report_state(report),
    )  # fmt: skip
    return report


def _lock_own(actor, report, version):
    policy.require(actor, "work_reports.edit")
    locked = lock_for_update(WorkReport, report.pk, expected_version=version)
    if locked.author_id != actor.pk:
        raise PermissionDenied(_("只有报告的作者可以修改它。"))
    return locked


@transaction.atomic
def report_update(*, actor, report, version=None, values=None, readers=None, submit=False):
    """Change a report's values and named readers (its author). A draft takes the
    template's current field definitions; a submitted report keeps its own and must stay
    complete, and the values it replaces are kept as a revision. ``submit`` submits a
    draft in the same step. Locks the report."""
    report = _lock_own(actor, report, version)
    before = _report_state(report)
    old_fields = list(report.fields)
    errors: dict = {}
    submitted = report.status == WorkReport.Status.SUBMITTED
    if not submitted:
        report.fields = list(report.template.fields)
    new_readers = _readers(actor, readers, errors)
    if values is None:  # keep what is there, minus fields the template no longer has
        keys = {field["key"] for field in report.fields}
        values = {k: v for k, v in (report.values or {}).items() if k in keys}
    try:
        cleaned = rules.clean_values(report.fields, values, complete=submitted or submit)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
        cleaned = {}
    if errors:
        raise ValidationError(errors)
    if submitted and cleaned != report.values:
        ReportRevision.objects.create(
            org_id=report.org_id,
            report=report,
            editor=actor,
            version=report.version,
            values=report.values,
        )
    report.values = cleaned
    if submit and not submitted:
        now = timezone.now()
        report.status = WorkReport.Status.SUBMITTED
        report.submitted_at = now
        report.is_late = now > report.due_at
    if new_readers is not None:
        report.readers.set(new_readers)
    changed = audit.save_if_changed(
        actor=actor, instance=report, before=before, after=_report_state(report)
    )
    if not changed and report.fields != old_fields:
        report.save(update_fields=["fields", "updated_at"])
    return report


@transaction.atomic
def report_submit(*, actor, report, version=None):
    """Submit a draft (its author): every required field must be filled. Late when after
    the due moment. Submitting a submitted report again is refused (422)."""
    locked = _lock_own(actor, report, version)
    if locked.status == WorkReport.Status.SUBMITTED:
        raise BusinessRuleError(_("报告已经提交过了。"), code="report_submitted")
    return report_update(actor=actor, report=locked, submit=True)


@transaction.atomic
def report_delete(*, actor, report):
    """Delete a report: its author, or for a submitted one someone whose data scope
    covers the author ("work_reports.delete" either way)."""
    policy.require(actor, "work_reports.delete")
    report = lock_for_update(WorkReport, report.pk)
    if report.author_id != actor.pk and not (
        report.status == WorkReport.Status.SUBMITTED
        and policy.can_see_record(actor, "work_reports", report, **selectors.SCOPE)
    ):
        raise PermissionDenied(_("您不能删除别人的报告。"))
    audit.record_change(
        actor=actor, instance=report, action=ChangeRecord.Action.DELETE,
        before=_report_state(report),
    )  # fmt: skip
    report.delete()


def _visible_submitted(actor, report):
    """``report`` reloaded through the actor's access; drafts refused."""
    report = selectors.access_report(actor, report.pk)
    if report.status != WorkReport.Status.SUBMITTED:
        raise BusinessRuleError(_("草稿还不能查阅、评论或评分。"), code="report_draft")
    return report


@transaction.atomic
def report_comment(*, actor, report, body) -> ReportComment:
    """A comment on a submitted report by someone who may read it; its author is told
    (unless they wrote it)."""
    policy.require(actor, "work_reports.edit")  # a read-only role reads, never writes
    report = _visible_submitted(actor, report)
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationError({"body": [_("请填写评论内容。")]})
    if len(text) > COMMENT_LENGTH:
        raise ValidationError({"body": [_("评论不能超过 %(n)s 字。") % {"n": COMMENT_LENGTH}]})
    comment = ReportComment.objects.create(
        org_id=report.org_id, report=report, author=actor, body=text
    )
    audit.record_change(
        actor=actor, instance=comment, action=ChangeRecord.Action.CREATE,
        after={"report": report.pk, "body": text},
    )  # fmt: skip
    if report.author_id != actor.pk:
        _mark_read(actor, report)
        notify(
            recipients=[report.author_id],
            kind="work_report_comment",
            title=format_lazy(
                gettext_lazy("{name}评论了您的{template}（{period}）"),
                name=actor.name,
                template=report.template.name,
                period=report.period_label,
            ),
            body=text[:200],
            link=_report_link(report),
            target=report,
            actor=actor,
        )
    return comment


@transaction.atomic
def report_score(*, actor, report, score, note="") -> ReportScore:
    """Score a submitted report 1–5 (考评): someone above the author in the manager chain
    or with the author in their data scope. One score per scorer; scoring again changes
    it. The author is told."""
    policy.require(actor, "work_reports.edit")
    report = _visible_submitted(actor, report)
    if not selectors.can_score(actor, report):
        raise PermissionDenied(_("只有作者的上级或有相应数据范围的人可以评分。"))
    if isinstance(score, bool):
        score = None
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = None
    if value is None or not MIN_SCORE <= value <= MAX_SCORE:
        raise ValidationError(
            {"score": [_("评分须是 %(a)s 到 %(b)s 的整数。") % {"a": MIN_SCORE, "b": MAX_SCORE}]}
        )
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > NOTE_LENGTH:
        raise ValidationError({"note": [_("评语不能超过 %(n)s 字。") % {"n": NOTE_LENGTH}]})
    existing = ReportScore.objects.select_for_update().filter(report=report, scorer=actor).first()
    before = {"score": existing.score, "note": existing.note} if existing else None
    if existing is None:
        try:
            with transaction.atomic():
                existing = ReportScore.objects.create(
                    org_id=report.org_id, report=report, scorer=actor, score=value, note=note
                )
        except IntegrityError:  # a concurrent first score of the same scorer
            existing = ReportScore.objects.select_for_update().get(report=report, scorer=actor)
            before = {"score": existing.score, "note": existing.note}
    if before is not None:
        existing.score, existing.note = value, note
        existing.save(update_fields=["score", "note", "updated_at"])
    after = {"score": value, "note": note}
    if before == after:
        return existing
    audit.record_change(
        actor=actor,
        instance=existing,
        action=ChangeRecord.Action.CREATE if before is None else ChangeRecord.Action.UPDATE,
        before=before,
        after=after,
    )
    _mark_read(actor, report)
    notify(
        recipients=[report.author_id],
        kind="work_report_score",
        title=format_lazy(
            gettext_lazy("{name}给您的{template}（{period}）打了 {score} 分"),
            name=actor.name,
            template=report.template.name,
            period=report.period_label,
            score=value,
        ),
        body=note[:200],
        link=_report_link(report),
        target=report,
        actor=actor,
    )
    return existing


def _mark_read(actor, report):
    if report.author_id == actor.pk or report.status != WorkReport.Status.SUBMITTED:
        return False
    try:
        with transaction.atomic():
            _read, created = ReportRead.objects.get_or_create(
                org_id=report.org_id, report=report, reader=actor
            )
    except IntegrityError:  # a concurrent mark by the same reader
        return False
    return created


def report_mark_read(*, actor, report) -> bool:
    """Record that ``actor`` (not the author) has read (查阅) a submitted report they may
    see; once per reader. Returns whether this was the first time."""
    report = _visible_submitted(actor, report)
    return _mark_read(actor, report)


# ---- reminders -----------------------------------------------------------------------------


def active_org_ids() -> list[int]:
    from guanxi.orgs.models import Organization

    with all_orgs():
        return list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))


def _writes_reports(employee):
    """Whether the employee's (prefetched) roles let them write reports: no query."""
    return any(
        role.is_admin or "work_reports.create" in (role.permissions or [])
        for role in employee.roles.all()
    )


def reminders_scan(*, org, now=None) -> int:
    """Remind the employees who have not submitted the current period's report of each
    active template, from ``REMIND_AHEAD`` before it is due until the period ends. Each
    employee is reminded once per template and period (``event_key``), however often
    this runs. Returns how many reminders were new."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    created = 0
    with org_scope(org):
        templates = selectors.active_templates()
        if not templates:
            return 0
        employees = list(
            Employee.objects.filter(status=Employee.Status.ACTIVE)
            .select_related("department", "user")
            .prefetch_related("roles")
            .order_by("id")
        )
        for template in templates:
            start, end = rules.period_bounds(template.period, today)
            due = rules.due_moment(template, start)
            if now < due - REMIND_AHEAD:
                continue
            done = set(
                WorkReport.objects.filter(
                    template=template, period_start=start, status=WorkReport.Status.SUBMITTED
                ).values_list("author_id", flat=True)
            )
            waiting = [
                e
                for e in employees
                if e.pk not in done
                and e.user.is_active
                and _writes_reports(e)
                and selectors.applies_to(template, e)
            ]
            if not waiting:
                continue
            label = rules.period_label(template.period, start, end)
            local_due = timezone.localtime(due)
            title = format_lazy(
                gettext_lazy("请提交{template}（{period}），截止 {due}"),
                template=template.name,
                period=label,
                due=local_due.strftime("%Y-%m-%d %H:%M"),
            )
            link = reverse("work_reports:report_new") + f"?template={template.pk}&date={start}"
            created += len(
                notify(
                    recipients=waiting,
                    kind="work_report_due",
                    title=title,
                    link=link,
                    target=template,
                    event_key=f"work_report_due:{template.pk}:{start.isoformat()}",
                )
            )
    return created
