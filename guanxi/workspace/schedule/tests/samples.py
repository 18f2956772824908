"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): tasks and events assigned
to ``rep_b`` in 华北组, so the data-scope dimension of the matrix applies."""

import datetime

from django.utils import timezone

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.workspace.schedule import services


def _soon(days=1):
    return timezone.now() + datetime.timedelta(days=days)


@sample(
    "task",
    change={"title": "改过的任务"},
    check_field="title",
    create=lambda w: {"title": "新任务", "due_at": _soon(2).isoformat()},
    owned=True,
)
def build_task(world):
    with org_scope(world.org):
        return services.task_create(
            actor=world.admin, title="样本任务", due_at=_soon(), assignee=world.rep_b
        )


@sample(
    "event",
    change={"title": "改过的日程"},
    check_field="title",
    create=lambda w: {"title": "新日程", "starts_at": _soon(3).isoformat()},
    owned=True,
)
def build_event(world):
    with org_scope(world.org):
        return services.event_create(
            actor=world.admin, title="样本日程", starts_at=_soon(), assignee=world.rep_b
        )
