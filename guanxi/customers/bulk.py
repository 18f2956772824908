"""Creating many customers at once (imports), with the single-record rules.

``customer_build`` checks one customer as ``customer_create`` does — the same
field rules, owner rules, tags, custom fields and search keys — but without a
query per record: the caller hands in the org's custom field definitions and
active dictionary codes once. ``customers_bulk_create`` then writes the built
customers in batches, takes their codes from the numbering rule in blocks and
records their "created" lifecycle step in bulk, then brings their search-index
entries up to date.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core import pinyin
from guanxi.core.errors import BusinessRuleError
from guanxi.customers import indexing, services
from guanxi.customers.models import Contact, Customer, LifecycleChange, month_day
from guanxi.orgs import custom_fields, numbering, policy

BATCH_SIZE = 1000
LOOKUP_CHUNK = 500
# checked by the caller against preloaded data (no query per record)
BUILD_EXCLUDE = ("owner", "department", "parent", "custom")


def active_dictionary_codes():
    """``{(kind, code)}`` of the active entries behind the customer dictionary fields."""
    from guanxi.orgs.models import DictionaryEntry

    return set(
        DictionaryEntry.objects.filter(
            kind__in=services.DICTIONARY_FIELDS.values(), is_active=True
        ).values_list("kind", "code")
    )


def refresh_search(customer):
    """What ``services._refresh_search`` sets, with one pinyin pass instead of two:
    the initials are the first part of the search keys."""
    person = customer.is_person or customer.type == services.PERSON_TYPE
    keys = pinyin.search_keys(customer.name, person=person)
    if not customer.mnemonic:
        customer.mnemonic = keys.split(" ", 1)[0][: pinyin.MAX_LENGTH]
    customer.mnemonic = customer.mnemonic.upper()[:60]
    customer.search_keys = keys[:300]
    customer.phone_digits = services._digits(customer.phone, customer.finance_phone)


def customer_build(*, actor, name, custom=None, defs=None, dictionaries=None, **fields):
    """An unsaved customer checked like ``customer_create`` would; raises
    ``ValidationError``/``PermissionDenied`` like it. ``owner`` must be an
    Employee object (or absent: the actor). ``defs`` are the customer custom
    field definitions and ``dictionaries`` the ``active_dictionary_codes()``."""
    policy.require(actor, "customers.create")
    unknown = sorted(set(fields) - set(services.CUSTOMER_FIELDS))
    if unknown:
        raise ValidationError({f: [_("未知字段。")] for f in unknown}, code="unknown_field")
    errors: dict[str, list] = {}
    tags = services._clean_tags(fields.pop("tags", None), errors)
    customer = Customer(org_id=actor.org_id, name=services._strip(name) or "", tags=tags)
    services._assign(customer, fields, services.CUSTOMER_NULLABLE)
    if "owner" not in fields or customer.owner is None:
        customer.owner = actor
    if customer.owner_id != actor.pk and not policy.can(actor, "customers.transfer"):
        raise PermissionDenied(_("把客户分配给其他人需要“客户 · 转移”权限。"))
    if "department" not in fields and customer.owner is not None:
        # the owner's department object (cached when the caller loaded it) spares a query
        customer.department = customer.owner.department
    customer.code = customer.code or ""
    refresh_search(customer)
    services._check_owner(actor, customer, errors)
    if dictionaries is None:
        dictionaries = active_dictionary_codes()
    for field, kind in services.DICTIONARY_FIELDS.items():
        code = getattr(customer, field)
        if code and (kind, code) not in dictionaries:
            services._add(errors, field, _("“%(code)s”不是有效的选项。") % {"code": code})
    try:
        customer.custom = custom_fields.clean_values(
            org_id=actor.org_id,
            entity="customer",
            values=custom or {},
            defs=custom_fields.definitions("customer") if defs is None else defs,
        )
    except ValidationError as exc:
        errors.setdefault("custom", []).extend(exc.message_dict["custom"])
    exclude = [*BUILD_EXCLUDE, *(["code"] if not customer.code else [])]
    services._model_errors(customer, errors, exclude=exclude)
    services._raise(errors)
    return customer


def contact_build(*, actor, customer, name, **fields):
    """The unsaved primary contact of a customer being built (same rules as
    ``contact_create``; the customer is set when it has been saved)."""
    policy.require(actor, "contacts.create")
    errors: dict[str, list] = {}
    contact = Contact(org_id=actor.org_id, name=services._strip(name) or "", is_primary=True)
    services._assign(contact, fields, services.CONTACT_NULLABLE)
    contact.owner = customer.owner
    contact.owner_department_id = customer.department_id
    services._refresh_contact_search(contact)
    services._model_errors(
        contact, errors, exclude=["customer", "owner", "owner_department", "manager", "custom"]
    )
    services._raise(errors)
    return contact


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _taken_codes(codes):
    taken: set[str] = set()
    for chunk in _chunks(list(codes), LOOKUP_CHUNK):
        taken.update(Customer.with_deleted.filter(code__in=chunk).values_list("code", flat=True))
    return taken


def _code_block(actor, count):
    """``count`` unused codes from the org's customer rule, one counter update per try."""
    codes: list[str] = []
    for _attempt in range(services.CODE_ATTEMPTS):
        wanted = count - len(codes)
        if wanted <= 0:
            break
        block = numbering.next_codes(org_id=actor.org_id, target="customer", count=wanted)
        taken = _taken_codes(block)
        codes.extend(code for code in block if code not in taken)
    if len(codes) < count:
        raise BusinessRuleError(
            _("无法生成客户编号，请检查编号规则或手工填写编号。"), code="numbering_exhausted"
        )
    return codes


