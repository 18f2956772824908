"""Isolation-matrix samples (see guanxi/api/tests/matrix.py).

Robots are org setup (admin / ``parameters.edit``), not owned by anyone. Notifications
and preferences belong to one employee only and are read-only or per-kind resources
(not full model viewsets, so the matrix skips them); ``test_api.py`` proves their
isolation (another org's or another employee's notification is 404)."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.workspace.notifications import services
from guanxi.workspace.notifications.models import NotificationPreference


@sample(
    "notification-robot",
    change={"name": "改过的机器人"},
    check_field="name",
    create=lambda w: {
        "name": "新建的机器人",
        "platform": "dingtalk",
        "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=new",
        "secret": "SECnew",
    },
)
def build_robot(world):
    with org_scope(world.org):
        return services.robot_create(
            actor=world.admin,
            name="销售群机器人",
            platform="wecom",
            webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=sample",
        )


@sample("notification", change={}, check_field="read_at")
def build_notification(world):
    with org_scope(world.org):
        return services.notify(recipients=[world.admin], kind="announcement", title="样本通知")[0]


@sample("notification-preference", change={"channels": ["email"]}, check_field="channels")
def build_preference(world):
    with org_scope(world.org):
        services.preference_set(actor=world.admin, kind="mention", channels=["robot"])
        return NotificationPreference.objects.get(employee=world.admin, kind="mention")
