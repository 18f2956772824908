"""Reads of leads and their rules, within the employee's data scope.

A lead is seen by its owner and whoever's ``leads`` data scope covers its owner's
department; a lead without an owner (in the lead pool, 线索池) by everyone with
``leads.view``, so that it can be claimed."""

from django.db.models import Q
from django.http import Http404

from guanxi.orgs import policy
from guanxi.sales.leads.models import AssignmentRule, Lead, ScoringRule

SCOPE = {"owner": "owner", "department": "owner_department"}
DICTIONARY_KINDS = {"industry": "industry", "source": "lead_source"}


def visible_q(employee):
    """A Q keeping the leads ``employee`` may see, or None for all of them."""
    scoped = policy.visible_q(employee, "leads", **SCOPE)
    return None if scoped is None else scoped | Q(owner__isnull=True)


def lead_queryset(*, employee):
    """Live leads ``employee`` may see, with their owners and departments."""
    if not policy.can(employee, "leads.view"):
        return Lead.objects.none()
    queryset = Lead.objects.select_related("owner", "owner_department")
    q = visible_q(employee)
    return queryset if q is None else queryset.filter(q)


def deleted_leads(*, employee):
    """Leads in the recycle bin that ``employee`` may see, most recently deleted first."""
    if not policy.can(employee, "leads.view"):
        return Lead.objects.none()
    queryset = Lead.with_deleted.filter(deleted_at__isnull=False).select_related("owner")
    q = visible_q(employee)
    return (queryset if q is None else queryset.filter(q)).order_by("-deleted_at", "-id")


def can_see(employee, lead):
    """May ``employee`` see ``lead`` (in scope, or in the pool)?"""
    if not policy.can(employee, "leads.view"):
        return False
    return lead.owner_id is None or policy.can_see_record(employee, "leads", lead, **SCOPE)


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (Lead.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_lead(employee, pk, *, write=False):
    """The lead, if ``employee`` may see it (and edit leads when ``write``); else 404/403."""
    policy.require(employee, "leads.edit" if write else "leads.view")
    return _get(
        lead_queryset(employee=employee).select_related(
            "converted_customer", "converted_contact", "converted_opportunity", "converted_by"
        ),
        pk,
    )


def my_open_leads(*, employee, limit=8):
    """The employee's own leads nobody has contacted yet (status new), newest first,
    and how many there are: the start page card (two queries at most)."""
    if not policy.can(employee, "leads.view"):
        return None
    rows = list(
        Lead.objects.filter(owner=employee, status=Lead.Status.NEW).order_by("-id")[: limit + 1]
    )
    count = len(rows)
    if count > limit:
        count = Lead.objects.filter(owner=employee, status=Lead.Status.NEW).count()
    return rows[:limit], count


def scoring_rules():
    return ScoringRule.objects.order_by("criterion", "-points", "id")


def assignment_rules():
    return AssignmentRule.objects.select_related(
        "department", "employee", "last_assigned"
    ).order_by("position", "id")
