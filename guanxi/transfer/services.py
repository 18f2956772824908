"""Every write of the import flow: upload, mapping, validation and the import itself.

An upload is checked (size, type, encoding, header) before anything is
stored. Validation and the import run as background jobs; the import commits
chunk by chunk and takes everything back when a row is wrong, unless the
importer chose "import valid rows" (see ``import_execute``).
"""

import csv
import datetime
import io
import logging
import tempfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.spreadsheet import safe_cell
from guanxi.jobs import services as jobs
from guanxi.orgs import custom_fields, policy
from guanxi.transfer import mapping as columns
from guanxi.transfer import reading, undo
from guanxi.transfer.engine import Importer
from guanxi.transfer.models import ImportBatch, ImportChunk

logger = logging.getLogger(__name__)

PERMISSION = "customers.import"
VALIDATE_KIND = "transfer.validate_import"
IMPORT_KIND = "transfer.run_import"
UNDO_KIND = "transfer.undo_import"
FIRST_ERRORS = 20
NAME_LENGTH = 200
# an import can be undone this long after it finished; its journal is kept that long
UNDO_DAYS = 7
Status = ImportBatch.Status
BUSY = (Status.VALIDATING, Status.RUNNING, Status.UNDOING)
FINISHED = (Status.DONE, Status.UNDONE)


def _editable(batch):
    if batch.status in BUSY:
        raise BusinessRuleError(_("该导入正在处理中，请稍候。"), code="import_busy")
    if batch.status in FINISHED:
        raise BusinessRuleError(_("该导入已完成，不能再修改。"), code="import_finished")


def _require_owner(actor, batch):
    policy.require(actor, PERMISSION)
    if batch.org_id != actor.org_id or (
        batch.created_by_id != actor.pk and not policy.is_admin(actor)
    ):
        raise PermissionDenied(_("只能处理自己上传的导入文件。"))


@transaction.atomic
def import_upload(*, actor, upload, entity=ImportBatch.Entity.CUSTOMER):
    """Check and store an uploaded file; returns the batch with its header and a
    guessed mapping. A file that is empty, too big, not CSV/.xlsx, in an unknown
    encoding or without data rows is refused and nothing is stored."""
    policy.require(actor, PERMISSION)
    if entity not in ImportBatch.Entity.values:
        raise ValidationError({"entity": [_("不支持导入该对象。")]}, code="entity")
    if upload is None:
        raise ValidationError({"file": [_("请选择要导入的文件。")]}, code="required")
    handle = upload.file if hasattr(upload, "file") else upload
    info = reading.inspect(handle, upload.size)
    defs = custom_fields.definitions("customer")
    name = (getattr(upload, "name", "") or "import").rsplit("/", 1)[-1][-NAME_LENGTH:]
    batch = ImportBatch(
        org_id=actor.org_id,
        entity=entity,
        original_name=name,
        file_type=info["file_type"],
        encoding=info["encoding"],
        delimiter=info["delimiter"],
        header=info["header"],
        mapping=columns.guess(info["header"], defs),
        created_by=actor,
    )
    handle.seek(0)
    batch.file.save(name, File(handle, name=name), save=False)
    batch.save()
    return batch


def preview(batch, limit=5):
    """The header and the first ``limit`` data rows of the stored file."""
    rows = []
    with batch.file.open("rb") as handle:
        reader = reading.iter_rows(
            handle, file_type=batch.file_type, encoding=batch.encoding, delimiter=batch.delimiter
        )
        try:
            for number, cells in reader:
                if number == 1:
                    continue
                rows.append(cells + [""] * (len(batch.header) - len(cells)))
                if len(rows) >= limit:
                    break
        finally:
            reader.close()
    return rows


