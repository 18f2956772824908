"""Every write to customers and contacts.

Each service checks the actor's function permission and that the record is in
the actor's data scope, validates everything before writing (all field errors
at once), writes in one transaction and records the change in the audit log.
"""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core import pinyin
from guanxi.core.errors import BusinessRuleError
from guanxi.core.versioning import bump_version, lock_for_update
from guanxi.customers import indexing, renewals, selectors
from guanxi.customers.models import Contact, Customer, LifecycleChange
from guanxi.orgs import custom_fields, numbering, policy
from guanxi.orgs.models import DictionaryEntry

CUSTOMER_FIELDS = (
    "code", "name", "mnemonic", "is_person", "address", "phone", "postcode", "email", "region",
    "industry", "level", "type", "status", "credit_rating", "credit_limit", "parent",
    "finance_phone", "website", "notes", "registered_on", "owner", "department", "source",
    "tags", "lifecycle_stage", "custom",
)  # fmt: skip
CONTACT_FIELDS = (
    "customer", "name", "mnemonic", "gender", "birthday", "department_name", "title", "manager",
    "office_phone", "mobile", "email", "home_phone", "fax", "hobbies", "notes", "owner",
    "owner_department", "is_primary", "custom",
)  # fmt: skip
# field -> dictionary kind (the stored value is the entry's code)
DICTIONARY_FIELDS = {
    "industry": "industry",
    "level": "customer_level",
    "type": "customer_type",
    "status": "customer_status",
    "credit_rating": "credit_rating",
    "source": "customer_source",
}
PERSON_TYPE = "person"
TAG_MAX = 20
TAG_LENGTH = 30
PARENT_DEPTH_LIMIT = 50
CODE_ATTEMPTS = 20
_NOT_DIGIT = re.compile(r"\D+")


def name_key(name):
    """What ``Customer.name_key`` holds for ``name``."""
    return selectors.name_core(name)[:NAME_KEY_LENGTH]


def _digits(*phones):
    return " ".join(d for d in (_NOT_DIGIT.sub("", p or "") for p in phones) if d)[:200]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


NAME_KEY_LENGTH = 100
CUSTOMER_NULLABLE = frozenset({"credit_limit", "parent", "owner", "department"})
CONTACT_NULLABLE = frozenset({"birthday", "manager", "owner", "owner_department"})


def _assign(instance, fields, nullable):
    """Set ``fields`` on ``instance``: text trimmed, None as "" for text fields."""
    for field, value in fields.items():
        setattr(instance, field, "" if value is None and field not in nullable else _strip(value))


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _raise(errors):
    if errors:
        raise ValidationError(errors)


_MARKUP = re.compile(r"<\s*[a-zA-Z!/?][^>]*>")
_PHONE_TEXT = re.compile(r"^[0-9+\-()（）\s.#*/转分机extEXT]+$")
PHONE_FIELDS = ("phone", "finance_phone", "office_phone", "mobile", "home_phone", "fax")
PHONE_DIGITS = (3, 20)  # 110 and 95588 are phone numbers too


def _check_text(instance, errors):
    """Names carry no markup; phones are digits with the usual separators."""
    if _MARKUP.search(getattr(instance, "name", "") or ""):
        _add(errors, "name", _("名称不能包含 HTML 标签。"))
    for field in PHONE_FIELDS:
        value = getattr(instance, field, None)
        if not value or not isinstance(value, str):
            continue
        digits = len(_NOT_DIGIT.sub("", value))
        if not _PHONE_TEXT.match(value) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
            _add(errors, field, _("“%(value)s”不是有效的电话号码。") % {"value": value[:40]})


