"""Every write of service tickets (keyword-only, in a transaction, audited).

Permissions are the owned module ``tickets``: ``create``; ``edit`` (change, reply, move
the status, record a survey, files); ``transfer`` (give a ticket to someone else);
``delete`` (recycle bin and back). The data scope reads ``assignee`` as the owner and
``team`` as the department. ``actor`` None is the system (the mail poller): no permission
check, and nothing names an employee as the author.

Workflow (``TRANSITIONS``): new → assigned (``ticket_assign``) → in progress → waiting for
the customer → resolved → closed. Waiting goes back to in progress; any open ticket may
be resolved at once (first-contact resolution), with a resolution text; only a resolved
ticket can be closed. A resolved or closed ticket is reopened (``ticket_reopen``, or a
customer message on a resolved one): ``reopen_count`` + 1.

Each lifecycle event calls one ``_on_*`` hook after the ticket row is written, inside
the same transaction: the seams where routing, SLA clocks and mail add their reactions.
Service calls lock the ticket row first (``select_for_update``), so two agents moving the
same ticket at once run one after the other and the second sees the first's result.
"""

import datetime
import hashlib
import hmac
import mimetypes
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.catalog.models import Product
from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Contact, Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Department, DictionaryEntry, Employee
from guanxi.orgs.numbering import next_code
from guanxi.search import index
from guanxi.service.contracts.entitlement import entitlement_for
from guanxi.service.installed.models import InstalledProduct
from guanxi.service.mail import services as mail
from guanxi.service.routing import services as routing
from guanxi.service.tickets import selectors
from guanxi.service.tickets.models import Ticket, TicketAttachment, TicketMessage, TicketSurvey
from guanxi.workspace import services as workspace_services
from guanxi.workspace.notifications.services import notify

MODULE = "tickets"
NOTIFY_ASSIGNED = "ticket_assigned"
SEARCH_KIND = "ticket"
CATEGORY_KIND = "ticket_category"
SUBJECT_LENGTH = 200
TEXT_LENGTH = 20000
REASON_LENGTH = 300
SURVEY_DAYS = 14
ALLOWED_EXTENSIONS = (
    ".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".bmp", ".doc", ".docx",
    ".xls", ".xlsx", ".ppt", ".pptx", ".txt", ".csv", ".log", ".zip", ".rar", ".7z", ".mp4",
    ".mov", ".wav", ".mp3", ".amr",
)  # fmt: skip
AUDIT_FIELDS = (
    "code", "subject", "description", "customer", "contact", "channel", "category",
    "priority", "status", "product", "installed_product", "assignee", "team",
    "assignment_reason", "resolution", "reopen_count",
)  # fmt: skip
UPDATE_FIELDS = (
    "subject", "description", "customer", "contact", "channel", "category", "priority",
    "product", "installed_product",
)  # fmt: skip
FILE_FIELDS = ("ticket", "original_name", "size")
Status = Ticket.Status
OPEN = tuple(Ticket.OPEN_STATUSES)
# status → statuses ``ticket_transition`` may move it to; ``assigned`` comes from
# ``ticket_assign``, leaving ``resolved``/``closed`` backwards from ``ticket_reopen``
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.IN_PROGRESS, Status.RESOLVED),
    Status.ASSIGNED: (Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED),
    Status.IN_PROGRESS: (Status.WAITING, Status.RESOLVED),
    Status.WAITING: (Status.IN_PROGRESS, Status.RESOLVED),
    Status.RESOLVED: (Status.CLOSED,),
    Status.CLOSED: (),
}


# ---- lifecycle seams -----------------------------------------------------------------------
# One function per event, called inside the service's transaction after the ticket is
# saved. Routing, SLA clocks and the mail channel add their calls here.


def _on_created(ticket: Ticket, actor: Employee | None) -> Ticket:
    """A ticket was opened (any channel): its SLA clock starts (a service contract's
    promise beats the policies), and a ticket nobody took goes to the best online agent
    of its queue's team, or waits in that queue. Returns the ticket as routing left it."""
    promise = entitlement_for(
        customer=ticket.customer,
        installed_product=ticket.installed_product,
        product=ticket.product,
    ).promise
    override = None
    if promise is not None and promise.first_response_minutes and promise.resolution_minutes:
        override = tuple(promise)
    routing.sla_start(ticket=ticket, override=override)
    if ticket.assignee_id is not None:
        return ticket
    return _routed(ticket)


def _routed(ticket: Ticket) -> Ticket:
    """Route ``ticket`` (routing records the reason and the field history); a ticket that
    got an agent is indexed again (its scope columns changed) and the agent is told."""
    routed = routing.route_ticket(ticket=ticket)
    if routed.assignee_id is not None:
        _index(routed)
        notify(
            recipients=[routed.assignee_id],
            kind=NOTIFY_ASSIGNED,
            title=format_lazy(gettext_lazy("新工单 {code} 已分配给您"), code=routed.code),
            body=routed.subject,
            link=reverse("tickets:ticket_detail", args=[routed.pk]),
            target=routed,
        )
    return routed


