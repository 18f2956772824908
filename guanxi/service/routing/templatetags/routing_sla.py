"""Template helpers of routing and SLAs: a ticket's SLA for display, readable durations,
and the link to a ticket."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guanxi.service.routing import selectors, services
from guanxi.service.tickets.models import Ticket

register = template.Library()


@register.simple_tag
def ticket_sla(ticket):
    """``{% ticket_sla ticket as sla %}``: ``selectors.sla_for_ticket`` with ``parts``
    (label, part) for the two promises; None without a clock."""
    shown = selectors.sla_for_ticket(ticket)
    if shown is None:
        return None
    shown["parts"] = [
        (_("首次响应"), shown["first_response"]),
        (_("解决"), shown["resolution"]),
    ]
    return shown


@register.simple_tag
def ticket_url(ticket):
    return services.ticket_link(ticket.pk)


@register.filter
def duration_text(seconds):
    """``2 小时 5 分钟`` / ``47 分钟`` / ``3 天 2 小时`` (negative: the same, overdue)."""
    if seconds is None:
        return ""
    total = abs(int(seconds)) // 60
    days, rest = divmod(total, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d 天 %(hours)d 小时") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d 小时 %(minutes)d 分钟") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d 分钟") % {"minutes": minutes}


@register.filter
def minutes_text(minutes):
    """A policy's time limit: ``30 分钟``, ``4 小时``, ``27 小时 30 分钟``."""
    minutes = int(minutes or 0)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d 分钟") % {"minutes": rest}
    if not rest:
        return pgettext("duration", "%(hours)d 小时") % {"hours": hours}
    return _("%(hours)d 小时 %(minutes)d 分钟") % {"hours": hours, "minutes": rest}


@register.filter
def priority_label(code):
    return dict(Ticket.Priority.choices).get(code, "") if code else ""
