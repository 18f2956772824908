"""The follow-up and file cards of the customer 360° page, what a merge moves, and the
follow-up timeline any record page can show (``timeline``, template ``TIMELINE``).

Registered in ``WorkspaceConfig.ready()`` through ``guanxi.customers.extensions``.
Each card's context costs a fixed number of queries, whatever the number of records.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.customers import extensions
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.workspace import selectors, services, targets
from guanxi.workspace.forms import ActivityForm, AttachmentForm

ACTIVITY_CARD = "workspace/_activity_card.html"
TIMELINE = "workspace/_timeline.html"
FILES_CARD = "workspace/_files_card.html"


def card_contacts(employee, customer):
    """The customer's contacts the employee may see, for the "联系人" picker: those of
    the customer's contacts (one query, shared with the page's contact list) that are
    in the employee's contacts data scope."""
    return [
        contact
        for contact in customer_selectors.customer_contacts(employee=employee, customer=customer)
        if policy.can_see_record(employee, "contacts", contact)
    ]


def form_contacts(employee, target, record):
    """The people the follow-up form offers: the customer's contacts in the employee's
    scope when the record is a customer or a contact (else None: no contact fields)."""
    if target.key == "customer":
        return card_contacts(employee, record)
    if target.key == "contact":
        return card_contacts(employee, record.customer)
    return None


def quick_form(employee, target, record, data=None):
    """The timeline's "add follow-up" form (no colleague picker: costs no query more)."""
    return ActivityForm(
        data,
        contacts=form_contacts(employee, target, record),
        pick_contact=target.key != "contact",
    )


def timeline(target, record, employee, form=None):
    """Context of the follow-up timeline of ``record`` (of type ``target``): the newest
    follow-ups on it and the "add" form; None without ``activities.view``. Two queries
    at most (the follow-ups; the customer's contacts, shared with the page)."""
    if not policy.can(employee, "activities.view"):
        return None
    rows = list(
        selectors.record_activities(
            employee=employee,
            target=target,
            record_id=record.pk,
            limit=selectors.TIMELINE_LIMIT + 1,
        )
    )
    can_create = policy.can(employee, "activities.create")
    if form is None and can_create:
        form = quick_form(employee, target, record)
    args = [target.key, record.pk]
    return {
        "target": target,
        "record": record,
        "customer": record if target.key == "customer" else None,
        "activities": rows[: selectors.TIMELINE_LIMIT],
        "has_more": len(rows) > selectors.TIMELINE_LIMIT,
        "form": form,
        "add_url": reverse("workspace:target_activity_add", args=args),
        "all_url": reverse("workspace:target_activities", args=args),
        "today": timezone.localdate(),
        "can": {
            "create": can_create,
            "edit": policy.can(employee, "activities.edit"),
            "delete": policy.can(employee, "activities.delete"),
        },
    }


def activity_card(customer, employee, form=None):
    """Context of the customer 360° page's timeline card."""
    target = targets.get("customer")
    assert target is not None
    return timeline(target, customer, employee, form=form)


def files_card(customer, employee, form=None):
    """Context of the files card: the customer's files and the upload form."""
    if not policy.can(employee, "customers.view"):
        return None
    can_edit = policy.can(employee, "customers.edit")
    return {
        "customer": customer,
        "files": list(selectors.customer_attachments(employee=employee, customer=customer)[:100]),
        "form": form if form is not None else (AttachmentForm() if can_edit else None),
        "can_edit": can_edit,
        "max_mb": services.MAX_UPLOAD_BYTES // (1024 * 1024),
    }


def register():
    extensions.register_panel(
        extensions.Panel(key="activities", template=ACTIVITY_CARD, context=activity_card, order=10)
    )
    extensions.register_panel(
        extensions.Panel(
            key="attachments", template=FILES_CARD, context=files_card, order=10, side="side"
        )
    )
    extensions.register_related(
        extensions.Related(
            key="activities",
            label=_("跟进记录"),
            count=services.count_activities,
            move=services.move_activities,
            order=10,
        )
    )
    extensions.register_related(
        extensions.Related(
            key="attachments",
            label=_("附件"),
            count=services.count_attachments,
            move=services.move_attachments,
            order=20,
        )
    )
