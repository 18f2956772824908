"""The demo seed of work reports writes templates and reports through the services, once."""

import datetime

import pytest
import time_machine

from guanxi.core.tenancy import org_scope
from guanxi.workspace.reports import demo
from guanxi.workspace.reports.models import ReportScore, ReportTemplate, WorkReport

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC), tick=False)
def test_seed_once(world):
    with org_scope(world.org):
        made = demo.seed(world.admin)
        assert made == 2  # rep_a and rep_b have a manager
        assert ReportTemplate.objects.count() == 3
        assert WorkReport.objects.filter(status="submitted", is_late=False).count() == 1
        assert ReportScore.objects.count() == 1
        assert demo.seed(world.admin) == 0
