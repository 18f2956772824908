"""Huey jobs of receivables: thin wrappers that call the scan, org by org."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.orgs.models import Organization
from guanxi.sales.receivables import reminders


@db_periodic_task(crontab(hour="7", minute="17"))
def receivable_reminders_daily():
    """Every morning before work: receivables coming due (the org's
    ``receivable_reminder_days`` ahead) and fallen overdue, to their owners, every active
    org (idempotent: each event is notified once, however often it runs)."""
    org_ids = Organization.objects.filter(is_active=True).values_list("pk", flat=True)
    return {org_id: reminders.scan_receivables_due(org=org_id) for org_id in list(org_ids)}
