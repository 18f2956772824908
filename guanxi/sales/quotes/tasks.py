"""Huey tasks of quotes: thin wrappers that call the services, org by org."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.sales.quotes import services


@db_periodic_task(crontab(hour="0", minute="13"))
def quotes_expire():
    """Every night: sent quotes whose validity has passed become expired, every active org."""
    return {org_id: services.quotes_expire(org_id=org_id) for org_id in services.active_org_ids()}
