"""The record types a follow-up (跟进记录) can belong to.

A follow-up's target is ``(key, id)``: a customer, a contact, and any record type that
registers itself here in its ``AppConfig.ready()`` — leads, opportunities, tickets…::

    targets.register(
        Opportunity, key="opportunity", module="opportunities",
        label=pgettext_lazy("record type", "商机"),
        link=lambda o: reverse("sales:opportunity_detail", args=[o.pk]),
        visible=lambda employee: opportunity_queryset(employee=employee),
        customer=lambda o: o.customer_id,
    )

``module`` names the permission module whose policy decides who sees the records;
``visible(employee)`` returns the records the employee may see (by default the
module's data scope over ``owner``/``department``). ``customer(record)`` gives the
customer id to store on the follow-up (so it also shows on that customer's timeline);
``field`` names the follow-up's own foreign key that holds records of this type
(customers and contacts), which then serves the record's timeline and shows the
record without a query. ``on_change(record_ids)`` is called in the transaction that
records, edits or deletes a follow-up on those records. Registration is idempotent by key.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import pgettext_lazy

from guanxi.orgs import policy


@dataclass(frozen=True)
class Target:
    key: str
    model: Any
    module: str
    label: Any  # lazy translated singular noun, e.g. 客户
    link: Callable[[Any], str]
    visible: Callable[[Any], QuerySet]
    customer: Callable[[Any], int | None]
    field: str | None = None
    # (record ids) -> None: called inside the transaction that records, edits or deletes a
    # follow-up on those records (a lead's score counts its follow-ups)
    on_change: Callable[[list[int]], None] | None = None

    def timeline_q(self, record_id: int) -> Q:
        """The follow-ups shown on the timeline of this type's record ``record_id``."""
        if self.field:
            return Q(**{f"{self.field}_id": record_id})
        return Q(target_type=self.key, target_id=record_id)

    def visible_q(self, employee) -> Q:
        """The follow-ups on records of this type that ``employee`` may see."""
        return Q(target_type=self.key, target_id__in=self.visible(employee).values("pk"))


_targets: dict[str, Target] = {}


def register(
    model,
    *,
    key: str,
    module: str,
    label,
    link: Callable[[Any], str],
    visible: Callable[[Any], QuerySet] | None = None,
    customer: Callable[[Any], int | None] | None = None,
    field: str | None = None,
    on_change: Callable[[list[int]], None] | None = None,
) -> Target:
    """Let follow-ups belong to records of ``model``, named ``key`` in the API."""

    def scoped(employee):
        return policy.scope_queryset(
            employee, module, model.objects.all(), owner="owner", department="department"
        )

    target = Target(
        key=key,
        model=model,
        module=module,
        label=label,
        link=link,
        visible=visible or scoped,
        customer=customer or (lambda record: None),
        field=field,
        on_change=on_change,
    )
    _targets[key] = target
    return target


def changed(key, record_ids) -> None:
    """Tell the target type ``key`` that follow-ups on ``record_ids`` changed."""
    target = get(key)
    if target is not None and target.on_change is not None:
        target.on_change(list(record_ids))


def get(key) -> Target | None:
    return _targets.get(key) if isinstance(key, str) else None


def keys() -> list[str]:
    return sorted(_targets)


def all_targets() -> list[Target]:
    return [_targets[key] for key in keys()]


def visible_q(employee) -> Q:
    """Follow-ups whose target ``employee`` may see, whatever its type."""
    query = Q(pk__in=[])
    for target in all_targets():
        query |= target.visible_q(employee)
    return query


def find(employee, key, pk):
    """``(target, record, problem)``: the live record of type ``key`` of the employee's org,
    and why it may not be used (``"type"``, ``"missing"``, ``"not_visible"``) or None."""
    target = get(key)
    if target is None:
        return None, None, "type"
    try:
        pk = int(pk)
    except (TypeError, ValueError, OverflowError):
        return target, None, "missing"
    if not 0 < pk < 2**63:
        return target, None, "missing"
    record = target.model.objects.filter(pk=pk).first()  # the org scope is open
    if record is None:
        return target, None, "missing"
    if not target.visible(employee).filter(pk=pk).exists():
        return target, record, "not_visible"
    return target, record, None


# ---- customers and contacts ------------------------------------------------------------------


def _visible_contacts(employee):
    """Contacts in the employee's contacts data scope, and every contact of a customer they
    see (the customer page shows all of a customer's people, whoever owns each record)."""
    from guanxi.customers import selectors as customer_selectors
    from guanxi.customers.models import Contact

    if not policy.can(employee, "contacts.view"):
        return Contact.objects.none()
    scoped = customer_selectors.contact_queryset(employee=employee).values("pk")
    customers = customer_selectors.customer_queryset(employee=employee).values("pk")
    return Contact.objects.filter(Q(pk__in=scoped) | Q(customer_id__in=customers)).select_related(
        "customer"
    )


def register_builtin():
    from guanxi.customers import selectors as customer_selectors
    from guanxi.customers.models import Contact, Customer

    register(
        Customer,
        key="customer",
        module="customers",
        label=pgettext_lazy("record type", "客户"),
        link=lambda customer: reverse("customers:customer_detail", args=[customer.pk]),
        visible=lambda employee: customer_selectors.customer_queryset(employee=employee),
        customer=lambda customer: customer.pk,
        field="customer",
    )
    register(
        Contact,
        key="contact",
        module="contacts",
        label=pgettext_lazy("record type", "联系人"),
        link=lambda contact: reverse("workspace:target_activities", args=["contact", contact.pk]),
        visible=_visible_contacts,
        customer=lambda contact: contact.customer_id,
        field="contact",
    )
