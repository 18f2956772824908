"""Huey tasks of the e-mail channel: thin wrappers that open the org's scope and call
the services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.service.mail import services
from guanxi.service.mail.models import Mailbox, OutboundMail


@db_periodic_task(crontab(minute="*"))
def mailboxes_poll():
    """Every minute: each active mailbox whose next attempt is due (a failing one waits
    1, 2, 4… minutes). A mailbox's failure never stops the others."""
    with all_orgs():
        boxes = list(Mailbox.objects.filter(active=True).values_list("pk", "org_id"))
    results = {}
    for pk, org_id in boxes:
        with org_scope(org_id):
            results[pk] = services.mailbox_poll(mailbox=Mailbox(pk=pk, org_id=org_id)).as_dict()
    return results


@db_task()
def outbound_send(org_id, pk):
    """Send one reply right after it was queued."""
    with org_scope(org_id):
        return services.outbound_send(outbound=OutboundMail(pk=pk, org_id=org_id)).status


@db_periodic_task(crontab(minute="*"))
def outbound_send_due():
    """Every minute: the replies whose next attempt is due, every org."""
    with all_orgs():
        org_ids = sorted(
            set(
                OutboundMail.objects.filter(status=OutboundMail.Status.QUEUED).values_list(
                    "org_id", flat=True
                )
            )
        )
    results = {}
    for org_id in org_ids:
        with org_scope(org_id):
            results[org_id] = services.outbound_send_due()
    return results
