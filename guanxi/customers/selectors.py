"""Reads of customers and contacts, within the employee's data scope."""

import re

from django.db.models import CharField, F, JSONField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.utils.translation import get_language

from guanxi.customers.models import Contact, Customer, CustomerMerge, LifecycleChange
from guanxi.orgs import policy
from guanxi.orgs.models import DictionaryEntry

CUSTOMER_SCOPE = {"owner": "owner", "department": "department"}
CONTACT_SCOPE = {"owner": "owner", "department": "owner_department"}


def customer_queryset(*, employee, deleted=False):
    """Customers ``employee`` may see (``deleted``: the recycle bin instead)."""
    base = (
        # merged-away customers live on in their survivor, not in the recycle bin
        Customer.with_deleted.filter(deleted_at__isnull=False, merged_into__isnull=True)
        if deleted
        else Customer.objects
    )
    qs = base.select_related("owner", "department", "parent")
    return policy.scope_queryset(employee, "customers", qs, **CUSTOMER_SCOPE)


def contact_queryset(*, employee, deleted=False):
    """Contacts ``employee`` may see (``deleted``: the recycle bin instead)."""
    base = Contact.with_deleted.filter(deleted_at__isnull=False) if deleted else Contact.objects
    qs = base.select_related("customer", "owner", "owner_department", "manager")
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


def access_customer(employee, pk, *, write=False, deleted=False, labels=False):
    """The customer, if ``employee`` may see it (and edit it when ``write``); else 404/403.
    ``labels``: with its picklist labels too (see ``with_labels``), in the same query."""
    policy.require(employee, "customers.edit" if write else "customers.view")
    queryset = customer_queryset(employee=employee, deleted=deleted)
    return _get(with_labels(queryset) if labels else queryset, pk)


def with_labels(queryset):
    """Customers with ``<field>_label``: the label, in the current language, of each
    picklist field's code (None when the picklist has no such code). Subqueries of
    the customer query: no query of their own."""
    from guanxi.customers.services import DICTIONARY_FIELDS

    english = (get_language() or "").startswith("en")
    shown = Coalesce(NullIf("label_en", Value("")), "label") if english else F("label")
    return queryset.annotate(
        **{
            f"{field}_label": Subquery(
                DictionaryEntry.objects.filter(kind=kind, code=OuterRef(field))
                .annotate(shown=shown)
                .values("shown")[:1],
                output_field=CharField(),
            )
            for field, kind in DICTIONARY_FIELDS.items()
        }
    )


