"""Reads of the e-mail channel and its access checks.

The mailbox settings are ``service_setup`` (view / edit). The mail logs are read by
those who set up the service (every mail) and by ticket handlers (``tickets.view``):
these see the mails without a ticket (the unmatched list they work from) and those of
the tickets their ticket data scope reaches.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.service.mail.models import InboundMail, Mailbox, OutboundMail

SETUP_VIEW = "service_setup.view"
SETUP_EDIT = "service_setup.edit"


def mailbox_of_org() -> Mailbox | None:
    """The current org's mailbox (one per org), or None."""
    return Mailbox.objects.order_by("id").first()


def access_mailbox(employee: Employee, *, write: bool = False) -> Mailbox | None:
    """The org's mailbox for someone who may see (``write``: change) the service setup;
    None when there is none yet; 403 otherwise."""
    policy.require(employee, SETUP_EDIT if write else SETUP_VIEW)
    return mailbox_of_org()


def mailbox_queryset(*, employee: Employee) -> QuerySet[Mailbox]:
    if not policy.can(employee, SETUP_VIEW):
        return Mailbox.objects.none()
    return Mailbox.objects.all()


def can_read_mail(employee: Employee) -> bool:
    return policy.can(employee, SETUP_VIEW) or policy.can(employee, "tickets.view")


def _ticket_q(employee, prefix="ticket__"):
    q = policy.visible_q(employee, "tickets", owner=f"{prefix}assignee", department=f"{prefix}team")
    return q


def inbound_queryset(*, employee: Employee) -> QuerySet[InboundMail]:
    """Received mails ``employee`` may read (see the module's note)."""
    qs = InboundMail.objects.select_related("ticket", "handled_by").defer("raw", "body_text")
    if policy.can(employee, SETUP_VIEW):
        return qs
    if not policy.can(employee, "tickets.view"):
        return qs.none()
    q = _ticket_q(employee)
    return qs if q is None else qs.filter(Q(ticket__isnull=True) | q)


def unmatched_queryset(*, employee: Employee) -> QuerySet[InboundMail]:
    """The mails waiting for someone to pick their customer (ticket creators)."""
    if not policy.can(employee, "tickets.create"):
        return InboundMail.objects.none()
    return (
        InboundMail.objects.filter(status=InboundMail.Status.UNMATCHED).defer("raw").order_by("-id")
    )


def access_inbound(employee: Employee, pk, *, write: bool = False) -> InboundMail:
    """One received mail ``employee`` may read (``write``: handle an unmatched one);
    404 when not visible, 403 without the permission."""
    if write:
        policy.require(employee, "tickets.create")
    elif not can_read_mail(employee):
        raise PermissionDenied(_("您没有查看服务邮件的权限。"))
    try:
        return (
            inbound_queryset(employee=employee)
            .defer(None)
            .select_related("ticket", "handled_by")
            .get(pk=int(pk))
        )
    except (InboundMail.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def outbound_queryset(*, employee: Employee) -> QuerySet[OutboundMail]:
    qs = OutboundMail.objects.select_related("ticket")
    if policy.can(employee, SETUP_VIEW):
        return qs
    if not policy.can(employee, "tickets.view"):
        return qs.none()
    q = _ticket_q(employee)
    return qs if q is None else qs.filter(q)


def access_outbound(employee: Employee, pk, *, write: bool = False) -> OutboundMail:
    if write:
        policy.require(employee, "tickets.edit")
    elif not can_read_mail(employee):
        raise PermissionDenied(_("您没有查看服务邮件的权限。"))
    try:
        return outbound_queryset(employee=employee).get(pk=int(pk))
    except (OutboundMail.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def outbound_for_messages(message_ids) -> dict[int, OutboundMail]:
    """``{ticket message id: its outbound mail}`` for a ticket's conversation (one
    query), for the send status beside each reply."""
    ids = [int(pk) for pk in message_ids]
    if not ids:
        return {}
    return {o.ticket_message_id: o for o in OutboundMail.objects.filter(ticket_message_id__in=ids)}
