"""Huey tasks of customers: thin wrappers that call the services, org by org."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanxi.customers import care, lifecycle, pool, renewals
from guanxi.orgs.models import Organization


def _active_org_ids():
    return list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))


@db_task()
def pool_return_org(org_id):
    """Return one org's customers not followed up for too long to the pool."""
    return pool.pool_auto_return(org=org_id)


@db_periodic_task(crontab(hour="1", minute="17"))
def pool_return_daily():
    """Every night: the public pool's automatic return, for every active org."""
    return {org_id: pool.pool_auto_return(org=org_id) for org_id in _active_org_ids()}


@db_periodic_task(crontab(hour="5", minute="23"))
def care_generate_daily():
    """Every morning: care tasks for the coming birthdays and anniversaries, every active org."""
    return {org_id: care.care_generate(org=org_id) for org_id in _active_org_ids()}


@db_periodic_task(crontab(hour="2", minute="7"))
def lifecycle_churn_daily():
    """Every night: new and repeat customers with no purchase for the org's
    ``churn_threshold_days`` days become dormant, for every active org."""
    return {org_id: lifecycle.lifecycle_churn_scan(org=org_id) for org_id in _active_org_ids()}


@db_periodic_task(crontab(hour="5", minute="31"))
def care_rules_daily():
    """Every morning: the care tasks the active care plans call for, every active org."""
    return {org_id: care.care_rules_generate(org=org_id) for org_id in _active_org_ids()}


@db_periodic_task(crontab(hour="2", minute="41"))
def renewals_generate_daily():
    """Every night, after the churn scan: renewal items follow their customers' owners, and
    the repeat-purchase items the org's ``repurchase_cycle_days`` calls for, every active org."""
    return {org_id: renewals.renewals_generate(org=org_id) for org_id in _active_org_ids()}
