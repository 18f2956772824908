"""Huey tasks of work reports: thin wrappers that call the services, org by org."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.workspace.reports import services


@db_periodic_task(crontab(minute="*/15"))
def work_report_reminders():
    """Every quarter hour: remind those whose report is due soon or overdue, every active
    org (idempotent: once per employee, template and period)."""
    return {org_id: services.reminders_scan(org=org_id) for org_id in services.active_org_ids()}
