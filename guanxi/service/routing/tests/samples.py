"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): a routing queue and an SLA
policy (service setup: org-wide records, no data scope)."""

from guanxi.api.tests.matrix import sample
from guanxi.service.routing.tests.helpers import queue, sla


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