def _model_errors(instance, errors, exclude):
    _check_text(instance, errors)
    try:
        instance.full_clean(
            exclude=["org", *exclude], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(
                m for m in messages if m not in errors.get(field, [])
            )


def _check_dictionaries(instance, previous, errors):
    """Each dictionary field holds an active entry's code (an unchanged retired one may stay)."""
    wanted = {
        field: getattr(instance, field)
        for field in DICTIONARY_FIELDS
        if getattr(instance, field) and getattr(instance, field) != previous.get(field)
    }
    if not wanted:
        return
    active = set(
        DictionaryEntry.objects.filter(
            kind__in=[DICTIONARY_FIELDS[f] for f in wanted], is_active=True
        ).values_list("kind", "code")
    )
    for field, code in wanted.items():
        if (DICTIONARY_FIELDS[field], code) not in active:
            _add(errors, field, _("“%(code)s”不是有效的选项。") % {"code": code})


def _clean_tags(tags, errors):
    if tags is None:
        return []
    if not isinstance(tags, list | tuple) or any(not isinstance(t, str) for t in tags):
        _add(errors, "tags", _("标签必须是文本的列表。"))
        return []
    cleaned = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    if len(cleaned) > TAG_MAX or any(len(t) > TAG_LENGTH for t in cleaned):
        _add(
            errors,
            "tags",
            _("最多 %(n)d 个标签，每个不超过 %(len)d 字。") % {"n": TAG_MAX, "len": TAG_LENGTH},
        )
    return cleaned


def _check_owner(actor, instance, errors, owner_field="owner", department_field="department"):
    owner = getattr(instance, owner_field)
    if owner is not None and (owner.org_id != actor.org_id or not owner.is_active):
        _add(errors, owner_field, _("负责人必须是本组织的在职员工。"))
    department = getattr(instance, department_field)
    if department is not None and department.org_id != actor.org_id:
        _add(errors, department_field, _("引用的记录不属于本组织。"))


def _check_parent(customer, errors):
    parent = customer.parent
    if parent is None:
        return
    if parent.org_id != customer.org_id:
        _add(errors, "parent", _("引用的记录不属于本组织。"))
        return
    node, depth = parent, 0
    while node is not None and depth < PARENT_DEPTH_LIMIT:
        if customer.pk and node.pk == customer.pk:
            _add(errors, "parent", _("上级单位不能是本客户或其下属单位。"))
            return
        node = node.parent
        depth += 1


def _refresh_search(customer):
    person = customer.is_person or customer.type == PERSON_TYPE
    if not customer.mnemonic:
        customer.mnemonic = pinyin.mnemonic(customer.name, person=person)
    customer.mnemonic = customer.mnemonic.upper()[:60]
    customer.search_keys = pinyin.search_keys(customer.name, person=person)[:300]
    customer.phone_digits = _digits(customer.phone, customer.finance_phone)
    customer.name_key = name_key(customer.name)


def _clean_custom(actor, instance, entity, values, errors):
    if values is None:
        return
    try:
        instance.custom = custom_fields.clean_values(
            org_id=actor.org_id, entity=entity, values=values, existing=instance.custom
        )
    except ValidationError as exc:
        errors.setdefault("custom", []).extend(exc.message_dict["custom"])


def _assign_code(actor, customer):
    for _attempt in range(CODE_ATTEMPTS):
        code = numbering.next_code(org_id=actor.org_id, target="customer")
        if not Customer.with_deleted.filter(code=code).exists():
            customer.code = code
            return
    raise BusinessRuleError(
        _("无法生成客户编号，请检查编号规则或手工填写编号。"), code="numbering_exhausted"
    )


def _save(instance, code_field="code"):
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError({code_field: [_("编号已被使用。")]}, code="duplicate") from exc


def require_visible(actor, module, record, *, owner="owner", department="department"):
    """404 unless ``record`` is in the actor's data scope for ``module``."""
    if not policy.can_see_record(actor, module, record, owner=owner, department=department):
        raise Http404


# ---- customers -------------------------------------------------------------------------


@transaction.atomic
def customer_create(*, actor, name, custom=None, **fields):
    """Create a customer. A blank ``code`` comes from the org's "customer" numbering
    rule; a blank ``mnemonic`` is the pinyin initials of the name; ``owner``
    defaults to the actor and ``department`` to the owner's department. Giving
    the customer to someone else needs ``customers.transfer``."""
    policy.require(actor, "customers.create")
    unknown = sorted(set(fields) - set(CUSTOMER_FIELDS))
    if unknown:
        raise ValidationError({f: [_("未知字段。")] for f in unknown}, code="unknown_field")
    errors: dict[str, list] = {}
    tags = _clean_tags(fields.pop("tags", None), errors)
    customer = Customer(org_id=actor.org_id, name=_strip(name) or "", tags=tags)
    _assign(customer, fields, CUSTOMER_NULLABLE)
    if "owner" not in fields:
        customer.owner = actor
    if customer.owner_id != actor.pk and not policy.can(actor, "customers.transfer"):
        raise PermissionDenied(_("把客户分配给其他人需要“客户 · 转移”权限。"))
    if "department" not in fields and customer.owner is not None:
        customer.department_id = customer.owner.department_id
    customer.code = customer.code or ""
    _refresh_search(customer)
    _check_owner(actor, customer, errors)
    _check_dictionaries(customer, {}, errors)
    _check_parent(customer, errors)
    _clean_custom(actor, customer, "customer", custom or {}, errors)
    if customer.code and Customer.with_deleted.filter(code=customer.code).exists():
        _add(errors, "code", _("编号已被使用。"))
    _model_errors(customer, errors, exclude=["code", "custom"] if not customer.code else ["custom"])
    _raise(errors)
    if not customer.code:
        _assign_code(actor, customer)
    _save(customer)
    indexing.index_customers([customer.pk], with_contacts=False)
    _record_stage(customer, "", LifecycleChange.Reason.CREATED, actor)
    audit.record_change(
        actor=actor,
        instance=customer,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(customer, CUSTOMER_FIELDS),
    )
    return customer


@transaction.atomic
def customer_update(*, actor, customer, version=None, custom=None, **fields):
    """Edit a customer in the actor's data scope. ``version`` is the version the
    editor loaded (a stale one is refused, 409). Changing the owner needs
    ``customers.transfer``; ``custom`` changes only the keys given."""
    policy.require(actor, "customers.edit")
    unknown = sorted(set(fields) - set(CUSTOMER_FIELDS))
    if unknown:
        raise ValidationError({f: [_("未知字段。")] for f in unknown}, code="unknown_field")
    customer = lock_for_update(Customer, customer.pk, expected_version=version)
    require_visible(actor, "customers", customer)
    before = audit.snapshot(customer, CUSTOMER_FIELDS)
    previous_owner_id = customer.owner_id
    previous = {field: getattr(customer, field) for field in DICTIONARY_FIELDS}
    errors: dict[str, list] = {}
    if "tags" in fields:
        fields["tags"] = _clean_tags(fields["tags"], errors)
    if "owner" in fields and fields["owner"] != customer.owner:
        policy.require(actor, "customers.transfer")
    renamed = "name" in fields and fields["name"] != customer.name
    auto_mnemonic = customer.mnemonic == pinyin.mnemonic(
        customer.name, person=customer.is_person or customer.type == PERSON_TYPE
    )
    _assign(customer, fields, CUSTOMER_NULLABLE)
    if renamed and auto_mnemonic and "mnemonic" not in fields:
        customer.mnemonic = ""
    if not customer.code:
        _add(errors, "code", _("客户编号不能为空。"))
    elif (
        "code" in fields
        and Customer.with_deleted.filter(code=customer.code).exclude(pk=customer.pk).exists()
    ):
        _add(errors, "code", _("编号已被使用。"))
    _refresh_search(customer)
    _check_owner(actor, customer, errors)
    _check_dictionaries(customer, previous, errors)
    _check_parent(customer, errors)
    _clean_custom(actor, customer, "customer", custom, errors)
    _model_errors(customer, errors, exclude=["custom"])
    _raise(errors)
    if customer.owner_id != previous_owner_id:
        # a new owner by an edit (or an import) takes the open items, as a transfer does
        if customer.owner is not None:
            _care_tasks_follow([customer.pk], customer.owner)
        renewals.renewals_follow_owner([customer.pk], customer.owner)
    bump_version(customer)
    _save(customer)
    customer.refresh_from_db()
    indexing.index_customers([customer.pk])
    if customer.lifecycle_stage != before["lifecycle_stage"]:
        _record_stage(customer, before["lifecycle_stage"], LifecycleChange.Reason.MANUAL, actor)
    audit.record_change(
        actor=actor,
        instance=customer,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(customer, CUSTOMER_FIELDS),
    )
    return customer


@transaction.atomic
def customer_delete(*, actor, customer):
    """Move a customer (and its contacts) to the recycle bin; ``customer_restore``
    brings them back."""
    policy.require(actor, "customers.delete")
    customer = lock_for_update(Customer, customer.pk)
    require_visible(actor, "customers", customer)
    now = timezone.now()
    Customer.with_deleted.filter(pk=customer.pk).update(deleted_at=now)
    Contact.objects.filter(customer=customer).update(deleted_at=now)
    indexing.unindex_customers([customer.pk])
    audit.record_change(
        actor=actor,
        instance=customer,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(customer, CUSTOMER_FIELDS),
    )


@transaction.atomic
def customer_restore(*, actor, customer):
    """Bring a customer back from the recycle bin, with the contacts deleted with it.

    Like any edit, a restore bumps the version of the customer and of those contacts: an
    edit form opened before the delete is refused as stale instead of overwriting what
    happened since."""
    policy.require(actor, "customers.delete")
    customer = Customer.with_deleted.select_for_update().get(pk=customer.pk)
    require_visible(actor, "customers", customer)
    if customer.deleted_at is None:
        raise BusinessRuleError(_("该客户不在回收站中。"), code="not_deleted")
    if customer.merged_into_id is not None:
        raise BusinessRuleError(_("该客户已合并到其他客户，不能恢复。"), code="merged")
    deleted_at = customer.deleted_at
    now = timezone.now()
    Contact.with_deleted.filter(customer=customer, deleted_at=deleted_at).update(
        deleted_at=None, version=F("version") + 1, updated_at=now
    )
    Customer.with_deleted.filter(pk=customer.pk).update(
        deleted_at=None, version=F("version") + 1, updated_at=now
    )
    customer.refresh_from_db(fields=["deleted_at", "version", "updated_at"])
    indexing.index_customers([customer.pk])
    audit.record_change(
        actor=actor,
        instance=customer,
        action=ChangeRecord.Action.UPDATE,
        before={"deleted_at": deleted_at.isoformat()},
        after={"deleted_at": None},
    )
    return customer


# ---- contacts --------------------------------------------------------------------------


def _refresh_contact_search(contact):
    keys = pinyin.search_keys(contact.name, person=True)  # one pinyin pass: initials first
    if not contact.mnemonic:
        contact.mnemonic = keys.split(" ", 1)[0][: pinyin.MAX_LENGTH]
    contact.mnemonic = contact.mnemonic.upper()[:60]
    contact.search_keys = keys[:300]
    contact.phone_digits = _digits(contact.mobile, contact.office_phone, contact.home_phone)


def _check_contact_manager(contact, errors):
    manager = contact.manager
    if manager is None:
        return
    if manager.customer_id != contact.customer_id:
        _add(errors, "manager", _("上级主管必须是同一客户的联系人。"))
        return
    node, depth = manager, 0
    while node is not None and depth < PARENT_DEPTH_LIMIT:
        if contact.pk and node.pk == contact.pk:
            _add(errors, "manager", _("上级主管不能是本人或其下属。"))
            return
        node = node.manager
        depth += 1


def _make_primary(contact):
    """``contact`` becomes its customer's only primary contact."""
    Contact.objects.filter(customer_id=contact.customer_id, is_primary=True).exclude(
        pk=contact.pk
    ).update(is_primary=False)


def _customer_for(actor, customer):
    if customer is None:
        raise ValidationError({"customer": [_("请选择客户。")]}, code="required")
    if customer.org_id != actor.org_id or customer.deleted_at is not None:
        raise ValidationError({"customer": [_("引用的记录不属于本组织。")]})
    if not policy.can_see_record(actor, "customers", customer, department="department"):
        raise ValidationError({"customer": [_("您无权查看该客户。")]}, code="not_visible")


@transaction.atomic
def contact_create(*, actor, customer, name, custom=None, **fields):
    """Add a contact to a customer the actor can see. The first contact of a
    customer becomes its primary contact."""
    policy.require(actor, "contacts.create")
    unknown = sorted(set(fields) - set(CONTACT_FIELDS))
    if unknown:
        raise ValidationError({f: [_("未知字段。")] for f in unknown}, code="unknown_field")
    _customer_for(actor, customer)
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # serialise primaries
    errors: dict[str, list] = {}
    contact = Contact(org_id=actor.org_id, customer=customer, name=_strip(name) or "")
    _assign(contact, fields, CONTACT_NULLABLE)
    if "owner" not in fields:
        contact.owner = actor
    if contact.owner_id != actor.pk and not policy.can(actor, "contacts.transfer"):
        raise PermissionDenied(_("把联系人分配给其他人需要“联系人 · 转移”权限。"))
    if "owner_department" not in fields and contact.owner is not None:
        contact.owner_department_id = contact.owner.department_id
    if not Contact.objects.filter(customer=customer).exists():
        contact.is_primary = True
    _refresh_contact_search(contact)
    _check_owner(actor, contact, errors, department_field="owner_department")
    _check_contact_manager(contact, errors)
    _clean_custom(actor, contact, "contact", custom or {}, errors)
    _model_errors(contact, errors, exclude=["custom"])
    _raise(errors)
    if contact.is_primary:
        _make_primary(contact)
    contact.save()
    indexing.index_contacts([contact.pk])
    audit.record_change(
        actor=actor,
        instance=contact,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(contact, CONTACT_FIELDS),
    )
    return contact


@transaction.atomic
def contact_update(*, actor, contact, version=None, custom=None, **fields):
    policy.require(actor, "contacts.edit")
    unknown = sorted(set(fields) - set(CONTACT_FIELDS) | ({"customer"} & set(fields)))
    if unknown:
        raise ValidationError({f: [_("该字段不能修改。")] for f in unknown}, code="readonly")
    contact = lock_for_update(Contact, contact.pk, expected_version=version)
    require_visible(actor, "contacts", contact, department="owner_department")
    Customer.objects.select_for_update().filter(pk=contact.customer_id).first()
    before = audit.snapshot(contact, CONTACT_FIELDS)
    if "owner" in fields and fields["owner"] != contact.owner:
        policy.require(actor, "contacts.transfer")
    renamed = "name" in fields and fields["name"] != contact.name
    auto_mnemonic = contact.mnemonic == pinyin.mnemonic(contact.name, person=True)
    errors: dict[str, list] = {}
    _assign(contact, fields, CONTACT_NULLABLE)
    if renamed and auto_mnemonic and "mnemonic" not in fields:
        contact.mnemonic = ""
    _refresh_contact_search(contact)
    _check_owner(actor, contact, errors, department_field="owner_department")
    _check_contact_manager(contact, errors)
    _clean_custom(actor, contact, "contact", custom, errors)
    _model_errors(contact, errors, exclude=["custom"])
    _raise(errors)
    if contact.is_primary:
        _make_primary(contact)
    bump_version(contact)
    contact.save()
    contact.refresh_from_db()
    indexing.index_contacts([contact.pk])
    audit.record_change(
        actor=actor,
        instance=contact,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(contact, CONTACT_FIELDS),
    )
    return contact


@transaction.atomic
def contact_delete(*, actor, contact):
    """Move a contact to the recycle bin."""
    policy.require(actor, "contacts.delete")
    contact = lock_for_update(Contact, contact.pk)
    require_visible(actor, "contacts", contact, department="owner_department")
    Contact.with_deleted.filter(pk=contact.pk).update(deleted_at=timezone.now(), is_primary=False)
    indexing.unindex_contacts([contact.pk])
    audit.record_change(
        actor=actor,
        instance=contact,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(contact, CONTACT_FIELDS),
    )


@transaction.atomic
def contact_restore(*, actor, contact):
    """Bring a contact deleted on its own back from the recycle bin. One whose customer is
    in the recycle bin comes back with the customer (``customer_restore``), not alone. It
    becomes the primary contact again when its customer has none."""
    policy.require(actor, "contacts.delete")
    contact = Contact.with_deleted.select_for_update().get(pk=contact.pk)
    require_visible(actor, "contacts", contact, department="owner_department")
    if contact.deleted_at is None:
        raise BusinessRuleError(_("该联系人不在回收站中。"), code="not_deleted")
    # locked as contact_create does: one primary contact per customer
    customer = Customer.with_deleted.select_for_update().get(pk=contact.customer_id)
    if customer.deleted_at is not None:
        raise BusinessRuleError(
            _("联系人所属的客户“%(name)s”在回收站中，请先恢复该客户。") % {"name": customer.name},
            code="customer_deleted",
        )
    deleted_at = contact.deleted_at
    contact.deleted_at = None
    contact.is_primary = not Contact.objects.filter(customer=customer, is_primary=True).exists()
    bump_version(contact)
    contact.save(update_fields=["deleted_at", "is_primary", "version", "updated_at"])
    contact.refresh_from_db()
    indexing.index_contacts([contact.pk])
    audit.record_change(
        actor=actor,
        instance=contact,
        action=ChangeRecord.Action.UPDATE,
        before={"deleted_at": deleted_at.isoformat(), "is_primary": False},
        after={"deleted_at": None, "is_primary": contact.is_primary},
    )
    return contact


# ---- copy, transfer, handover ------------------------------------------------------------

COPY_SKIP = frozenset({"code", "mnemonic", "owner", "department", "lifecycle_stage"})


@transaction.atomic
def customer_copy(*, actor, customer):
    """A new customer with the same details (not its contacts or history), owned by
    the actor, with a new code and "（副本）" after the name."""
    policy.require(actor, "customers.create")
    require_visible(actor, "customers", customer)
    fields = {
        field: getattr(customer, field)
        for field in CUSTOMER_FIELDS
        if field not in COPY_SKIP and field != "custom"
    }
    fields["name"] = (customer.name + _("（副本）"))[:200]
    return customer_create(actor=actor, custom=dict(customer.custom or {}), **fields)


@transaction.atomic
def customers_transfer(*, actor, customer_ids, owner, with_contacts=True):
    """Give customers (all in the actor's scope) to ``owner``, with their contacts that
    the previous owner held and their open care tasks (see ``_care_tasks_follow``);
    all or nothing. Returns the count."""
    return _transfer(actor, customer_ids, owner, with_contacts=with_contacts)["customers"]


def _care_tasks_follow(customer_ids, owner):
    """Before ``customer_ids`` change hands: their open care tasks held by their current
    owner or by nobody (left behind by the pool, or by an owner who was removed) go to
    ``owner``, as on a claim from the pool; unassigned ones whose day already passed are
    cancelled (nobody was there to do them, and a late greeting is no greeting).
    Returns the number of tasks that went to ``owner``."""
    from guanxi.customers.models import CareTask

    now = timezone.now()
    open_tasks = CareTask.objects.filter(
        customer_id__in=customer_ids, status=CareTask.Status.OPEN
    ).exclude(assignee=owner)
    open_tasks.filter(assignee__isnull=True, due_on__lt=timezone.localdate(now)).update(
        status=CareTask.Status.CANCELLED,
        note=Case(When(note="", then=Value(_("无人负责期间已过期"))), default=F("note")),
        updated_at=now,
    )
    return open_tasks.filter(Q(assignee__isnull=True) | Q(assignee=F("customer__owner"))).update(
        assignee=owner, assignee_department_id=owner.department_id, updated_at=now
    )


def _transfer(actor, customer_ids, owner, *, with_contacts=True):
    """``customers_transfer``; returns ``{"customers": n, "care_tasks": n}``."""
    policy.require(actor, "customers.transfer")
    errors: dict[str, list] = {}
    if owner is None or owner.org_id != actor.org_id or not owner.is_active:
        _add(errors, "owner", _("负责人必须是本组织的在职员工。"))
    ids = sorted({int(pk) for pk in customer_ids})
    if not ids:
        _add(errors, "customers", _("请至少选择一个客户。"))
    _raise(errors)
    visible = policy.scope_queryset(
        actor, "customers", Customer.objects.filter(pk__in=ids), owner="owner",
        department="department",
    )  # fmt: skip
    customers = list(visible.select_for_update())
    if len(customers) != len(ids):
        raise ValidationError(
            {"customers": [_("部分客户不存在或不在您的数据权限内，未做任何转移。")]},
            code="not_visible",
        )
    care_tasks = _care_tasks_follow(ids, owner)
    renewals.renewals_follow_owner(ids, owner)
    for customer in customers:
        before = audit.snapshot(customer, ("owner", "department"))
        previous_owner = customer.owner_id
        customer.owner = owner
        customer.department_id = owner.department_id
        bump_version(customer)
        customer.save(update_fields=["owner", "department", "version", "updated_at"])
        customer.refresh_from_db(fields=["version"])
        if with_contacts:
            Contact.objects.filter(customer=customer, owner_id=previous_owner).update(
                owner=owner, owner_department_id=owner.department_id
            )
        audit.record_change(
            actor=actor,
            instance=customer,
            action=ChangeRecord.Action.UPDATE,
            before=before,
            after=audit.snapshot(customer, ("owner", "department")),
        )
    indexing.index_customers(ids)
    return {"customers": len(customers), "care_tasks": care_tasks}


def _hand_over_care_tasks(from_employee, to_employee, customer_ids):
    """Open care tasks of ``from_employee`` (of the given customers, or all) go to
    ``to_employee``."""
    from guanxi.customers.models import CareTask

    tasks = CareTask.objects.filter(assignee=from_employee, status=CareTask.Status.OPEN)
    if customer_ids is not None:
        tasks = tasks.filter(customer_id__in=customer_ids)
    return tasks.update(assignee=to_employee, assignee_department_id=to_employee.department_id)


@transaction.atomic
def customers_handover(*, actor, from_employee, to_employee, customer_ids=None):
    """Give ``from_employee``'s customers (all of them, or the ``customer_ids`` chosen),
    with the contacts they hold, their open care tasks (``from_employee``'s and the
    unassigned ones; with all customers, also ``from_employee``'s open care tasks of other
    customers) and the open items later modules registered (deals, tasks, tickets…), to
    ``to_employee`` — what happens when someone leaves. Each customer moved gets an audit
    entry, and the handover itself one on ``from_employee`` (to whom, all or chosen, how
    many of each kind). Returns ``{kind: number moved}``, ``customers`` first."""
    from guanxi.customers import extensions

    policy.require(actor, "customers.transfer")
    if from_employee is None or from_employee.org_id != actor.org_id:
        raise ValidationError({"source": [_("引用的记录不属于本组织。")]})
    if to_employee is not None and to_employee.pk == from_employee.pk:
        raise ValidationError({"target": [_("移交对象不能是同一名员工。")]}, code="same")
    if to_employee is None or to_employee.org_id != actor.org_id or not to_employee.is_active:
        raise ValidationError({"target": [_("负责人必须是本组织的在职员工。")]}, code="inactive")
    owned = Customer.objects.filter(owner=from_employee)
    if customer_ids is not None:
        chosen = {int(pk) for pk in customer_ids}
        ids = list(owned.filter(pk__in=chosen).values_list("pk", flat=True))
        if not chosen or len(ids) != len(chosen):
            raise ValidationError(
                {"customers": [_("所选客户必须都由移交人负责。")]}, code="not_owned"
            )
    else:
        ids = list(owned.values_list("pk", flat=True))
    moved = {"customers": 0, "care_tasks": 0}
    if ids:
        moved.update(_transfer(actor, ids, to_employee))
    moved["care_tasks"] += _hand_over_care_tasks(
        from_employee, to_employee, ids if customer_ids is not None else None
    )
    for step in extensions.handover_steps():
        moved[step.key] = step.move(
            from_employee, to_employee, ids if customer_ids is not None else None, actor
        )
    audit.record_change(
        actor=actor,
        instance=from_employee,
        action=ChangeRecord.Action.UPDATE,
        after={
            "handover_from": {"id": from_employee.pk, "repr": str(from_employee)},
            "handover_to": {"id": to_employee.pk, "repr": str(to_employee)},
            "handover_scope": "chosen" if customer_ids is not None else "all",
            "handover_moved": moved,
        },
    )
    return moved


# ---- lifecycle ---------------------------------------------------------------------------

Stage = Customer.Lifecycle
Reason = LifecycleChange.Reason

# event -> (stages it applies from, stage it leads to); None = from any stage
LIFECYCLE_EVENTS = {
    Reason.OPPORTUNITY: ({Stage.TARGET, Stage.POTENTIAL}, Stage.OPPORTUNITY),
    Reason.FIRST_ORDER: (
        {Stage.TARGET, Stage.POTENTIAL, Stage.OPPORTUNITY, Stage.LOST},
        Stage.NEW,
    ),
    Reason.REPEAT_ORDER: ({Stage.NEW, Stage.DORMANT, Stage.REPEAT, Stage.LOST}, Stage.REPEAT),
    Reason.NO_PURCHASE: ({Stage.NEW, Stage.REPEAT}, Stage.DORMANT),
    Reason.DEAL_LOST: ({Stage.TARGET, Stage.POTENTIAL, Stage.OPPORTUNITY}, Stage.LOST),
}


def _record_stage(customer, from_stage, reason, actor):
    LifecycleChange.objects.create(
        org_id=customer.org_id,
        customer=customer,
        from_stage=from_stage,
        to_stage=customer.lifecycle_stage,
        reason=reason,
        actor=actor,
    )


ORDER_EVENTS = frozenset({Reason.FIRST_ORDER, Reason.REPEAT_ORDER})


def _order_day(on):
    """The order date of an order event: a date, a datetime or an ISO date (default
    today); a future date counts as today (the no-purchase clock cannot run back)."""
    today = timezone.localdate()
    if on is None:
        return today
    if isinstance(on, datetime.datetime):
        on = timezone.localdate(on) if timezone.is_aware(on) else on.date()
    elif not isinstance(on, datetime.date):
        try:
            on = datetime.date.fromisoformat(str(on))
        except ValueError as exc:
            raise ValidationError({"on": [_("请输入有效的日期。")]}, code="invalid") from exc
    return min(on, today)


@transaction.atomic
def lifecycle_event(*, customer, event, actor=None, on=None):
    """Move ``customer`` as ``event`` says (first order → new customer, repeat order
    → repeat customer, no purchase for the set days → dormant, deal lost → lost…).

    Called by the modules that see the events (orders, opportunities, the churn
    scan). A customer in a stage the event does not apply to stays where it is.
    An order event also records its date ``on`` (default today) as the customer's
    ``last_order_on`` when it is newer, whether or not the stage changes: the churn
    scan counts the days without purchase from it. A stage change is a lifecycle
    history row and an audit entry (no actor: the system), and bumps the version
    (an edit form opened before it is refused as stale instead of undoing it).
    Locks the customer row. Returns whether the stage changed.
    """
    reason = Reason(event)
    sources, target = LIFECYCLE_EVENTS[reason]
    day = _order_day(on) if reason in ORDER_EVENTS else None
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    updates: dict = {}
    if day is not None and (customer.last_order_on is None or day > customer.last_order_on):
        updates["last_order_on"] = day
    previous = customer.lifecycle_stage
    moved = previous in sources and previous != target
    if moved:
        updates.update(lifecycle_stage=target, version=F("version") + 1, updated_at=timezone.now())
    if updates:
        Customer.objects.filter(pk=customer.pk).update(**updates)
        customer.last_order_on = updates.get("last_order_on", customer.last_order_on)
    if day is not None:  # the customer bought: its repeat-purchase items are renewed
        renewals.renewals_close_on_order(customer_id=customer.pk, day=day)
    if not moved:
        return False
    customer.lifecycle_stage = target
    _record_stage(customer, previous, reason, actor)
    audit.record_change(
        actor=actor,
        instance=customer,
        action=ChangeRecord.Action.UPDATE,
        before={"lifecycle_stage": previous},
        after={"lifecycle_stage": target},
    )
    return True


# ---- follow-ups ------------------------------------------------------------------------


def customer_set_followups(*, customer_id, last_at, next_on):
    """Record the customer's newest follow-up time and the next follow-up date planned.

    Called by the activity services after every activity write, with the values they
    computed from the customer's activities; the public pool's return clock and the
    list's "最近跟进" column read them. Not audited: it is derived data, not an edit.
    """
    Customer.with_deleted.filter(pk=customer_id).update(
        last_followup_at=last_at, next_followup_on=next_on
    )


# ---- bulk edit ----------------------------------------------------------------------------

BULK_FIELDS = (
    "industry", "level", "type", "status", "source", "credit_rating", "region",
    "lifecycle_stage", "credit_limit",
)  # fmt: skip
BULK_LIMIT = 500


def _visible_for_write(actor, customer_ids, *, field="customers"):
    """Lock the customers ``customer_ids`` (all live and in the actor's scope) or refuse."""
    try:
        ids = sorted({int(pk) for pk in customer_ids})
    except (TypeError, ValueError):
        raise ValidationError({field: [_("客户编号无效。")]}, code="invalid") from None
    if not ids:
        raise ValidationError({field: [_("请至少选择一个客户。")]}, code="required")
    if len(ids) > BULK_LIMIT:
        raise ValidationError(
            {field: [_("一次最多处理 %(n)d 个客户。") % {"n": BULK_LIMIT}]}, code="too_many"
        )
    visible = policy.scope_queryset(
        actor, "customers", Customer.objects.filter(pk__in=ids), owner="owner",
        department="department",
    )  # fmt: skip
    customers = list(visible.select_for_update().order_by("pk"))
    if len(customers) != len(ids):
        raise ValidationError(
            {field: [_("部分客户不存在或不在您的数据权限内，未做任何修改。")]},
            code="not_visible",
        )
    return customers


@transaction.atomic
def customers_bulk_update(*, actor, customer_ids, changes, add_tags=(), remove_tags=()):
    """Set the same values on many customers at once (picklists, region, stage, credit
    limit) and add or remove tags; every change is validated and audited as a normal
    edit. All or nothing: one refused customer leaves every customer unchanged.
    Returns the number of customers changed."""
    policy.require(actor, "customers.edit")
    changes = dict(changes or {})
    unknown = sorted(set(changes) - set(BULK_FIELDS))
    if unknown:
        raise ValidationError(
            {f: [_("该字段不能批量修改。")] for f in unknown}, code="unknown_field"
        )
    errors: dict[str, list] = {}
    add = _clean_tags(list(add_tags or []), errors)
    remove = set(_clean_tags(list(remove_tags or []), errors))
    if not changes and not add and not remove:
        _add(errors, "changes", _("请至少填写一项要修改的内容。"))
    _raise(errors)
    customers = _visible_for_write(actor, customer_ids)
    refused = []
    for customer in customers:
        fields = dict(changes)
        if add or remove:
            tags = [t for t in customer.tags or [] if t not in remove]
            fields["tags"] = tags + [t for t in add if t not in tags]
        try:
            customer_update(actor=actor, customer=customer, **fields)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    refused.append(
                        _("客户 %(code)s %(name)s：%(message)s")
                        % {"code": customer.code, "name": customer.name, "message": message}
                    )
                    errors.setdefault(field, []).append(message)
    if refused:
        errors["customers"] = refused[:20]
        raise ValidationError(errors, code="refused")
    return len(customers)


# ---- merge --------------------------------------------------------------------------------

MERGE_LIMIT = 10
# fields whose value may be taken from a merged-away customer
MERGE_PICKABLE = tuple(
    f for f in CUSTOMER_FIELDS if f not in {"code", "mnemonic", "tags", "custom", "registered_on"}
)


def _empty(value):
    return value is None or value == "" or value == [] or value == {}


def _merge_parties(actor, survivor_id, merged_ids):
    """(survivor, [merged-away customers]), locked, all live and editable by the actor."""
    policy.require(actor, "customers.edit")
    policy.require(actor, "customers.delete")
    try:
        survivor_id = int(survivor_id)
        merged = sorted({int(pk) for pk in merged_ids or []})
    except (TypeError, ValueError):
        raise ValidationError({"merged": [_("客户编号无效。")]}, code="invalid") from None
    if survivor_id in merged:
        raise ValidationError({"merged": [_("不能把客户与它自己合并。")]}, code="merge_self")
    if not merged:
        raise ValidationError({"merged": [_("请至少选择一个要并入的客户。")]}, code="required")
    if len(merged) > MERGE_LIMIT:
        raise ValidationError(
            {"merged": [_("一次最多合并 %(n)d 个客户。") % {"n": MERGE_LIMIT}]}, code="too_many"
        )
    customers = {c.pk: c for c in _visible_for_write(actor, [survivor_id, *merged], field="merged")}
    return customers[survivor_id], [customers[pk] for pk in merged]


def _merge_proposal(survivor, merged):
    """{field: id of the customer whose value the survivor takes}: its own value, or the
    first merged-away customer's when its own is empty."""
    proposal = {}
    for field in MERGE_PICKABLE:
        source = survivor
        if _empty(getattr(survivor, f"{field}_id", getattr(survivor, field))):
            for other in merged:
                if not _empty(getattr(other, f"{field}_id", getattr(other, field))):
                    source = other
                    break
        proposal[field] = source.pk
    return proposal


def _related_counts(survivor, merged):
    from guanxi.customers import extensions
    from guanxi.customers.models import CareTask, PoolEvent

    ids = [c.pk for c in merged]
    counts = [
        (
            "contacts",
            Contact._meta.verbose_name_plural,
            Contact.objects.filter(customer_id__in=ids).count(),
        ),
        (
            "subsidiaries",
            _("下级单位"),
            Customer.objects.filter(parent_id__in=ids).exclude(pk=survivor.pk).count(),
        ),
        (
            "lifecycle",
            _("生命周期记录"),
            LifecycleChange.objects.filter(customer_id__in=ids).count(),
        ),
        ("care_tasks", _("关怀任务"), CareTask.objects.filter(customer_id__in=ids).count()),
        ("pool_events", _("公海记录"), PoolEvent.objects.filter(customer_id__in=ids).count()),
    ]
    for related in extensions.related_kinds():
        counts.append((related.key, related.label, related.count(ids)))
    return [{"key": key, "label": str(label), "count": count} for key, label, count in counts]


@transaction.atomic
def customers_merge_preview(*, actor, survivor_id, merged_ids):
    """What a merge would do, without doing it: the fields whose values differ (with the
    value each customer holds and the one proposed), and how many related records move."""
    survivor, merged = _merge_parties(actor, survivor_id, merged_ids)
    proposal = _merge_proposal(survivor, merged)
    everyone = [survivor, *merged]
    fields = []
    for field in MERGE_PICKABLE:
        values = [getattr(c, f"{field}_id", getattr(c, field)) for c in everyone]
        if len({repr(v) for v in values}) > 1:
            fields.append(
                {
                    "field": field,
                    "label": str(getattr(Customer._meta.get_field(field), "verbose_name", field)),
                    "values": [
                        {
                            "customer": c.pk,
                            "value": getattr(c, f"{field}_id", getattr(c, field)),
                            "display": "" if _empty(getattr(c, field)) else str(getattr(c, field)),
                        }
                        for c in everyone
                    ],
                    "chosen": proposal[field],
                }
            )
    return {
        "survivor": survivor,
        "merged": merged,
        "fields": fields,
        "related": _related_counts(survivor, merged),
        "tags": list(dict.fromkeys(t for c in everyone for t in c.tags or [])),
    }


def _move_contacts(survivor, ids):
    """Contacts (recycle bin included) go to the survivor; it keeps its primary contact,
    or takes the first merged-away customer's one when it has none."""
    keep = None
    if not Contact.objects.filter(customer=survivor, is_primary=True).exists():
        keep = (
            Contact.objects.filter(customer_id__in=ids, is_primary=True)
            .order_by("id")
            .values_list("pk", flat=True)
            .first()
        )
    moving = Contact.with_deleted.filter(customer_id__in=ids)
    if keep is not None:
        moving = moving.exclude(pk=keep)
        Contact.with_deleted.filter(pk=keep).update(customer=survivor)
    moving.update(customer=survivor, is_primary=False)


def _move_care_and_pool(survivor, ids):
    """Care tasks and pool log entries follow their customer into the survivor. Anniversary
    tasks are per customer and day: the merged-away ones that fall on a day the survivor
    already has go (they were made from the merged-away customer's own date)."""
    from guanxi.customers.models import CareTask, PoolEvent

    anniversary = CareTask.Kind.ANNIVERSARY
    days = CareTask.objects.filter(customer=survivor, kind=anniversary).values("due_on")
    CareTask.objects.filter(customer_id__in=ids, kind=anniversary, due_on__in=days).delete()
    return {
        "care_tasks": CareTask.objects.filter(customer_id__in=ids).update(customer=survivor),
        "pool_events": PoolEvent.objects.filter(customer_id__in=ids).update(customer=survivor),
    }


@transaction.atomic
def customers_merge(*, actor, survivor_id, merged_ids, choices=None, version=None):
    """Merge customers into ``survivor_id``: every related record (contacts, subsidiaries,
    lifecycle history and what later modules registered: activities, files, orders…)
    moves to the survivor; each field takes the value of the customer ``choices`` names
    (default: the survivor's own, or the first non-empty one); tags and custom fields are
    combined. The merged-away customers leave the lists and point to the survivor, so
    links to them still arrive. All or nothing; logged. Returns the ``CustomerMerge``."""
    from guanxi.customers import extensions
    from guanxi.customers.models import CustomerMerge

    survivor, merged = _merge_parties(actor, survivor_id, merged_ids)
    everyone = {c.pk: c for c in [survivor, *merged]}
    merged_pks = [c.pk for c in merged]
    picks = _merge_proposal(survivor, merged)
    errors: dict[str, list] = {}
    for field, source in (choices or {}).items():
        if field not in MERGE_PICKABLE:
            _add(errors, "choices", _("字段“%(field)s”不能选择来源。") % {"field": field})
            continue
        try:
            source = int(source)
        except (TypeError, ValueError):
            source = None
        if source not in everyone:
            _add(errors, "choices", _("“%(field)s”的来源必须是参与合并的客户。") % {"field": field})
            continue
        picks[field] = source
    _raise(errors)
    changes = {}
    taken = {}
    for field, source in picks.items():
        if source == survivor.pk:
            continue
        value = getattr(everyone[source], field)
        changes[field] = value
        taken[field] = {"from": source, "value": str(value) if value is not None else None}
    # the survivor must not end up under a customer that disappears in this merge
    parent = changes.get("parent", survivor.parent)
    if parent is not None and (parent.pk in merged_pks or parent.pk == survivor.pk):
        changes["parent"] = None
    changes["tags"] = list(dict.fromkeys(t for c in everyone.values() for t in c.tags or []))
    custom = {}
    for customer in reversed([survivor, *merged]):  # the survivor's own values win
        custom.update({k: v for k, v in (customer.custom or {}).items() if not _empty(v)})
    ids = merged_pks
    Customer.with_deleted.filter(parent_id__in=ids).exclude(pk=survivor.pk).update(parent=survivor)
    now = timezone.now()
    for customer in merged:
        audit.record_change(
            actor=actor,
            instance=customer,
            action=ChangeRecord.Action.DELETE,
            before=audit.snapshot(customer, CUSTOMER_FIELDS),
        )
    Customer.with_deleted.filter(merged_into_id__in=ids).update(merged_into=survivor)
    Customer.with_deleted.filter(pk__in=ids).update(deleted_at=now, merged_into=survivor)
    indexing.unindex_customers(ids)
    moved = {"contacts": Contact.with_deleted.filter(customer_id__in=ids).count()}
    _move_contacts(survivor, ids)
    moved["lifecycle"] = LifecycleChange.objects.filter(customer_id__in=ids).update(
        customer=survivor
    )
    moved.update(_move_care_and_pool(survivor, ids))
    for related in extensions.related_kinds():
        moved[related.key] = related.move(ids, survivor, actor)
    survivor = customer_update(
        actor=actor,
        customer=survivor,
        version=version,
        custom={k: v for k, v in custom.items() if _empty((survivor.custom or {}).get(k))} or None,
        **changes,
    )
    return CustomerMerge.objects.create(
        org_id=actor.org_id,
        survivor=survivor,
        merged=[{"id": c.pk, "code": c.code, "name": c.name} for c in merged],
        moved=moved,
        fields=taken,
        actor=actor,
    )