@transaction.atomic
def customers_bulk_create(*, actor, customers, contacts=None, batch_size=BATCH_SIZE):
    """Save built customers (``customer_build``) in batches; returns their ids.

    Blank codes come from the "customer" numbering rule in one block; codes
    given must be new. ``contacts`` (same length, ``None`` where there is none)
    become the customers' primary contacts. All or nothing.
    """
    policy.require(actor, "customers.create")
    customers = list(customers)
    contacts = list(contacts) if contacts is not None else [None] * len(customers)
    if len(contacts) != len(customers):
        raise ValueError("contacts must match customers")
    if any(contact is not None for contact in contacts):
        policy.require(actor, "contacts.create")
    given = [c.code for c in customers if c.code]
    if len(set(given)) != len(given) or _taken_codes(given):
        raise ValidationError({"code": [_("编号已被使用。")]}, code="duplicate")
    blank = [c for c in customers if not c.code]
    for customer, code in zip(blank, _code_block(actor, len(blank)), strict=True):
        customer.code = code
    ids: list[int] = []
    for chunk in _chunks(customers, batch_size):
        for customer in chunk:
            customer.org_id = actor.org_id
            # what Customer.save() derives (bulk_create does not call it)
            customer.anniversary_md = month_day(customer.registered_on)
        created = Customer.objects.bulk_create(chunk)
        ids.extend(c.pk for c in created)
    changes = [
        LifecycleChange(
            org_id=actor.org_id,
            customer_id=c.pk,
            from_stage="",
            to_stage=c.lifecycle_stage,
            reason=LifecycleChange.Reason.CREATED,
            actor=actor,
        )
        for c in customers
    ]
    LifecycleChange.objects.bulk_create(changes, batch_size=batch_size)
    people = []
    for customer, contact in zip(customers, contacts, strict=True):
        if contact is not None:
            contact.org_id = actor.org_id
            contact.customer_id = customer.pk
            contact.is_primary = True
            contact.birthday_md = month_day(contact.birthday)
            people.append(contact)
    Contact.objects.bulk_create(people, batch_size=batch_size)
    indexing.index_new(customers, people)
    return ids
