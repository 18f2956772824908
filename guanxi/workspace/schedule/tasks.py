"""Huey tasks of the calendar: thin wrappers that call the services, org by org."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.workspace.schedule import services


@db_periodic_task(crontab(minute="*"))
def schedule_reminders_minutely():
    """Every minute: the task and event reminders that have come, for every active org."""
    return {org_id: services.reminders_send(org=org_id) for org_id in services.active_org_ids()}
