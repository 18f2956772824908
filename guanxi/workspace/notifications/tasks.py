"""Huey tasks of notifications: thin wrappers that call the services, org by org."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanxi.orgs.models import Organization
from guanxi.workspace.notifications import scans, services


def _active_org_ids():
    return list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))


@db_task()
def deliveries_send(org_id, ids):
    """Send the deliveries one ``notify`` queued (right after its transaction commits)."""
    return services.deliveries_send(org=org_id, ids=ids)


@db_periodic_task(crontab(minute="*"))
def deliveries_send_due():
    """Every minute: the e-mails and robot posts whose (next) attempt is due, every org."""
    return {org_id: services.deliveries_send(org=org_id) for org_id in _active_org_ids()}


@db_periodic_task(crontab(hour="3", minute="29"))
def deliveries_purge_daily():
    """Every night: finished delivery records past their keep time, every org."""
    return {org_id: services.deliveries_purge(org=org_id) for org_id in _active_org_ids()}


@db_periodic_task(crontab(hour="7", minute="13"))
def reminders_daily():
    """Every morning before work: overdue follow-ups, coming birthdays, cooperation
    anniversaries, renewals and repeat purchases, customers lapsed into dormancy (after
    the night's churn scan), every active org (idempotent: each
    event is notified once, however often it runs)."""
    return {
        org_id: {
            "follow_up_overdue": scans.scan_followups_overdue(org=org_id),
            "birthday": scans.scan_birthdays(org=org_id),
            "anniversary": scans.scan_anniversaries(org=org_id),
            "renewal": scans.scan_renewals(org=org_id),
            "churn_risk": scans.scan_churn_risk(org=org_id),
        }
        for org_id in _active_org_ids()
    }
