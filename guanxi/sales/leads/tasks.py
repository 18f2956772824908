"""Huey tasks of leads: thin wrappers that call the services, org by org."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Organization
from guanxi.sales.leads import services


@db_periodic_task(crontab(hour="3", minute="47"))
def leads_rescore_daily():
    """Every night: lead scores follow the day's follow-ups (and any rule change a
    recalculation job missed), for every active org."""
    result = {}
    for org_id in Organization.objects.filter(is_active=True).values_list("pk", flat=True):
        with org_scope(org_id):
            result[org_id] = services.leads_rescore_all(org_id=org_id)
    return result
