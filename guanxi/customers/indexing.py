"""Customers and contacts in the global search index.

The customer services call these after every write (create, edit, delete,
restore, transfer); a bulk import calls ``index_customers(ids)`` after its
inserts. Each function works inside the current org scope and the caller's
transaction:

    index_customers(ids)        re-index those customers (and their contacts); the
                                deleted ones leave the index
    index_contacts(ids)         the same for contacts
    unindex_customers(ids)      drop customers (and their contacts) from the index
    unindex_contacts(ids)

A customer is found by name (fragment, pinyin initials, full pinyin), code,
mnemonic, e-mail and any 4+ digits of its phones; a contact by name, e-mail and
its phones, and shows its customer's name.
"""

from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Contact, Customer
from guanxi.search import index, registry
from guanxi.search.tokens import Document

CUSTOMER = "customer"
CONTACT = "contact"
PERSON_TYPE = "person"
DETAIL_URL = "customers:customer_detail"


def customer_document(customer) -> Document:
    return Document(
        kind=CUSTOMER,
        object_id=customer.pk,
        title=customer.name,
        subtitle=customer.code,
        module="customers",
        url_name=DETAIL_URL,
        url_arg=customer.pk,
        owner_id=customer.owner_id,
        department_id=customer.department_id,
        names=[customer.name],
        person=customer.is_person or customer.type == PERSON_TYPE,
        codes=[v for v in (customer.code, customer.mnemonic) if v],
        emails=[customer.email] if customer.email else [],
        phones=[p for p in (customer.phone, customer.finance_phone) if p],
        name_keys=_known_keys(customer),
    )


KEYS_LENGTH = 300  # the search_keys column: keys that long may have been cut


def _known_keys(record):
    """The record's stored pinyin keys when they are whole (the services keep them)."""
    keys = record.__dict__.get("search_keys") or ""
    return [keys] if keys and len(keys) < KEYS_LENGTH else []


def contact_document(contact, customer_name) -> Document:
    return Document(
        kind=CONTACT,
        object_id=contact.pk,
        title=contact.name,
        subtitle=customer_name,
        module="contacts",
        url_name=DETAIL_URL,
        url_arg=contact.customer_id,
        owner_id=contact.owner_id,
        department_id=contact.owner_department_id,
        names=[contact.name],
        person=True,
        codes=[contact.mnemonic] if contact.mnemonic else [],
        emails=[contact.email] if contact.email else [],
        phones=[p for p in (contact.mobile, contact.office_phone, contact.home_phone) if p],
        name_keys=_known_keys(contact),
    )


CUSTOMER_COLUMNS = (
    "id", "name", "code", "mnemonic", "is_person", "type", "email", "phone", "finance_phone",
    "owner_id", "department_id", "search_keys",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "name", "mnemonic", "email", "mobile", "office_phone", "home_phone", "owner_id",
    "owner_department_id", "customer_id", "customer__name", "search_keys",
)  # fmt: skip


def _customer_documents(ids):
    # live customers only: one that is deleted or gone is left out (and so removed)
    for customer in Customer.objects.filter(pk__in=ids).only(*CUSTOMER_COLUMNS):
        yield customer_document(customer)


def _contact_documents(ids):
    rows = (
        Contact.objects.filter(pk__in=ids, customer__deleted_at__isnull=True)
        .select_related("customer")
        .only(*CONTACT_COLUMNS)
    )
    for contact in rows:
        yield contact_document(contact, contact.customer.name)


def _all_customer_ids():
    return Customer.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


def _all_contact_ids():
    return Contact.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)


registry.register(
    CUSTOMER,
    label=_("客户"),
    module="customers",
    documents=_customer_documents,
    all_ids=_all_customer_ids,
    order=10,
)
registry.register(
    CONTACT,
    label=_("联系人"),
    module="contacts",
    documents=_contact_documents,
    all_ids=_all_contact_ids,
    order=20,
)


def _contacts_of(customer_ids):
    return list(
        Contact.with_deleted.filter(customer_id__in=customer_ids).values_list("pk", flat=True)
    )


def index_customers(ids, *, with_contacts=True):
    """Bring these customers' entries (and by default their contacts') up to date."""
    ids = sorted({int(pk) for pk in ids})
    for start in range(0, len(ids), index.BATCH):
        batch = ids[start : start + index.BATCH]
        index.refresh(CUSTOMER, batch)
        if with_contacts:
            index.refresh(CONTACT, _contacts_of(batch))


def index_new(customers, contacts=()):
    """Index customers (and contacts) just created, from the objects in hand: no query
    to read them back, no old entries to replace (a bulk import)."""
    names = {customer.pk: customer.name for customer in customers}
    documents = [customer_document(customer) for customer in customers]
    documents += [contact_document(c, names.get(c.customer_id, "")) for c in contacts]
    index.add(documents)


def index_contacts(ids):
    ids = sorted({int(pk) for pk in ids})
    for start in range(0, len(ids), index.BATCH):
        index.refresh(CONTACT, ids[start : start + index.BATCH])


def unindex_customers(ids):
    ids = sorted({int(pk) for pk in ids})
    index.remove(CUSTOMER, ids)
    index.remove(CONTACT, _contacts_of(ids))


def unindex_contacts(ids):
    index.remove(CONTACT, ids)
