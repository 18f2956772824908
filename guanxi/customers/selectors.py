"""Reads of customers and contacts, within the employee's data scope."""

from django.db.models import Q
from django.http import Http404

from guanxi.customers.models import Contact, Customer
from guanxi.orgs import policy

CUSTOMER_SCOPE = {"owner": "owner", "department": "department"}
CONTACT_SCOPE = {"owner": "owner", "department": "owner_department"}


def customer_queryset(*, employee, deleted=False):
    """Customers ``employee`` may see (``deleted``: the recycle bin instead)."""
    base = Customer.with_deleted.filter(deleted_at__isnull=False) if deleted else Customer.objects
    qs = base.select_related("owner", "department", "parent")
    return policy.scope_queryset(employee, "customers", qs, **CUSTOMER_SCOPE)


def contact_queryset(*, employee):
    qs = Contact.objects.select_related("customer", "owner", "owner_department", "manager")
    return policy.scope_queryset(employee, "contacts", qs, **CONTACT_SCOPE)


def text_query(value, *, with_code=True):
    """Name, code (customers), mnemonic, pinyin, e-mail, or 4+ digits of a phone."""
    value = value.strip()
    if not value:
        return Q()
    query = (
        Q(name__icontains=value)
        | (Q(code__icontains=value) if with_code else Q(pk__in=[]))
        | Q(mnemonic__icontains=value.upper())
        | Q(search_keys__icontains=value.lower())
        | Q(email__icontains=value)
    )
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) >= 4 and len(digits) == len(value.replace("-", "").replace(" ", "")):
        query |= Q(phone_digits__contains=digits)
    return query


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_customer(employee, pk, *, write=False, deleted=False):
    """The customer, if ``employee`` may see it (and edit it when ``write``); else 404/403."""
    policy.require(employee, "customers.edit" if write else "customers.view")
    return _get(customer_queryset(employee=employee, deleted=deleted), pk)


def access_contact(employee, pk, *, write=False):
    policy.require(employee, "contacts.edit" if write else "contacts.view")
    return _get(contact_queryset(employee=employee), pk)
