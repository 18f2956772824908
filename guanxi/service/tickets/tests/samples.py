"""Isolation-matrix samples (see guanxi/api/tests/matrix.py). Tickets are an owned module
(assignee / team), but the matrix's sales representatives hold no ticket permission, so
its data-scope dimension is proven by ``test_api.TestDataScope`` instead."""

from guanxi.api.tests.matrix import sample
from guanxi.service.tickets.tests import helpers as t


def _body(world):
    client = t.customer(world, name="样本工单客户", owner=world.admin)
    return {"customer": client.pk, "subject": "样本工单", "category": "consultation"}


@sample(
    "ticket",
    change={"subject": "改过的主题"},
    check_field="subject",
    create=_body,
    module="tickets",
)
def build_ticket(world):
    return t.ticket(world, actor=world.admin, assignee=world.agent)
