"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): a routing queue, an SLA
policy and a work calendar day (service setup: org-wide records, no data scope)."""

from guanxi.api.tests.matrix import sample
from guanxi.service.routing.tests.helpers import calendar_days, queue, sla


@sample(
    "service-queue",
    change={"name": "改过的队列"},
    check_field="name",
    create=lambda world: {"name": "新建队列", "team": world.service.pk, "categories": ["repair"]},
)
def build_queue(world):
    return queue(world, "样本队列")


@sample(
    "sla-policy",
    change={"name": "改过的策略"},
    check_field="name",
    create=lambda world: {
        "name": "新建策略",
        "first_response_minutes": 60,
        "resolution_minutes": 480,
    },
)
def build_sla_policy(world):
    return sla(world, "样本策略")


@sample(
    "calendar-day",
    change={"name": "改过的节日"},
    check_field="name",
    create=lambda world: {"date": "2026-05-01", "name": "劳动节", "kind": "holiday"},
)
def build_calendar_day(world):
    return calendar_days(world, "2026-10-01", name="国庆节")[0]
