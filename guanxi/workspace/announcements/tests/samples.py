"""Isolation-matrix samples (see guanxi/api/tests/matrix.py). Announcements belong to the
org (no data scope): one published to the whole org by its admin."""

from guanxi.api.tests.matrix import sample
from guanxi.core.tenancy import org_scope
from guanxi.workspace.announcements import services


@sample(
    "announcement",
    change={"title": "改过的公告标题"},
    check_field="title",
    create=lambda w: {"title": "新的公告", "body": "内容", "audience": "all"},
)
def build_announcement(world):
    with org_scope(world.org):
        return services.announcement_create(
            actor=world.admin, title="年会通知", body="周五下午三点", publish=True
        )
