"""The change-log export job: CSV content, filters, progress, permission at run time."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from guanxi.audit.jobs import EXPORT_KIND
from guanxi.audit.tests.factories import all_exports, change, rename_department
from guanxi.core.tenancy import org_scope
from guanxi.jobs import registry, services
from guanxi.jobs.models import Job

pytestmark = pytest.mark.django_db


def _run(actor, filters, capture, language=None):
    language = language or "zh-hans"
    with translation.override(language), org_scope(actor.org), capture(execute=True):
        job = services.job_start(actor=actor, kind=EXPORT_KIND, params={"filters": filters})
    with org_scope(actor.org):
        job.refresh_from_db()
    return job


def _csv(job):
    with job.file.open("rb") as handle:
        raw = handle.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_export_writes_one_line_per_changed_field(
    world, other_world, django_capture_on_commit_callbacks
):
    rename_department(world.admin, world.east, "华东一组")
    change(
        world.org,
        entity="orgs.employee",
        object_id=world.rep_a.pk,
        object_repr="张三",
        action="delete",
        changes={},
    )
    change(other_world.org, object_repr="贝塔")
    job = _run(world.admin, {}, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.progress, job.total, job.percent) == (2, 2, 100)
    assert job.file.name.endswith(".csv") and "/audit-log-" in job.file.name
    rows = _csv(job)
    assert rows[0] == [
        "时间",
        "操作人",
        "对象类型",
        "对象 ID",
        "对象",
        "操作",
        "字段",
        "原值",
        "新值",
    ]
    assert rows[1][1:] == ["", "员工", str(world.rep_a.pk), "张三", "删除", "", "", ""]
    assert rows[2][1:] == [
        "管理员",
        "部门",
        str(world.east.pk),
        "华东一组",
        "修改",
        "名称",
        "华东组",
        "华东一组",
    ]
    assert len(rows) == 3  # org B's record is not exported
    assert str(registry.summary(job.kind, job.result)) == "已导出 2 条变更记录。"
    (record,) = all_exports()
    assert (record.entity, record.row_count, record.file_format) == ("audit.changerecord", 2, "csv")


def test_export_follows_the_filters(world, django_capture_on_commit_callbacks):
    rename_department(world.admin, world.east, "华东一组")
    rename_department(world.admin, world.north, "华北一组")
    job = _run(world.admin, {"object_id": str(world.north.pk)}, django_capture_on_commit_callbacks)
    rows = _csv(job)
    assert [row[4] for row in rows[1:]] == ["华北一组"]
    assert all_exports()[0].filters == {"object_id": str(world.north.pk)}


def test_export_in_english_and_formula_cells_are_defused(world, django_capture_on_commit_callbacks):
    change(
        world.org, object_repr='=HYPERLINK("x")', changes={"sort_order": {"old": -5, "new": "+1"}}
    )
    job = _run(world.admin, {}, django_capture_on_commit_callbacks, language="en")
    rows = _csv(job)
    assert rows[0][0] == "Time"
    assert rows[1][4] == '\'=HYPERLINK("x")'
    assert rows[1][7:] == ["-5", "'+1"]


def test_permission_is_checked_again_when_the_job_runs(world):
    """Permission lost while the job waited: it fails, nothing is exported."""
    with org_scope(world.org):
        job = Job.objects.create(
            org=world.org, created_by=world.readonly, kind=EXPORT_KIND, params={"filters": {}}
        )
    services.job_run(job.pk)
    with org_scope(world.org):
        job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "审计日志" in job.error and not job.file
    assert all_exports() == []


def test_start_needs_audit_export(world):
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.job_start(actor=world.readonly, kind=EXPORT_KIND, params={})


def test_invalid_filters_fail_the_job_with_a_message(world):
    with org_scope(world.org):
        job = Job.objects.create(
            org=world.org,
            created_by=world.admin,
            kind=EXPORT_KIND,
            params={"filters": {"date_from": "nonsense"}},
        )
    services.job_run(job.pk)
    with org_scope(world.org):
        job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "日期" in job.error