@transaction.atomic
def import_configure(*, actor, batch, mapping=None, duplicate_mode=None, valid_only=None):
    """Set the column mapping (one target per header column, "" to ignore),
    the duplicate handling and "import valid rows only"."""
    _require_owner(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _editable(batch)
    errors: dict[str, list] = {}
    if mapping is not None:
        cleaned = _clean_mapping(actor, batch, mapping, errors)
        if cleaned is not None:
            batch.mapping = cleaned
    if duplicate_mode is not None:
        if duplicate_mode not in ImportBatch.Duplicates.values:
            errors.setdefault("duplicate_mode", []).append(_("无效的重复处理方式。"))
        else:
            batch.duplicate_mode = duplicate_mode
    if valid_only is not None:
        batch.valid_only = bool(valid_only)
    if errors:
        raise ValidationError(errors)
    batch.status = Status.MAPPED
    batch.row_count = None
    batch.save()
    return batch


def _clean_mapping(actor, batch, mapping, errors):
    if isinstance(mapping, dict):  # {column index or header: target}
        by_header = {title: i for i, title in enumerate(batch.header)}
        result = [""] * len(batch.header)
        for column, target in mapping.items():
            index = by_header.get(column)
            if index is None and str(column).isdigit():
                index = int(column)
            if index is None or index >= len(result):
                errors.setdefault("mapping", []).append(
                    _("文件中没有“%(column)s”这一列。") % {"column": column}
                )
                continue
            result[index] = target or ""
        mapping = result
    if not isinstance(mapping, list) or any(not isinstance(t, str) for t in mapping):
        errors.setdefault("mapping", []).append(_("字段对应必须是每列一个目标字段的列表。"))
        return None
    if len(mapping) != len(batch.header):
        errors.setdefault("mapping", []).append(
            _("字段对应的数量（%(n)d）与文件的列数（%(m)d）不一致。")
            % {"n": len(mapping), "m": len(batch.header)}
        )
        return None
    allowed = columns.valid_keys(custom_fields.definitions("customer"))
    used = [t for t in mapping if t]
    for target in sorted({t for t in used if t not in allowed}):
        errors.setdefault("mapping", []).append(_("未知的目标字段：%(key)s") % {"key": target})
    for target in sorted({t for t in used if used.count(t) > 1}):
        errors.setdefault("mapping", []).append(
            _("“%(key)s”被多列使用，每个字段只能对应一列。") % {"key": target}
        )
    if "name" not in used:
        errors.setdefault("mapping", []).append(_("必须有一列对应“客户名称”。"))
    if any(t in columns.CONTACT_COLUMNS for t in used) and not policy.can(actor, "contacts.create"):
        errors.setdefault("mapping", []).append(_("导入联系人需要“联系人 · 新建”权限。"))
    return mapping


def _check_ready(actor, batch):
    errors: dict[str, list] = {}
    _clean_mapping(actor, batch, list(batch.mapping), errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def import_validate(*, actor, batch):
    """Check every row in the background (nothing is written); returns the job."""
    return _start(actor, batch, VALIDATE_KIND, Status.VALIDATING)


@transaction.atomic
def import_start(*, actor, batch):
    """Import in the background; returns the job."""
    return _start(actor, batch, IMPORT_KIND, Status.RUNNING)


def _start(actor, batch, kind, status):
    _require_owner(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _editable(batch)
    _check_ready(actor, batch)
    job = jobs.job_start(actor=actor, kind=kind, params={"batch": batch.pk})
    batch.job = job
    batch.status = status
    batch.message = ""
    batch.save(update_fields=["job", "status", "message", "updated_at"])
    return job


@transaction.atomic
def import_delete(*, actor, batch):
    """Remove an import that is not being processed, with its files."""
    _require_owner(actor, batch)
    if batch.status in BUSY:
        raise BusinessRuleError(_("该导入正在处理中，请稍候。"), code="import_busy")
    for stored in (batch.file, batch.error_report):
        if stored:
            stored.delete(save=False)
    batch.delete()


# ---- what the jobs run -------------------------------------------------------------------


def _take_back_after_failure(batch, actor):
    """Undo what a failed import wrote; a failure of the undo itself is logged and
    left to ``imports_recover``, which finds the chunk records still there."""
    try:
        undo.take_back(batch, actor)
    except Exception:
        logger.exception("import %s: taking back the written chunks failed", batch.pk)


def _rows(batch, reporter):
    with batch.file.open("rb") as handle:
        for number, cells in reading.iter_rows(
            handle, file_type=batch.file_type, encoding=batch.encoding, delimiter=batch.delimiter
        ):
            if number > 1:
                yield number, cells


def _write_report(batch, problems):
    if batch.error_report:
        batch.error_report.delete(save=False)
    if not problems:
        return
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow([_("行号"), _("列"), _("值"), _("问题")])
        for problem in problems:
            writer.writerow([safe_cell(v) for v in problem.as_list()])
        text.flush()
        raw.seek(0)
        batch.error_report.save("errors.csv", File(raw, name="errors.csv"), save=False)
        text.detach()


def import_execute(*, batch_id, reporter, write):
    """Run by the jobs: check (``write=False``) or import every row of a batch.

    The import commits chunk by chunk (so nobody else waits for the whole file),
    each chunk with a journal of what it wrote. When a row is wrong and the batch
    does not say "valid rows only", writing stops there, the rest of the file is
    still checked for the report, and what was written is taken back
    (``undo.take_back``); the same happens when the import fails half-way. Counts,
    the first problems and a CSV report of all problems are kept on the batch.
    """
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    actor = batch.created_by
    try:
        policy.require(actor, PERMISSION)
        importer = Importer(batch, write=write)
        if batch.row_count is not None:
            reporter.total(batch.row_count)
        try:
            outcome = importer.run(_rows(batch, reporter), reporter)
        except BaseException:
            if write:
                _take_back_after_failure(batch, actor)
            raise
        rolled_back = write and bool(outcome.error_rows) and not batch.valid_only
        if rolled_back:
            undo.take_back(batch, actor)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        message = ("；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)) or _(
            "您没有执行此操作的权限。"
        )
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=Status.FAILED if write else Status.MAPPED,
            message=message[:500],
            updated_at=timezone.now(),
        )
        raise
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=Status.FAILED if write else Status.MAPPED,
            message=_("处理失败，请联系管理员。"),
            updated_at=timezone.now(),
        )
        raise
    _write_report(batch, outcome.problems)
    batch.row_count = outcome.rows
    batch.error_count = outcome.error_rows
    batch.skipped_count = outcome.skipped
    batch.created_count = 0 if rolled_back else outcome.created
    batch.updated_count = 0 if rolled_back else outcome.updated
    batch.first_errors = [p.as_summary() for p in outcome.problems[:FIRST_ERRORS]]
    if not write:
        batch.status = Status.VALIDATED
        batch.message = ""
    elif rolled_back:
        batch.status = Status.FAILED
        batch.message = _(
            "有 %(n)d 行数据有误，为保证数据完整，本次没有导入任何数据。"
            "请下载错误报告修改后重新导入，或选择“只导入有效的行”。"
        ) % {"n": outcome.error_rows}
    else:
        batch.status = Status.DONE
        batch.message = ""
        batch.finished_at = timezone.now()
    batch.save()
    if write and not rolled_back:
        audit.record_change(
            actor=actor,
            instance=batch,
            action=ChangeRecord.Action.CREATE,
            after={
                "entity": batch.entity,
                "file": batch.original_name,
                "rows": batch.row_count,
                "created": batch.created_count,
                "updated": batch.updated_count,
                "skipped": batch.skipped_count,
                "errors": batch.error_count,
            },
        )
    return {
        "batch": batch.pk,
        "write": write,
        "rows": batch.row_count,
        "created": batch.created_count,
        "updated": batch.updated_count,
        "skipped": batch.skipped_count,
        "errors": batch.error_count,
        "rolled_back": rolled_back,
    }


def undo_deadline(batch):
    """Until when ``batch`` may be undone (None: it cannot be)."""
    if batch.status != Status.DONE or batch.finished_at is None:
        return None
    if not (batch.created_count or batch.updated_count):
        return None
    return batch.finished_at + datetime.timedelta(days=UNDO_DAYS)


def can_undo(actor, batch, *, now=None):
    deadline = undo_deadline(batch)
    return (
        deadline is not None
        and (now or timezone.now()) <= deadline
        and policy.can(actor, PERMISSION)
        and (batch.created_by_id == actor.pk or policy.is_admin(actor))
    )


@transaction.atomic
def import_undo(*, actor, batch):
    """Undo a finished import in the background: the customers (and contacts) it
    created go to the recycle bin, the records it changed get back what they held,
    unless someone saved them since. Within ``UNDO_DAYS`` days; returns the job."""
    _require_owner(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status in BUSY:
        raise BusinessRuleError(_("该导入正在处理中，请稍候。"), code="import_busy")
    deadline = undo_deadline(batch)
    if batch.status == Status.UNDONE:
        raise BusinessRuleError(_("该导入已经撤销过了。"), code="import_undone")
    if batch.status != Status.DONE:
        raise BusinessRuleError(_("只能撤销已完成的导入。"), code="import_not_done")
    if deadline is None or not batch.chunks.exists():
        raise BusinessRuleError(_("这次导入没有可撤销的数据。"), code="import_nothing_to_undo")
    if timezone.now() > deadline:
        raise BusinessRuleError(
            _("导入完成已超过 %(days)d 天，不能再撤销。") % {"days": UNDO_DAYS},
            code="import_undo_expired",
        )
    if batch.created_count:
        policy.require(actor, "customers.delete")
    if batch.updated_count:
        policy.require(actor, "customers.edit")
    job = jobs.job_start(actor=actor, kind=UNDO_KIND, params={"batch": batch.pk})
    batch.job = job
    batch.status = Status.UNDOING
    batch.message = ""
    batch.save(update_fields=["job", "status", "message", "updated_at"])
    return job


def undo_execute(*, batch_id, reporter):
    """Run by the undo job: take the import back chunk by chunk (see ``undo``)."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    actor = batch.created_by
    try:
        reporter.total(batch.chunks.count())
        counts = undo.take_back(batch, actor, to_bin=True, advance=reporter.advance)
    except Exception:
        # what was undone stays undone (each chunk is its own transaction); the rest of
        # the journal is still there, so the import can be undone again
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=Status.DONE, message=_("撤销中途失败，可以再次撤销。"), updated_at=timezone.now()
        )
        raise
    batch.status = Status.UNDONE
    batch.undo_result = counts
    batch.message = (
        _(
            "已撤销：%(deleted)d 条客户或联系人移入回收站，%(restored)d 条记录恢复为导入前的内容，"
            "%(kept)d 条记录在导入后被他人修改过，保留不动。"
        )
        % counts
    )
    batch.save(update_fields=["status", "undo_result", "message", "updated_at"])
    audit.record_change(
        actor=actor,
        instance=batch,
        action=ChangeRecord.Action.UPDATE,
        before={"status": Status.DONE},
        after={"status": Status.UNDONE, **counts},
    )
    return {"batch": batch.pk, **counts}


def imports_purge_journals(*, now=None):
    """Delete the journals of imports finished more than ``UNDO_DAYS`` days ago (all
    orgs): they can no longer be undone. Returns how many journal rows went."""
    from guanxi.core.tenancy import all_orgs

    cutoff = (now or timezone.now()) - datetime.timedelta(days=UNDO_DAYS)
    with all_orgs():
        return ImportChunk.objects.filter(
            batch__status__in=FINISHED, batch__finished_at__lt=cutoff
        ).delete()[0]


def imports_recover():
    """Finish the imports whose job ended without them (all orgs): a worker that
    stopped mid-import leaves the batch "running" with the chunks it committed.
    Their chunks are taken back and the batch is marked failed (a check goes back
    to "mapped"), so it can be changed and started again. Returns how many."""
    from guanxi.core.tenancy import all_orgs, org_scope
    from guanxi.jobs.models import Job

    with all_orgs():
        stranded = list(
            ImportBatch.objects.filter(status__in=BUSY)
            .exclude(job__status__in=(Job.Status.QUEUED, Job.Status.RUNNING))
            .select_related("created_by")
        )
    for batch in stranded:
        with org_scope(batch.org_id):
            if batch.status == Status.RUNNING:
                undo.take_back(batch, batch.created_by)
                status, message = Status.FAILED, _("导入被中断，已写入的数据已撤销，请重新导入。")
            elif batch.status == Status.UNDOING:  # the rest of the journal is still there
                status, message = Status.DONE, _("撤销中途失败，可以再次撤销。")
            else:
                status, message = Status.MAPPED, _("校验被中断，请重新校验。")
            ImportBatch.objects.filter(pk=batch.pk, status=batch.status).update(
                status=status, message=message, updated_at=timezone.now()
            )
    return len(stranded)