def _on_assigned(ticket: Ticket, actor: Employee | None) -> None:
    """The ticket got an assignee (by hand, or taken by the agent working it)."""
    _notify_assignee(ticket, actor)


def _on_first_response(ticket: Ticket, actor: Employee | None) -> None:
    """The first public reply went to the customer (``first_response_at`` is set): the
    first-response clock stops."""
    routing.sla_on_first_response(ticket=ticket, at=ticket.first_response_at)


def _on_status_changed(ticket: Ticket, previous: str, actor: Employee | None) -> None:
    """The status moved from ``previous`` to ``ticket.status`` (any cause): the SLA clock
    pauses while waiting for the customer, stops when resolved, restarts on reopening."""
    routing.sla_on_status(ticket=ticket, old=previous, new=ticket.status)


def _on_resolved(ticket: Ticket, actor: Employee | None) -> None:
    """The ticket was resolved (``resolution`` and ``resolved_at`` set)."""


def _on_closed(ticket: Ticket, survey: TicketSurvey, actor: Employee | None) -> None:
    """The ticket was closed; ``survey`` waits for the customer's score."""


def _on_reopened(ticket: Ticket, actor: Employee | None) -> Ticket:
    """A resolved or closed ticket was opened again; one whose agent has left is back at
    ``new`` and goes through routing again. Returns the ticket as routing left it."""
    if ticket.status == Status.NEW:
        return _routed(ticket)
    return ticket


def _on_customer_message(ticket: Ticket, message: TicketMessage) -> None:
    """The customer wrote or called about the ticket."""


def _on_reply(ticket: Ticket, message: TicketMessage, actor: Employee) -> None:
    """An agent replied (public) or wrote an internal note: a public reply on a ticket
    with an e-mail address goes out through the support mailbox once this commits."""
    if message.kind == TicketMessage.Kind.REPLY:
        transaction.on_commit(lambda: _mail_reply(message))


def _mail_reply(message: TicketMessage) -> None:
    with org_scope(message.org_id):
        mail.on_agent_reply(message=message)


# ---- helpers -------------------------------------------------------------------------------


def _notify_assignee(ticket, actor):
    """Tell the assignee that someone else gave them the ticket (not when they took it)."""
    if ticket.assignee_id is None or actor is None or ticket.assignee_id == actor.pk:
        return
    notify(
        recipients=[ticket.assignee_id],
        kind=NOTIFY_ASSIGNED,
        title=format_lazy(
            gettext_lazy("{name}把工单 {code} 分配给您"), name=actor.name, code=ticket.code
        ),
        body=ticket.subject,
        link=reverse("tickets:ticket_detail", args=[ticket.pk]),
        target=ticket,
        actor=actor,
    )


def _snapshot(ticket):
    return audit.snapshot(ticket, AUDIT_FIELDS)


def _index(ticket):
    index.refresh(SEARCH_KIND, [ticket.pk])


def _field_error(field, message, code="invalid"):
    return ValidationError({field: [message]}, code=code)


def _pk(value):
    return getattr(value, "pk", value)


def _int_pk(value, field, message):
    try:
        return int(_pk(value))
    except (TypeError, ValueError, OverflowError) as exc:
        raise _field_error(field, message) from exc


def _text(value, field, limit, required=False):
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise _field_error(field, _("此项必填。"), "required")
    if len(value) > limit:
        raise _field_error(field, _("最多 %(limit)s 个字。") % {"limit": limit}, "max_length")
    return value


def _choice(value, field, choices):
    if value not in dict(choices):
        raise _field_error(field, _("“%(value)s”不是有效的选项。") % {"value": value})
    return value


def _category(value):
    code = "" if value is None else str(value).strip()
    if not code:
        raise _field_error("category", _("请选择工单类别。"), "required")
    if not DictionaryEntry.objects.filter(kind=CATEGORY_KIND, code=code, is_active=True).exists():
        raise _field_error("category", _("工单类别“%(value)s”不存在或已停用。") % {"value": code})
    return code


def _customer(actor, value):
    """The customer (object or id), visible to ``actor`` (any of the org's for the system)."""
    if value in (None, ""):
        raise _field_error("customer", _("请选择客户。"), "required")
    pk = _int_pk(value, "customer", _("客户不存在。"))
    queryset = Customer.objects.all()
    if actor is not None:
        queryset = policy.scope_queryset(
            actor, "customers", queryset, owner="owner", department="department"
        )
    customer = queryset.filter(pk=pk).first()
    if customer is None:
        raise _field_error("customer", _("客户不存在。"))
    return customer


def _contact(customer, value):
    if value in (None, ""):
        return None
    pk = _int_pk(value, "contact", _("联系人不属于所选客户。"))
    contact = Contact.objects.filter(pk=pk, customer_id=customer.pk).first()
    if contact is None:
        raise _field_error("contact", _("联系人不属于所选客户。"))
    return contact


