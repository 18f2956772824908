"""Every write of conversations and messages (消息).

Every active employee may message colleagues of their org: no function permission is
needed (like the bell), only membership: nobody reads or posts in a conversation they
are not a member of. A direct conversation is found or made for a pair of employees
(one per pair, race-safe by a unique constraint); a group is named and any member may
add colleagues. Sending notifies the other members (kind ``message``) after the write,
one notification per message (its own ``event_key``).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import BusinessRuleError
from guanxi.orgs.models import Employee
from guanxi.workspace import targets
from guanxi.workspace.messages.models import (
    BODY_LENGTH,
    MAX_MEMBERS,
    NAME_LENGTH,
    Conversation,
    Membership,
    Message,
)
from guanxi.workspace.notifications.services import notify

PREVIEW_LENGTH = 200


def _require_member(actor, conversation):
    """The actor's membership of ``conversation`` (locked when asked), else 404: another's
    conversation does not exist for them."""
    membership = Membership.objects.filter(conversation_id=conversation.pk, employee=actor).first()
    if membership is None:
        raise Http404
    return membership


def _employee(actor, value, field):
    """An employee of the actor's org (instance or id), else a field error."""
    pk = getattr(value, "pk", value)
    employee = None
    if isinstance(pk, int) and not isinstance(pk, bool) and 0 < pk < 2**63:
        employee = Employee.objects.filter(pk=pk).first()  # the org scope is open
    if employee is None or employee.org_id != actor.org_id:
        raise ValidationError({field: [_("员工不存在或不属于本组织。")]}, code="does_not_exist")
    return employee


def conversation_url(conversation):
    return reverse("messaging:conversation", args=[conversation.pk])


# ---- conversations -------------------------------------------------------------------------


def direct_key(a, b):
    low, high = sorted((a.pk, b.pk))
    return f"{low}:{high}"


def direct_get_or_create(*, actor, other):
    """The one direct conversation of the actor and ``other`` (made now if there is none).
    Two colleagues writing to each other for the first time at once end up in the same
    conversation: the unique constraint refuses the second insert, which then reads the
    first. ``other`` must be an active colleague (a leaver receives no new messages)."""
    other = _employee(actor, other, "recipient")
    if other.pk == actor.pk:
        raise ValidationError({"recipient": [_("不能给自己发消息。")]}, code="invalid")
    if not other.is_active:
        raise BusinessRuleError(
            _("%(name)s 已离职，不能再给他/她发消息。") % {"name": other.name}, code="left"
        )
    key = direct_key(actor, other)
    found = Conversation.objects.filter(kind=Conversation.Kind.DIRECT, direct_key=key).first()
    if found is not None:
        return found, False
    now = timezone.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                org_id=actor.org_id,
                kind=Conversation.Kind.DIRECT,
                direct_key=key,
                created_by=actor,
                last_message_at=now,
            )
            _add_members(actor, conversation, [actor, other], since=now)
    except IntegrityError:
        conversation = Conversation.objects.get(kind=Conversation.Kind.DIRECT, direct_key=key)
        return conversation, False
    return conversation, True


def _add_members(actor, conversation, employees, *, since):
    """Memberships of ``employees`` in ``conversation``, reading from ``since`` on."""
    Membership.objects.bulk_create(
        [
            Membership(
                org_id=actor.org_id,
                conversation=conversation,
                employee=employee,
                last_message_at=since,
                added_by=actor,
            )
            for employee in employees
        ]
    )


def _clean_name(name):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写群聊名称。")]}, code="required")
    if len(name) > NAME_LENGTH:
        raise ValidationError(
            {"name": [_("群聊名称不能超过 %(n)d 字。") % {"n": NAME_LENGTH}]}, code="max_length"
        )
    return name


def _new_members(actor, employees, existing=frozenset()):
    """Active colleagues from ``employees`` (instances or ids) not yet in ``existing``."""
    chosen = []
    seen = set(existing)
    for value in employees or ():
        employee = _employee(actor, value, "members")
        if employee.pk in seen:
            continue
        if not employee.is_active:
            raise BusinessRuleError(
                _("%(name)s 已离职，不能加入会话。") % {"name": employee.name}, code="left"
            )
        seen.add(employee.pk)
        chosen.append(employee)
    if len(seen) > MAX_MEMBERS:
        raise ValidationError(
            {"members": [_("一个群聊最多 %(n)d 人。") % {"n": MAX_MEMBERS}]}, code="max_length"
        )
    return chosen


@transaction.atomic
def group_create(*, actor, name, members):
    """A named group of the actor and ``members`` (at least one other colleague)."""
    name = _clean_name(name)
    others = _new_members(actor, members, existing={actor.pk})
    if not others:
        raise ValidationError({"members": [_("请至少选择一位同事。")]}, code="required")
    now = timezone.now()
    conversation = Conversation.objects.create(
        org_id=actor.org_id,
        kind=Conversation.Kind.GROUP,
        name=name,
        created_by=actor,
        last_message_at=now,
    )
    _add_members(actor, conversation, [actor, *others], since=now)
    return conversation


