"""Reads of follow-up records and customer files, within the employee's access."""

from django.db.models import QuerySet
from django.http import Http404

from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.workspace.models import Activity, Attachment

ACTIVITY_SCOPE = {"owner": "owner", "department": "department"}  # for writes
TIMELINE_LIMIT = 20


def activity_queryset(*, employee) -> QuerySet[Activity]:
    """Live follow-ups of the customers the employee may see.

    A customer's history is read with the customer: whoever may see a customer sees every
    follow-up on it, whoever wrote it. The activities data scope decides whose follow-ups
    one may change or delete (see the services)."""
    if not policy.can(employee, "activities.view"):
        return Activity.objects.none()
    visible_customers = customer_selectors.customer_queryset(employee=employee).values("pk")
    return Activity.objects.filter(customer_id__in=visible_customers).select_related(
        "owner", "contact", "customer"
    )


def attachment_queryset(*, employee) -> QuerySet[Attachment]:
    """Live files of the customers the employee may see."""
    visible_customers = customer_selectors.customer_queryset(employee=employee).values("pk")
    return Attachment.objects.filter(customer_id__in=visible_customers).select_related(
        "uploaded_by", "customer"
    )


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_activity(employee, pk, *, write=False):
    """The follow-up, if ``employee`` may see it (and edit it when ``write``); else 404/403."""
    policy.require(employee, "activities.edit" if write else "activities.view")
    return _get(activity_queryset(employee=employee), pk)


def access_attachment(employee, pk, *, write=False):
    """The file, if ``employee`` may see its customer (and edit it when ``write``)."""
    policy.require(employee, "customers.edit" if write else "customers.view")
    return _get(attachment_queryset(employee=employee), pk)


def customer_activities(*, employee, customer, limit=None):
    """The customer's follow-ups the employee may see, newest first (one query)."""
    qs = activity_queryset(employee=employee).filter(customer_id=customer.pk)
    qs = qs.select_related(None).select_related("owner", "contact")
    qs = qs.order_by("-occurred_at", "-id")
    return qs if limit is None else qs[:limit]


def customer_attachments(*, employee, customer):
    if not policy.can(employee, "customers.view"):
        return Attachment.objects.none()
    return (
        Attachment.objects.filter(customer_id=customer.pk)
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")
    )