def _product(value):
    if value in (None, ""):
        return None
    pk = _int_pk(value, "product", _("产品不存在。"))
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        raise _field_error("product", _("产品不存在。"))
    return product


def _installed(customer, value):
    if value in (None, ""):
        return None
    pk = _int_pk(value, "installed_product", _("安装档案不属于所选客户。"))
    installed = InstalledProduct.objects.filter(pk=pk, customer_id=customer.pk).first()
    if installed is None:
        raise _field_error("installed_product", _("安装档案不属于所选客户。"))
    return installed


def _colleague(value, field="assignee"):
    """An active employee of the org (object or id)."""
    pk = _int_pk(value, field, _("请选择在职员工。"))
    employee = (
        Employee.objects.filter(pk=pk, status=Employee.Status.ACTIVE)
        .select_related("department")
        .first()
    )
    if employee is None:
        raise _field_error(field, _("请选择在职员工。"))
    return employee


def _team(value):
    if value in (None, ""):
        return None
    pk = _int_pk(value, "team", _("部门不存在。"))
    team = Department.objects.filter(pk=pk).first()
    if team is None:
        raise _field_error("team", _("部门不存在。"))
    return team


def _locked(actor, ticket, *, write=True):
    """The ticket row, locked for this transaction, after the access check."""
    if actor is not None:
        selectors.access_ticket(actor, _pk(ticket), write=write)
    locked = Ticket.objects.select_for_update().filter(pk=_pk(ticket)).first()
    if locked is None:
        raise BusinessRuleError(_("工单已删除。"), code="ticket_deleted")
    return locked


def _save(actor, ticket, before):
    audit.save_if_changed(actor=actor, instance=ticket, before=before, after=_snapshot(ticket))


def _save_always(actor, ticket, before):
    """Save a ticket whose unaudited columns changed too (``first_response_at``)."""
    ticket.version += 1
    ticket.save()
    audit.record_change(
        actor=actor, instance=ticket, action=ChangeRecord.Action.UPDATE, before=before,
        after=_snapshot(ticket),
    )  # fmt: skip


def _hand_to_self(ticket, actor):
    """An agent working an unassigned ticket takes it."""
    if ticket.assignee_id is None and actor is not None:
        ticket.assignee = actor
        ticket.team_id = ticket.team_id or actor.department_id
        ticket.assigned_at = timezone.now()
        ticket.assignment_reason = _("%(name)s接手处理") % {"name": actor.name}
        return True
    return False


def _refuse_closed(ticket):
    if ticket.status == Status.CLOSED:
        raise BusinessRuleError(
            _("工单已关闭，不能再处理；如客户仍有问题，请重开工单或新建工单。"),
            code="ticket_closed",
        )


# ---- create and edit -----------------------------------------------------------------------


@transaction.atomic
def ticket_create(
    *, actor, customer, subject, category, channel="phone", priority="normal", description="",
    contact=None, product=None, installed_product=None, assignee=None, team=None,
) -> Ticket:  # fmt: skip
    """Open a ticket for ``customer`` and give it the next ``ticket`` code. ``actor`` is
    the employee taking it (``tickets.create``), or None for the system (no permission
    check, ``created_by`` empty). ``category`` is an active code of the dictionary
    ``ticket_category``. With an ``assignee`` (given by hand: needs ``tickets.transfer``
    when it is someone else) the ticket starts ``assigned`` and the team is the
    assignee's department unless ``team`` is given. Bad input: a ValidationError naming
    the fields, and nothing is written."""
    if actor is not None:
        policy.require(actor, f"{MODULE}.create")
    errors: dict[str, list] = {}

    def collect(call, *args):
        try:
            return call(*args)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            return None

    found = collect(_customer, actor, customer)
    data = {
        "subject": collect(_text, subject, "subject", SUBJECT_LENGTH, True),
        "description": collect(_text, description, "description", TEXT_LENGTH),
        "category": collect(_category, category),
        "channel": collect(_choice, channel, "channel", Ticket.Channel.choices),
        "priority": collect(_choice, priority, "priority", Ticket.Priority.choices),
        "product": collect(_product, product),
        "team": collect(_team, team),
    }
    if found is not None:
        data["contact"] = collect(_contact, found, contact)
        data["installed_product"] = collect(_installed, found, installed_product)
    owner = collect(_colleague, assignee) if assignee not in (None, "") else None
    if errors:
        raise ValidationError(errors, code="invalid")
    assert found is not None
    if (
        owner is not None
        and actor is not None
        and owner.pk != actor.pk
        and not policy.can(actor, f"{MODULE}.transfer")
    ):
        raise PermissionDenied(_("把工单分配给其他人需要“转移”权限。"))
    if data["installed_product"] is not None and data["product"] is None:
        data["product"] = data["installed_product"].product
    ticket = Ticket(
        org_id=found.org_id,
        code=next_code(org_id=found.org_id, target="ticket"),
        customer=found,
        created_by=actor,
        **data,
    )
    if owner is not None:
        ticket.assignee = owner
        ticket.team = ticket.team or owner.department
        ticket.status = Status.ASSIGNED
        ticket.assigned_at = timezone.now()
        ticket.assignment_reason = _reason_text(actor, "")
    ticket.save()
    audit.record_change(
        actor=actor, instance=ticket, action=ChangeRecord.Action.CREATE, after=_snapshot(ticket)
    )
    _index(ticket)
    ticket = _on_created(ticket, actor)
    if owner is not None:
        _on_assigned(ticket, actor)
    return ticket


