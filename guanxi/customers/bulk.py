"""Creating many customers at once (imports), with the single-record rules.

A ``Builder`` checks each row as ``customer_create``/``contact_create`` do — the
same field rules, owner rules, tags, custom fields and search keys — but without
a query per record: what rows are checked against is loaded once.
``customers_bulk_create`` then takes the built customers' codes from the
numbering rule in one block and writes customers, their "created" lifecycle
steps, their primary contacts and their search-index entries straight to the
tables (``core.bulkwrite``).
"""

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.base import ModelState
from django.utils.translation import gettext as _

from guanxi.core import bulkwrite, pinyin
from guanxi.core.errors import BusinessRuleError
from guanxi.customers import indexing, services
from guanxi.customers.models import Contact, Customer, LifecycleChange, month_day
from guanxi.orgs import custom_fields, numbering, policy

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
    customer.name_key = services.name_key(customer.name)


class _Blank:
    """New unsaved instances of one model from defaults taken once (one import shares
    its time stamps), without ``Model.__init__``'s work per field. Values are given by
    attribute name (``org_id``); mutable defaults (lists, dicts) are fresh each time."""

    def __init__(self, model):
        self.model = model
        template = model()
        self.values = {f.attname: getattr(template, f.attname) for f in model._meta.concrete_fields}
        self.mutable = [k for k, v in self.values.items() if isinstance(v, list | dict)]

    def __call__(self, **values):
        instance = self.model.__new__(self.model)
        state = dict(self.values)
        for name in self.mutable:
            state[name] = type(state[name])()
        state.update(values)
        instance.__dict__.update(state)
        instance._state = ModelState()
        return instance


class Builder:
    """Checks rows as ``customer_create``/``contact_create`` would — the same field
    rules, owner rules, tags, dictionaries, custom fields and search keys — with what
    they are checked against loaded once: no query per row.

    ``customer(**fields)`` and ``contact(customer, **fields)`` return unsaved records
    or raise ``ValidationError``/``PermissionDenied`` like the services.
    """

    def __init__(self, actor, *, defs=None, dictionaries=None):
        policy.require(actor, "customers.create")
        self.actor = actor
        self.defs = custom_fields.definitions("customer") if defs is None else defs
        self.dictionaries = active_dictionary_codes() if dictionaries is None else dictionaries
        self.may_transfer = policy.can(actor, "customers.transfer")
        self.may_add_contacts = policy.can(actor, "contacts.create")
        self.new_customer = _Blank(Customer)
        self.new_contact = _Blank(Contact)
        # model checks for the fields a row sets; the others hold valid defaults
        self.customer_fields = {f.name for f in Customer._meta.fields}
        self.contact_fields = {f.name for f in Contact._meta.fields}

    def customer(self, *, name, custom=None, **fields):
        actor = self.actor
        unknown = sorted(set(fields) - set(services.CUSTOMER_FIELDS))
        if unknown:
            raise ValidationError({f: [_("未知字段。")] for f in unknown}, code="unknown_field")
        errors: dict[str, list] = {}
        tags = services._clean_tags(fields.pop("tags", None), errors)
        customer = self.new_customer(
            org_id=actor.org_id, name=services._strip(name) or "", tags=tags
        )
        services._assign(customer, fields, services.CUSTOMER_NULLABLE)
        if "owner" not in fields or customer.owner is None:
            customer.owner = actor
        if customer.owner_id != actor.pk and not self.may_transfer:
            raise PermissionDenied(_("把客户分配给其他人需要“客户 · 转移”权限。"))
        if "department" not in fields and customer.owner is not None:
            # the owner's department object (cached when the caller loaded it) spares a query
            customer.department = customer.owner.department
        customer.code = customer.code or ""
        refresh_search(customer)
        services._check_owner(actor, customer, errors)
        for field, kind in services.DICTIONARY_FIELDS.items():
            code = getattr(customer, field)
            if code and (kind, code) not in self.dictionaries:
                services._add(errors, field, _("“%(code)s”不是有效的选项。") % {"code": code})
        try:
            customer.custom = custom_fields.clean_values(
                org_id=actor.org_id, entity="customer", values=custom or {}, defs=self.defs
            )
        except ValidationError as exc:
            errors.setdefault("custom", []).extend(exc.message_dict["custom"])
        checked = {*fields, "name", "mnemonic", "search_keys", "phone_digits", "tags"}
        if customer.code:
            checked.add("code")
        exclude = [*BUILD_EXCLUDE, *(self.customer_fields - checked)]
        services._model_errors(customer, errors, exclude=exclude)
        services._raise(errors)
        return customer

    def contact(self, customer, *, name, **fields):
        """The unsaved primary contact of a customer being built (the customer is
        set when it has been saved)."""
        if not self.may_add_contacts:
            policy.require(self.actor, "contacts.create")
        errors: dict[str, list] = {}
        contact = self.new_contact(
            org_id=self.actor.org_id, name=services._strip(name) or "", is_primary=True
        )
        services._assign(contact, fields, services.CONTACT_NULLABLE)
        contact.owner = customer.owner
        contact.owner_department_id = customer.department_id
        services._refresh_contact_search(contact)
        checked = {*fields, "name", "mnemonic", "search_keys", "phone_digits"}
        exclude = ["customer", "owner", "owner_department", "manager", "custom"]
        services._model_errors(
            contact, errors, exclude=[*exclude, *(self.contact_fields - checked)]
        )
        services._raise(errors)
        return contact


def customer_build(*, actor, name, custom=None, defs=None, dictionaries=None, **fields):
    """One unsaved customer checked like ``customer_create`` would (see ``Builder``)."""
    return Builder(actor, defs=defs, dictionaries=dictionaries).customer(
        name=name, custom=custom, **fields
    )


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
def customers_bulk_create(*, actor, customers, contacts=None):
    """Save built customers (``customer_build``); returns their ids.

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
    for customer in customers:
        customer.org_id = actor.org_id
        # what Customer.save() derives (a bulk write does not call it)
        customer.anniversary_md = month_day(customer.registered_on)
    ids = bulkwrite.insert(Customer, customers)
    bulkwrite.insert(
        LifecycleChange,
        [
            SimpleNamespace(
                id=None,
                created_at=None,
                updated_at=None,
                org_id=actor.org_id,
                customer_id=c.pk,
                from_stage="",
                to_stage=c.lifecycle_stage,
                reason=LifecycleChange.Reason.CREATED,
                actor_id=actor.pk,
            )
            for c in customers
        ],
    )
    people = []
    for customer, contact in zip(customers, contacts, strict=True):
        if contact is not None:
            contact.org_id = actor.org_id
            contact.customer_id = customer.pk
            contact.is_primary = True
            contact.birthday_md = month_day(contact.birthday)
            people.append(contact)
    bulkwrite.insert(Contact, people)
    indexing.index_new(customers, people)
    return ids
