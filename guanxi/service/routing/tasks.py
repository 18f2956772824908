"""Huey jobs of routing and SLAs: thin, every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.orgs.models import Organization
from guanxi.service.routing import services


@db_periodic_task(crontab(minute="*"))
def route_waiting_every_minute():
    """Every minute: waiting tickets go to agents who are online now, every active org."""
    org_ids = Organization.objects.filter(is_active=True).values_list("pk", flat=True)
    return {org_id: services.route_waiting(org=org_id) for org_id in list(org_ids)}


@db_periodic_task(crontab(minute="*"))
def sla_scan_every_minute():
    """Every minute: SLA warnings, breaches and escalations, every active org."""
    return services.sla_scan()
