"""Huey tasks of service contracts: thin wrappers that call the services, org by org."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.orgs.models import Organization
from guanxi.service.contracts import services


def _active_org_ids():
    return list(Organization.objects.filter(is_active=True).values_list("pk", flat=True))


@db_periodic_task(crontab(hour="0", minute="17"))
def service_contracts_daily():
    """Every night: contracts past their end date expire; then the owners of contracts
    ending within the org's renewal reminder days are told, once per contract."""
    return {
        org_id: {
            "expired": services.service_contracts_expire(org=org_id),
            "reminded": services.service_contracts_remind_renewals(org=org_id),
        }
        for org_id in _active_org_ids()
    }
