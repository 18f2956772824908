"""Background jobs of the audit app: exporting the change log to CSV."""

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from guanxi.audit import display, selectors
from guanxi.audit import services as audit
from guanxi.audit.filters import ChangeRecordFilter
from guanxi.core.spreadsheet import csv_attachment
from guanxi.jobs import registry
from guanxi.orgs import policy

EXPORT_KIND = "audit.export_log"
EXPORT_ENTITY = "audit.changerecord"


def _summary(result):
    count = int(result["rows"])
    return ngettext("已导出 %(count)d 条变更记录。", "已导出 %(count)d 条变更记录。", count) % {
        "count": count
    }


def export_headers():
    return [
        _("时间"),
        _("操作人"),
        _("对象类型"),
        _("对象 ID"),
        _("对象"),
        _("操作"),
        _("字段"),
        _("原值"),
        _("新值"),
    ]


def export_lines(record, *, employee, model):
    """CSV lines of one change: one per changed field (one line if none)."""
    moment = formats.date_format(timezone.localtime(record.created_at), "Y-m-d H:i:s")
    head = [
        moment,
        record.actor_name,
        display.entity_label(record.entity),
        record.object_id,
        record.object_repr,
        record.get_action_display(),
    ]
    changes = display.describe_changes(record, employee=employee, model=model)
    if not changes:
        return [[*head, "", "", ""]]
    return [[*head, change.label, change.old, change.new] for change in changes]


@registry.register(
    EXPORT_KIND, label=gettext_lazy("导出变更日志"), permission="audit.export", summary=_summary
)
def export_change_log(job, reporter):
    """Write the change log, filtered like the audit page, to a UTF-8 (with BOM) CSV.

    ``job.params["filters"]`` holds the page's filter values. Permission is
    checked again here: the employee may have lost it while the job waited.
    Records an ``ExportRecord`` (who exported how many change records).
    """
    employee = job.created_by
    policy.require(employee, "audit.export")
    filters = dict((job.params or {}).get("filters") or {})
    filterset = ChangeRecordFilter(filters, queryset=selectors.change_list(employee=employee))
    if not filterset.is_valid():
        raise ValidationError(
            [message for errors in filterset.errors.values() for message in errors]
        )
    queryset = filterset.qs.order_by("-created_at", "-id")
    reporter.total(queryset.count())

    models_by_entity = {}
    rows = 0
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    with csv_attachment(reporter, f"audit-log-{stamp}.csv") as write:
        write(export_headers())
        for record in queryset.iterator(chunk_size=2000):
            if record.entity not in models_by_entity:
                models_by_entity[record.entity] = display.model_for(record.entity)
            for line in export_lines(
                record, employee=employee, model=models_by_entity[record.entity]
            ):
                write(line)
            rows += 1
            reporter.advance()
    audit.record_export(
        actor=employee, entity=EXPORT_ENTITY, row_count=rows, file_format="csv", filters=filters
    )
    return {"rows": rows}