def merged_survivor(employee, pk):
    """The customer that a merged-away customer ``pk`` went into, if ``employee`` may see
    it; else None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError, OverflowError):
        return None
    target = (
        Customer.with_deleted.filter(pk=pk, merged_into__isnull=False)
        .values_list("merged_into_id", flat=True)
        .first()
    )
    if target is None:
        return None
    return customer_queryset(employee=employee).filter(pk=target).first()


_CONTACTS_ATTR = "_guanxi_contacts"


def customer_contacts(*, employee, customer):
    """Every live contact of a customer the employee sees (one query): the people at a
    customer are part of the customer, whoever owns each contact record.

    Kept on the ``customer`` instance (this request's), so the parts of one page that
    show the contacts share the query."""
    if not policy.can(employee, "contacts.view"):
        return []
    cached = getattr(customer, _CONTACTS_ATTR, None)
    if cached is not None and cached[0] == employee.pk:
        return cached[1]
    contacts = list(Contact.objects.filter(customer=customer).order_by("-is_primary", "id"))
    setattr(customer, _CONTACTS_ATTR, (employee.pk, contacts))
    return contacts


def access_contact(employee, pk, *, write=False):
    policy.require(employee, "contacts.edit" if write else "contacts.view")
    return _get(contact_queryset(employee=employee), pk)


# ---- duplicate detection ---------------------------------------------------------------

# words that say what kind of company it is, not which one
_COMPANY_WORDS = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|股份公司|集团公司|集团|公司|分公司|总公司|有限|"
    r"co\.?,?\s*ltd\.?|ltd\.?|inc\.?|corp\.?|limited|company|group)",
    re.IGNORECASE,
)
_PLACES = re.compile(
    r"(北京|上海|天津|重庆|广州|深圳|杭州|南京|苏州|成都|武汉|西安|青岛|厦门|宁波|合肥|"
    r"[\u4e00-\u9fff]{2,3}(?:省|市|区|县))"
)
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
SIMILAR_LIMIT = 5


def name_core(name):
    """The distinctive part of a company name: "北京华为技术有限公司" and
    "华为技术（北京）有限公司" both give "华为技术"."""
    core = _BRACKETS.sub("", name or "")
    core = _COMPANY_WORDS.sub("", core)
    core = _PLACES.sub("", core)
    return _NOISE.sub("", core).lower()


def duplicate_candidates(*, employee, name="", phone="", email="", exclude=None):
    """Customers that look like the one being entered: same phone digits, same
    e-mail, or the same distinctive name. Returns ``(visible, hidden_count)``:
    the matches ``employee`` may see, and how many more exist outside their
    data scope (named to nobody, so duplicates are caught without leaking)."""
    policy.require(employee, "customers.view")
    query = Q()
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if len(digits) >= 7:
        query |= Q(phone_digits__contains=digits)
    if email and "@" in email:
        query |= Q(email__iexact=email.strip())
    core = name_core(name)
    if len(core) >= 2:
        query |= Q(name__icontains=core)
    if not query:
        return [], 0
    candidates = Customer.objects.filter(query)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    matches = [c for c in candidates[:50] if _really_matches(c, core, digits, email)]
    visible_ids = set(
        customer_queryset(employee=employee)
        .filter(pk__in=[c.pk for c in matches])
        .values_list("pk", flat=True)
    )
    visible = [c for c in matches if c.pk in visible_ids]
    return visible[:SIMILAR_LIMIT], len(matches) - len(visible)


def _really_matches(customer, core, digits, email):
    if digits and len(digits) >= 7 and digits in customer.phone_digits.split():
        return True
    if email and customer.email and customer.email.lower() == email.strip().lower():
        return True
    return bool(core) and name_core(customer.name) == core


# ---- lifecycle -------------------------------------------------------------------------


def lifecycle_counts(*, employee):
    """``{stage: count}`` over the customers ``employee`` may see (one query)."""
    from django.db.models import Count

    rows = (
        customer_queryset(employee=employee)
        .order_by()
        .values("lifecycle_stage")
        .annotate(n=Count("id"))
    )
    counts = {stage: 0 for stage in Customer.Lifecycle.values}
    counts.update({row["lifecycle_stage"]: row["n"] for row in rows})
    return counts


def lifecycle_history(*, customer):
    return customer.lifecycle_changes.select_related("actor").order_by("-created_at", "-id")


def stage_changes_and_merges(*, customer, changes=10, merges=20):
    """The latest ``changes`` lifecycle moves of ``customer`` and the latest ``merges``
    merges into it, newest first, in one query (a UNION). Plain rows, with
    ``actor_name`` for who did it; the merges carry ``merged``, the moves the stages."""
    newest = ("-created_at", "-id")
    latest_merges = CustomerMerge.objects.filter(survivor=customer).order_by(*newest)
    latest_moves = LifecycleChange.objects.filter(customer=customer).order_by(*newest)
    blank = Value("", output_field=CharField())
    merge_rows = (
        CustomerMerge.objects.filter(pk__in=latest_merges.values("pk")[:merges])
        .order_by()
        .values(
            "id",
            "created_at",
            "merged",
            actor_name=F("actor__name"),
            from_stage=blank,
            to_stage=blank,
            reason=blank,
            is_merge=Value(True),
        )
    )
    move_rows = (
        LifecycleChange.objects.filter(pk__in=latest_moves.values("pk")[:changes])
        .order_by()
        .values(
            "id",
            "created_at",
            merged_=Value(None, output_field=JSONField()),
            actor_name=F("actor__name"),
            from_stage_=F("from_stage"),
            to_stage_=F("to_stage"),
            reason_=F("reason"),
            is_merge=Value(False),
        )
    )
    rows = sorted(
        merge_rows.union(move_rows, all=True),
        key=lambda row: (row["created_at"], row["id"]),
        reverse=True,
    )
    return (
        [row for row in rows if not row["is_merge"]],
        [row for row in rows if row["is_merge"]],
    )


def recent_lifecycle_changes(*, employee, limit=50):
    """The latest stage changes of customers ``employee`` may see (one query)."""
    from guanxi.customers.models import LifecycleChange

    visible = customer_queryset(employee=employee).select_related(None).values("pk")
    return list(
        LifecycleChange.objects.filter(customer__in=visible)
        .exclude(reason=LifecycleChange.Reason.CREATED)
        .select_related("customer", "actor")
        .order_by("-created_at", "-id")[:limit]
    )
