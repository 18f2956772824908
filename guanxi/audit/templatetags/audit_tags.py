"""``{% record_history obj %}``: the change history of one record, for detail pages."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse

from guanxi.audit import display, selectors
from guanxi.audit.services import entity_of
from guanxi.orgs import policy

register = template.Library()


@register.inclusion_tag("audit/_history.html", takes_context=True)
def record_history(context, obj, limit=50):
    """The latest ``limit`` changes of ``obj`` (one query), newest first.

    The including page must already have checked that the reader may see
    ``obj``. Sensitive fields (``AUDIT_SENSITIVE``) are hidden per the reader.
    """
    request = context.get("request")
    employee = context.get("employee") or getattr(request, "employee", None)
    records = selectors.history_for(obj, limit=limit)
    display.present_changes(records, employee=employee)
    full_log_url = None
    if employee is not None and policy.can(employee, "audit.view"):
        query = urlencode({"entity": entity_of(obj), "object_id": obj.pk})
        full_log_url = f"{reverse('audit:log')}?{query}"
    return {"records": records, "truncated": len(records) >= limit, "full_log_url": full_log_url}
