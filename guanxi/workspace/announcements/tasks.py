"""Huey tasks of announcements: thin wrappers that call the services."""

from huey.contrib.djhuey import db_task

from guanxi.workspace.announcements import services


@db_task()
def announcement_notify(org_id, announcement_id, actor_id=None):
    """Notify a large audience of one announcement (queued when it is published)."""
    return services.notify_audience_job(
        org=org_id, announcement_id=announcement_id, actor_id=actor_id
    )
