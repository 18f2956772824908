"""Huey jobs of planning: thin wrappers that call the service, org by org."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Organization
from guanxi.sales.planning import services


@db_periodic_task(crontab(hour="0", minute="40"))
def forecast_snapshots_daily():
    """Just after midnight: this month's forecast snapshot of every active org. On the 1st
    it takes the month's snapshot; on other days it only fills what is missing (a server
    that was down on the 1st), since a snapshot is never replaced."""
    org_ids = list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))
    made = {}
    for org_id in org_ids:
        with org_scope(org_id):
            made[org_id] = services.forecast_snapshot_take(org_id=org_id)
    return made