@transaction.atomic
def group_add_members(*, actor, conversation, members):
    """Add colleagues to a group the actor is a member of; they read its history too.
    Returns the employees added (those already in are skipped)."""
    _require_member(actor, conversation)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.kind != Conversation.Kind.GROUP:
        raise BusinessRuleError(_("单聊不能添加成员，请新建群聊。"), code="direct")
    existing = set(conversation.memberships.values_list("employee_id", flat=True))
    added = _new_members(actor, members, existing=existing)
    _add_members(actor, conversation, added, since=conversation.last_message_at)
    return added


@transaction.atomic
def group_rename(*, actor, conversation, name):
    _require_member(actor, conversation)
    if conversation.kind != Conversation.Kind.GROUP:
        raise BusinessRuleError(_("单聊没有名称。"), code="direct")
    conversation.name = _clean_name(name)
    conversation.save(update_fields=["name", "updated_at"])
    return conversation


# ---- messages ------------------------------------------------------------------------------


def _clean_body(body):
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("请输入消息内容。")]}, code="required")
    if len(body) > BODY_LENGTH:
        raise ValidationError(
            {
                "body": [
                    _("消息不能超过 %(limit)d 字（现在 %(n)d 字）。")
                    % {"limit": BODY_LENGTH, "n": len(body)}
                ]
            },
            code="max_length",
        )
    return body


def _clean_target(actor, target):
    """``(key, id)`` of a record the actor may see, or ``("", None)``."""
    if not target:
        return "", None
    key, pk = target
    kind, record, problem = targets.find(actor, key, pk)
    if problem == "type":
        raise ValidationError(
            {"target": [_("未知的关联记录类型“%(type)s”。") % {"type": key}]}, code="invalid"
        )
    if problem is not None:
        raise ValidationError(
            {"target": [_("关联的记录不存在或您无权查看。")]}, code="does_not_exist"
        )
    return kind.key, record.pk


@transaction.atomic
def message_send(*, actor, conversation, body, target=None):
    """Post ``body`` (plain text, at most 2000 characters) in a conversation the actor is
    a member of, optionally about a record (``target=(key, id)``, one the actor sees).
    In a direct conversation the other person must still work here. The sender has read
    their own message; the other members are notified (kind ``message``)."""
    membership = _require_member(actor, conversation)
    body = _clean_body(body)
    target_type, target_id = _clean_target(actor, target)
    members = list(
        Employee.objects.filter(
            pk__in=Membership.objects.filter(conversation_id=conversation.pk).values("employee_id")
        ).exclude(pk=actor.pk)
    )
    if conversation.kind == Conversation.Kind.DIRECT and any(not e.is_active for e in members):
        left = next(e for e in members if not e.is_active)
        raise BusinessRuleError(
            _("%(name)s 已离职，不能再给他/她发消息。") % {"name": left.name}, code="left"
        )
    now = timezone.now()
    message = Message.objects.create(
        org_id=actor.org_id,
        conversation_id=conversation.pk,
        sender=actor,
        body=body,
        target_type=target_type,
        target_id=target_id,
        sent_at=now,
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message=message, last_message_at=now, updated_at=now
    )
    Membership.objects.filter(conversation_id=conversation.pk).update(last_message_at=now)
    Membership.objects.filter(pk=membership.pk).update(last_read_id=message.pk)
    conversation.last_message = message
    conversation.last_message_at = now
    recipients = [e for e in members if e.is_active]
    if recipients:
        if conversation.kind == Conversation.Kind.GROUP:
            title = format_lazy(
                gettext_lazy("{sender}在“{group}”中发了消息"),
                sender=actor.name,
                group=conversation.name,
            )
        else:
            title = format_lazy(gettext_lazy("{sender}给你发了消息"), sender=actor.name)
        notify(
            recipients=recipients,
            kind="message",
            title=title,
            body=body[:PREVIEW_LENGTH],
            link=conversation_url(conversation),
            target=conversation,
            event_key=f"message:{message.pk}",
            actor=actor,
        )
    return message


def message_send_to(*, actor, recipient, body, target=None):
    """Send a direct message to ``recipient`` (the pair's conversation, made if new)."""
    with transaction.atomic():
        body = _clean_body(body)
        conversation, _created = direct_get_or_create(actor=actor, other=recipient)
        return message_send(actor=actor, conversation=conversation, body=body, target=target)


def conversation_mark_read(*, actor, conversation, up_to=None):
    """The actor has read the conversation up to message ``up_to`` (default: the newest).
    The read position only moves forward (an older poll answering late changes nothing).
    Returns the position."""
    membership = _require_member(actor, conversation)
    newest = Message.objects.filter(conversation_id=conversation.pk).aggregate(n=Max("id"))["n"]
    position = newest or 0
    if up_to is not None:
        position = min(int(up_to), position)
    if position > membership.last_read_id:
        Membership.objects.filter(pk=membership.pk, last_read_id__lt=position).update(
            last_read_id=position
        )
        return position
    return membership.last_read_id