@transaction.atomic
def ticket_update(*, actor, ticket, version=None, **fields) -> Ticket:
    """Change the ticket's facts (``UPDATE_FIELDS``; ``tickets.edit``). ``version`` is
    the version the editor loaded: a stale one is refused (409). A closed ticket is
    refused (422). Changing the customer drops a contact and installed product that are
    not the new customer's unless new ones are given."""
    unknown = sorted(set(fields) - set(UPDATE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")
    ticket = _locked(actor, ticket)
    if version not in (None, "") and int(version) != ticket.version:
        raise StaleVersion()
    _refuse_closed(ticket)
    before = _snapshot(ticket)
    customer = ticket.customer
    if "customer" in fields and _pk(fields["customer"]) != ticket.customer_id:
        customer = _customer(actor, fields["customer"])
        ticket.customer = customer
        if "contact" not in fields:
            ticket.contact = None
        if "installed_product" not in fields:
            ticket.installed_product = None
    if "subject" in fields:
        ticket.subject = _text(fields["subject"], "subject", SUBJECT_LENGTH, required=True)
    if "description" in fields:
        ticket.description = _text(fields["description"], "description", TEXT_LENGTH)
    if "category" in fields and fields["category"] != ticket.category:
        ticket.category = _category(fields["category"])
    if "channel" in fields:
        ticket.channel = _choice(fields["channel"], "channel", Ticket.Channel.choices)
    if "priority" in fields:
        ticket.priority = _choice(fields["priority"], "priority", Ticket.Priority.choices)
    if "contact" in fields:
        ticket.contact = _contact(customer, fields["contact"])
    if "product" in fields:
        ticket.product = _product(fields["product"])
    if "installed_product" in fields:
        ticket.installed_product = _installed(customer, fields["installed_product"])
    _save(actor, ticket, before)
    _index(ticket)
    return ticket


def _reason_text(actor, reason):
    if actor is None:
        return reason[:500]
    if reason:
        return (_("%(name)s手动分配：%(reason)s") % {"name": actor.name, "reason": reason})[:500]
    return _("%(name)s手动分配") % {"name": actor.name}


@transaction.atomic
def ticket_assign(*, actor, ticket, assignee, reason="") -> Ticket:
    """Give an open ticket to ``assignee`` by hand. Taking an unassigned ticket oneself
    needs ``tickets.edit``; any other assignment needs ``tickets.transfer``. The team
    becomes the assignee's department; ``assignment_reason`` says who assigned it and
    why. A new ticket becomes ``assigned``; a ticket in progress stays in progress."""
    reason = _text(reason, "reason", REASON_LENGTH)
    if assignee in (None, ""):
        raise _field_error("assignee", _("请选择处理人。"), "required")
    target = _colleague(assignee)
    ticket = _locked(actor, ticket)
    if not ticket.is_open:
        raise BusinessRuleError(
            _("工单%(status)s，不能再分配；请先重开工单。")
            % {"status": ticket.get_status_display()},
            code="ticket_not_open",
        )
    taking = target.pk == actor.pk and ticket.assignee_id is None
    if not taking:
        policy.require(actor, f"{MODULE}.transfer")
    if target.pk == ticket.assignee_id:
        raise BusinessRuleError(
            _("工单已由%(name)s处理。") % {"name": target.name}, code="ticket_same_assignee"
        )
    before = _snapshot(ticket)
    previous = ticket.status
    ticket.assignee = target
    ticket.team = target.department
    ticket.assigned_at = timezone.now()
    ticket.assignment_reason = _reason_text(actor, reason)
    if ticket.status == Status.NEW:
        ticket.status = Status.ASSIGNED
    _save(actor, ticket, before)
    _index(ticket)
    _on_assigned(ticket, actor)
    if previous != ticket.status:
        _on_status_changed(ticket, previous, actor)
    return ticket


def _refuse_move(ticket, status):
    if status == Status.CLOSED and ticket.status != Status.RESOLVED:
        raise BusinessRuleError(
            _("只有已解决的工单可以关闭（当前：%(status)s）。")
            % {"status": ticket.get_status_display()},
            code="ticket_not_resolved",
        )
    if status in (Status.NEW, Status.ASSIGNED) or status not in TRANSITIONS.get(ticket.status, ()):
        raise BusinessRuleError(
            _("工单不能从“%(from)s”变为“%(to)s”。")
            % {"from": ticket.get_status_display(), "to": Status(status).label},
            code="ticket_bad_transition",
        )


@transaction.atomic
def ticket_transition(*, actor, ticket, status, resolution="") -> Ticket:
    """Move the ticket along the workflow (``TRANSITIONS``; ``tickets.edit``). Resolving
    needs a ``resolution`` text; only a resolved ticket can be closed, which makes its
    satisfaction survey. Moving an unassigned ticket to in progress hands it to the
    actor. A refused move changes nothing (422 ``ticket_bad_transition``,
    ``ticket_not_resolved``)."""
    policy.require(actor, f"{MODULE}.edit")
    status = _choice(status, "status", Status.choices)
    resolution = _text(resolution, "resolution", TEXT_LENGTH)
    ticket = _locked(actor, ticket)
    _refuse_move(ticket, status)
    if status == Status.RESOLVED and not resolution:
        raise _field_error("resolution", _("请填写解决方案，说明问题是如何解决的。"), "required")
    before = _snapshot(ticket)
    previous = ticket.status
    now = timezone.now()
    took = False
    if status in (Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED):
        took = _hand_to_self(ticket, actor)
    ticket.status = status
    if status == Status.RESOLVED:
        ticket.resolution = resolution
        ticket.resolved_at = now
    if status == Status.CLOSED:
        ticket.closed_at = now
    _save(actor, ticket, before)
    if took:
        _on_assigned(ticket, actor)
    _on_status_changed(ticket, previous, actor)
    if status == Status.RESOLVED:
        _on_resolved(ticket, actor)
    if status == Status.CLOSED:
        survey = _survey_for_closure(ticket)
        _on_closed(ticket, survey, actor)
    return ticket


def _reopen(ticket, actor, reason):
    """Open a resolved/closed ticket again (row locked by the caller)."""
    previous = ticket.status
    assignee_active = (
        ticket.assignee_id is not None
        and Employee.objects.filter(pk=ticket.assignee_id, status=Employee.Status.ACTIVE).exists()
    )
    if assignee_active:
        ticket.status = Status.IN_PROGRESS
    else:
        ticket.status = Status.NEW
        ticket.assignee = None
        ticket.assigned_at = None
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.reopen_count += 1
    if reason:
        TicketMessage.objects.create(
            org_id=ticket.org_id,
            ticket=ticket,
            kind=TicketMessage.Kind.NOTE,
            body=_("重开工单：%(reason)s") % {"reason": reason},
            author=actor,
        )
    return previous


@transaction.atomic
def ticket_reopen(*, actor, ticket, reason) -> Ticket:
    """Open a resolved or closed ticket again (``tickets.edit``): back to in progress
    with its assignee, or to new (for routing) when the assignee has left. The reason is
    required and kept as an internal note; ``reopen_count`` + 1."""
    policy.require(actor, f"{MODULE}.edit")
    reason = _text(reason, "reason", REASON_LENGTH, required=True)
    ticket = _locked(actor, ticket)
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise BusinessRuleError(
            _("只有已解决或已关闭的工单可以重开（当前：%(status)s）。")
            % {"status": ticket.get_status_display()},
            code="ticket_not_reopenable",
        )
    before = _snapshot(ticket)
    previous = _reopen(ticket, actor, reason)
    _save(actor, ticket, before)
    _on_status_changed(ticket, previous, actor)
    return _on_reopened(ticket, actor)


# ---- conversation --------------------------------------------------------------------------


@transaction.atomic
def ticket_customer_message(
    *, ticket, body, contact=None, from_address="", channel="email"
) -> TicketMessage:
    """A message from the customer (an e-mail, a call, the portal). A ticket waiting for
    the customer goes back to in progress; a resolved one is reopened; a closed one is
    refused (422 ``ticket_closed``: the caller opens a new ticket). System write: no
    actor, no permission check (callers decide who may speak for the customer)."""
    body = _text(body, "body", TEXT_LENGTH, required=True)
    channel = _choice(channel, "channel", Ticket.Channel.choices)
    locked = Ticket.objects.select_for_update().filter(pk=_pk(ticket)).first()
    if locked is None:
        raise BusinessRuleError(_("工单已删除。"), code="ticket_deleted")
    _refuse_closed(locked)
    found = _contact(locked.customer, contact)
    before = _snapshot(locked)
    previous = locked.status
    message = TicketMessage.objects.create(
        org_id=locked.org_id,
        ticket=locked,
        kind=TicketMessage.Kind.CUSTOMER,
        body=body,
        contact=found,
        channel=channel,
        from_address=_text(from_address, "from_address", 254),
    )
    reopened = False
    if locked.status == Status.WAITING:
        locked.status = Status.IN_PROGRESS
    elif locked.status == Status.RESOLVED:
        _reopen(locked, None, "")
        reopened = True
    _save_always(None, locked, before)
    _on_customer_message(locked, message)
    if locked.status != previous:
        _on_status_changed(locked, previous, None)
    if reopened:
        _on_reopened(locked, None)
    return message


MAX_REPLY_FILES = 10


@transaction.atomic
def ticket_reply(*, actor, ticket, body, public=True, files=()) -> TicketMessage:
    """A reply to the customer (``public``) or an internal note (``tickets.edit``). The
    first public reply sets ``first_response_at``; a reply to a new or assigned ticket
    moves it to in progress (an unassigned ticket goes to the actor). A closed ticket
    takes notes but no replies. ``files`` (uploads, at most ``MAX_REPLY_FILES``, each
    under the upload rules) become the ticket's files, tied to the message: a reply's
    files go out with its e-mail. One refused file refuses the whole reply."""
    policy.require(actor, f"{MODULE}.edit")
    body = _text(body, "body", TEXT_LENGTH, required=True)
    files = [f for f in (files or ()) if f is not None]
    if len(files) > MAX_REPLY_FILES:
        raise _field_error("files", _("一次最多附带 %(n)d 个文件。") % {"n": MAX_REPLY_FILES})
    names = [workspace_services.clean_file_name(getattr(f, "name", "") or "") for f in files]
    for upload, name in zip(files, names, strict=True):
        try:
            _check_upload(upload, name, field="files")
        except ValidationError as exc:
            raise ValidationError(
                {"files": [f"{name}：{m}" for m in exc.message_dict["files"]]}
            ) from exc
    ticket = _locked(actor, ticket)
    if public:
        _refuse_closed(ticket)
    before = _snapshot(ticket)
    previous = ticket.status
    message = TicketMessage.objects.create(
        org_id=ticket.org_id,
        ticket=ticket,
        kind=TicketMessage.Kind.REPLY if public else TicketMessage.Kind.NOTE,
        body=body,
        author=actor,
        channel=ticket.channel if public else "",
    )
    for upload, name in zip(files, names, strict=True):
        _store_attachment(
            ticket_id=ticket.pk,
            org_id=ticket.org_id,
            upload=upload,
            name=name,
            actor=actor,
            message=message,
        )
    first = False
    took = False
    if public:
        if ticket.first_response_at is None:
            ticket.first_response_at = message.created_at
            first = True
        if ticket.status in (Status.NEW, Status.ASSIGNED):
            took = _hand_to_self(ticket, actor)
            ticket.status = Status.IN_PROGRESS
    if first or ticket.status != previous or took:
        _save_always(actor, ticket, before)
    _on_reply(ticket, message, actor)
    if took:
        _on_assigned(ticket, actor)
    if first:
        _on_first_response(ticket, actor)
    if ticket.status != previous:
        _on_status_changed(ticket, previous, actor)
    return message


# ---- recycle bin ---------------------------------------------------------------------------


@transaction.atomic
def ticket_delete(*, actor, ticket) -> None:
    """Move a ticket to the recycle bin (``tickets.delete``)."""
    policy.require(actor, f"{MODULE}.delete")
    ticket = _locked(actor, ticket, write=False)
    ticket.deleted_at = timezone.now()
    ticket.save(update_fields=["deleted_at", "updated_at"])
    audit.record_change(
        actor=actor, instance=ticket, action=ChangeRecord.Action.DELETE, before=_snapshot(ticket)
    )
    index.remove(SEARCH_KIND, [ticket.pk])


@transaction.atomic
def ticket_restore(*, actor, ticket) -> Ticket:
    """Bring a ticket back from the recycle bin (``tickets.delete``). Its version moves
    on, so an edit form opened before the delete is refused as stale."""
    policy.require(actor, f"{MODULE}.delete")
    found = selectors.access_ticket(actor, _pk(ticket), deleted=True)
    deleted_at = found.deleted_at
    Ticket.with_deleted.filter(pk=found.pk).update(
        deleted_at=None, version=F("version") + 1, updated_at=timezone.now()
    )
    found.refresh_from_db(fields=["deleted_at", "version", "updated_at"])
    audit.record_change(
        actor=actor,
        instance=found,
        action=ChangeRecord.Action.UPDATE,
        before={"deleted_at": deleted_at.isoformat() if deleted_at else None},
        after={"deleted_at": None},
    )
    _index(found)
    return found


# ---- files ---------------------------------------------------------------------------------


def attachment_problem(name: str, size: int) -> str:
    """Why a file of ``name`` (cleaned) and ``size`` bytes cannot be a ticket's file
    (empty, over the upload limit, a type not allowed), or "" when it can. The one rule
    for uploads, replies' files and files that came by e-mail."""
    if size <= 0:
        return _("文件是空的。")
    limit = workspace_services.MAX_UPLOAD_BYTES
    if size > limit:
        return _("文件不能超过 %(limit)s MB。") % {"limit": limit // 1048576}
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        return _("不支持该文件类型（可上传图片、PDF、Office 文档、文本、压缩包和音视频）。")
    return ""


def _check_upload(upload, name, field="file"):
    if upload is None:
        raise _field_error(field, _("请选择要上传的文件。"), "required")
    problem = attachment_problem(name, getattr(upload, "size", None) or 0)
    if problem:
        raise _field_error(field, problem)


def _store_attachment(*, ticket_id, org_id, upload, name, actor, message=None):
    """The row and the stored file of one checked file (the file goes again if the
    transaction rolls back)."""
    attachment = TicketAttachment(
        org_id=org_id,
        ticket_id=ticket_id,
        message=message,
        original_name=name,
        size=upload.size,
        content_type=(mimetypes.guess_type(name)[0] or "application/octet-stream")[:100],
        uploaded_by=actor,
    )
    attachment.file.save("upload", upload, save=False)
    workspace_services.remove_unless_committed(attachment.file.storage, attachment.file.name)
    attachment.save()
    audit.record_change(
        actor=actor,
        instance=attachment,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(attachment, FILE_FIELDS),
    )
    return attachment


@transaction.atomic
def ticket_attachment_receive(*, ticket, name, content: bytes, message=None) -> TicketAttachment:
    """Attach a file that came with a customer's message (an e-mail) to ``ticket`` (and
    to ``message``, its conversation entry). System write: no actor, no permission
    check; the same storage and limits as an upload (``attachment_problem``: a
    ``ValidationError`` on ``file`` when refused, nothing stored)."""
    from django.core.files.base import ContentFile

    ticket_id = _pk(ticket)
    found = Ticket.objects.filter(pk=ticket_id).values_list("org_id", flat=True).first()
    if found is None:
        raise BusinessRuleError(_("工单已删除。"), code="ticket_deleted")
    clean = workspace_services.clean_file_name(name or "")
    content = content or b""
    problem = attachment_problem(clean, len(content))
    if problem:
        raise _field_error("file", problem)
    return _store_attachment(
        ticket_id=ticket_id,
        org_id=found,
        upload=ContentFile(content, name=clean),
        name=clean,
        actor=None,
        message=message,
    )


@transaction.atomic
def ticket_system_note(*, ticket, body) -> TicketMessage:
    """An internal note written by the system (what the mail poller could not keep,
    say): no author, no permission check, the ticket's status untouched."""
    body = _text(body, "body", TEXT_LENGTH, required=True)
    ticket_id = _pk(ticket)
    org_id = Ticket.objects.filter(pk=ticket_id).values_list("org_id", flat=True).first()
    if org_id is None:
        raise BusinessRuleError(_("工单已删除。"), code="ticket_deleted")
    return TicketMessage.objects.create(
        org_id=org_id, ticket_id=ticket_id, kind=TicketMessage.Kind.NOTE, body=body
    )


@transaction.atomic
def ticket_attachment_upload(*, actor, ticket, upload) -> TicketAttachment:
    """Attach a file (at most 20 MB, of an allowed type) to a ticket the actor may edit.
    The stored path is random; the cleaned original name is kept for display."""
    policy.require(actor, f"{MODULE}.edit")
    selectors.access_ticket(actor, _pk(ticket), write=True)
    name = workspace_services.clean_file_name(getattr(upload, "name", "") or "")
    _check_upload(upload, name)
    return _store_attachment(
        ticket_id=_pk(ticket), org_id=actor.org_id, upload=upload, name=name, actor=actor
    )


@transaction.atomic
def ticket_attachment_delete(*, actor, attachment) -> None:
    """Move a ticket's file to the recycle bin (the stored file stays)."""
    policy.require(actor, f"{MODULE}.edit")
    selectors.access_ticket(actor, attachment.ticket_id, write=True)
    TicketAttachment.with_deleted.filter(pk=attachment.pk).update(deleted_at=timezone.now())
    audit.record_change(
        actor=actor,
        instance=attachment,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(attachment, FILE_FIELDS),
    )


# ---- satisfaction survey -------------------------------------------------------------------


def _survey_for_closure(ticket) -> TicketSurvey:
    """The survey of the ticket's current closure (made on first need)."""
    survey, _made = TicketSurvey.objects.get_or_create(
        ticket=ticket,
        closure=ticket.reopen_count,
        defaults={"org_id": ticket.org_id, "agent_id": ticket.assignee_id},
    )
    return survey


def _score(value):
    try:
        score = int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise _field_error("score", _("请选择 1 到 5 分的满意度。"), "required") from exc
    if not 1 <= score <= 5:
        raise _field_error("score", _("请选择 1 到 5 分的满意度。"))
    return score


def _open_survey(ticket) -> TicketSurvey:
    if ticket.status != Status.CLOSED:
        raise BusinessRuleError(
            _("工单关闭后才能做满意度回访（当前：%(status)s）。")
            % {"status": ticket.get_status_display()},
            code="ticket_not_closed",
        )
    survey = (
        TicketSurvey.objects.select_for_update()
        .filter(ticket=ticket, closure=ticket.reopen_count)
        .first()
    ) or _survey_for_closure(ticket)
    if survey.is_answered:
        raise BusinessRuleError(_("这次服务已经评价过了。"), code="survey_answered")
    return survey


@transaction.atomic
def ticket_survey_record(*, actor, ticket, score, comment="", contact=None) -> TicketSurvey:
    """The agent enters the score the customer gave on the phone (``tickets.edit``),
    once per closure (422 ``survey_answered`` after that, ``ticket_not_closed`` before
    closing)."""
    policy.require(actor, f"{MODULE}.edit")
    score = _score(score)
    comment = _text(comment, "comment", 2000)
    ticket = _locked(actor, ticket)
    survey = _open_survey(ticket)
    survey.score = score
    survey.comment = comment
    survey.source = TicketSurvey.Source.AGENT
    survey.recorded_by = actor
    survey.contact = _contact(ticket.customer, contact) or ticket.contact
    survey.answered_at = timezone.now()
    survey.token_hash = ""
    survey.save()
    audit.record_change(
        actor=actor,
        instance=survey,
        action=ChangeRecord.Action.UPDATE,
        before={},
        after=audit.snapshot(survey, ("ticket", "score", "comment", "source")),
    )
    return survey


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def ticket_survey_link(*, actor, ticket, days=SURVEY_DAYS) -> str:
    """A secret survey link token (``<org id>-<secret>``) for the customer, valid
    ``days`` days; a new one replaces the previous. Only its hash is stored, so the
    token is shown (or sent) once. Refused before closing and once answered."""
    policy.require(actor, f"{MODULE}.edit")
    ticket = _locked(actor, ticket)
    survey = _open_survey(ticket)
    secret = secrets.token_urlsafe(32)
    survey.token_hash = _digest(secret)
    survey.expires_at = timezone.now() + datetime.timedelta(days=int(days))
    survey.save(update_fields=["token_hash", "expires_at", "updated_at"])
    return f"{ticket.org_id}-{secret}"


def survey_by_token(token: str) -> TicketSurvey | None:
    """The unanswered, unexpired survey a link token names, with its ticket and
    customer, or None. Opens its own org scope (the page has no signed-in employee)."""
    org_part, sep, secret = (token or "").partition("-")
    if not sep or not org_part.isdigit() or len(org_part) > 18 or not 20 <= len(secret) <= 100:
        return None
    digest = _digest(secret)
    with org_scope(int(org_part)):
        survey = (
            TicketSurvey.objects.filter(token_hash=digest)
            .select_related("ticket__customer", "ticket__org", "agent")
            .first()
        )
    if survey is None or not hmac.compare_digest(survey.token_hash, digest):
        return None
    if survey.is_answered or survey.expires_at is None or survey.expires_at <= timezone.now():
        return None
    return survey


def survey_answer(*, token, score, comment="") -> TicketSurvey:
    """The customer's answer through the link: once per token (the token stops working),
    refused (422 ``survey_link_invalid``) when expired, answered or unknown."""
    score = _score(score)
    comment = _text(comment, "comment", 2000)
    survey = survey_by_token(token)
    if survey is None:
        raise BusinessRuleError(_("评价链接已失效（已评价或已过期）。"), code="survey_link_invalid")
    with org_scope(survey.org_id), transaction.atomic():
        answered = TicketSurvey.objects.filter(
            Q(pk=survey.pk), Q(score__isnull=True), ~Q(token_hash="")
        ).update(
            score=score,
            comment=comment,
            source=TicketSurvey.Source.CUSTOMER,
            contact_id=survey.ticket.contact_id,
            answered_at=timezone.now(),
            token_hash="",
            updated_at=timezone.now(),
        )
        if not answered:
            raise BusinessRuleError(
                _("评价链接已失效（已评价或已过期）。"), code="survey_link_invalid"
            )
        survey.refresh_from_db()
    return survey


# ---- customer merge and handover -----------------------------------------------------------


def tickets_hand_over(*, actor, from_employee, to_employee, customer_ids=None) -> list[int]:
    """A leaver's open tickets (of ``customer_ids``, or all) go to ``to_employee`` and
    their team to the successor's department; each is audited and re-indexed. Runs in
    the caller's transaction (the customers handover). Returns the ids moved."""
    queryset = Ticket.objects.filter(assignee_id=from_employee.pk, status__in=OPEN)
    if customer_ids is not None:
        queryset = queryset.filter(customer_id__in=list(customer_ids))
    moved = []
    reason = _("%(old)s的工单交接给%(new)s") % {"old": from_employee.name, "new": to_employee.name}
    for ticket in queryset.select_for_update().order_by("pk"):
        before = _snapshot(ticket)
        ticket.assignee = to_employee
        ticket.team_id = to_employee.department_id
        ticket.assignment_reason = reason
        ticket.assigned_at = timezone.now()
        _save(actor, ticket, before)
        moved.append(ticket.pk)
    if moved:
        index.refresh(SEARCH_KIND, moved)
    return moved


def tickets_move_customer(*, from_ids, survivor) -> int:
    """A customer merge: the merged customers' tickets (deleted ones too) go to the
    survivor; contacts move with their customer, installed products by their own app."""
    ids = list(from_ids)
    moved = Ticket.with_deleted.filter(customer_id__in=ids).update(customer_id=survivor.pk)
    if moved:
        index.refresh(
            SEARCH_KIND,
            list(Ticket.objects.filter(customer_id=survivor.pk).values_list("pk", flat=True)),
        )
    return moved
