"""Isolation-matrix samples (see guanxi/api/tests/matrix.py): the org's mailbox (one
per org, so it is not created again by the matrix)."""

from guanxi.api.tests.matrix import sample
from guanxi.service.mail.tests import helpers as h


@sample(
    "mailbox", change={"from_name": "改过的名称"}, check_field="from_name", module="service_setup"
)
def build_mailbox(world):
    return h.mailbox(world, active=False)
