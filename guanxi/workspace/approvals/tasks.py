"""Huey tasks of approvals: thin wrappers that call the services, org by org."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.orgs.models import Organization
from guanxi.workspace.approvals import services


@db_periodic_task(crontab(minute="*/15"))
def approvals_reroute_leavers():
    """Every quarter of an hour: approval tasks of employees who have left go to their
    managers, for every active org (the leave flow does it at once once it calls
    ``services.reroute_for_leaver``; this catches every other way of leaving)."""
    org_ids = Organization.objects.filter(is_active=True).values_list("pk", flat=True)
    return {org_id: services.reroute_leavers(org=org_id) for org_id in org_ids}
