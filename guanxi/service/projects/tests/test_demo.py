"""The service projects demo seed: three projects at different stages with milestones,
tasks and hours; a second run adds nothing."""

import pytest

from guanxi.core.tenancy import org_scope
from guanxi.service.projects import demo, selectors
from guanxi.service.projects.models import ServiceProject, TimeEntry
from guanxi.service.projects.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_demo_projects(world):
    h.customer(world, name="演示客户甲")
    h.customer(world, name="演示客户乙")
    with org_scope(world.org):
        assert demo.seed(world.admin) == 3
        statuses = {p.name: p.status for p in ServiceProject.objects.all()}
        assert statuses == {
            "生产线设备安装调试": "in_progress",
            "ERP 系统升级改造": "planned",
            "年度设备巡检": "completed",
        }
        running = ServiceProject.objects.get(name="生产线设备安装调试")
        summary = selectors.project_summary(project=running)
        assert summary.overdue_milestones == 1 and summary.overdue_tasks == 1
        assert 0 < summary.progress < 100
        assert TimeEntry.objects.exists()
        assert demo.seed(world.admin) == 0
        assert ServiceProject.objects.count() == 3
