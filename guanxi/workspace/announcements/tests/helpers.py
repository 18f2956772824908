"""Shared helpers of this app's tests."""

from guanxi.core.tenancy import org_scope
from guanxi.workspace.announcements import services


def publish(world, *, actor=None, title="年会通知", body="周五下午三点", **fields):
    """An announcement published by ``actor`` (the admin), in the world's org."""
    with org_scope(world.org):
        return services.announcement_create(
            actor=actor or world.admin, title=title, body=body, publish=True, **fields
        )


def draft(world, *, actor=None, title="草稿公告", **fields):
    with org_scope(world.org):
        return services.announcement_create(actor=actor or world.admin, title=title, **fields)
