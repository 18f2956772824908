"""Reads of conversations and messages: only the caller's own conversations, ever.

Unread = messages newer than the member's read position that someone else sent. The
inbox reads each conversation's unread count, last message and (for a direct one) the
other person in the same statement as the page, so its query count does not grow with
the page.
"""

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from guanxi.orgs.models import Employee
from guanxi.workspace.messages.models import Conversation, Membership, Mention, Message


def _unread_subquery(employee):
    return Coalesce(
        Subquery(
            Message.objects.filter(
                conversation_id=OuterRef("pk"),
                id__gt=OuterRef("my_last_read"),
            )
            .exclude(sender_id=employee.pk)
            .order_by()
            .values("conversation_id")
            .annotate(n=Count("id"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def conversation_queryset(*, employee):
    """The employee's conversations, newest activity first, each with ``unread`` (their
    unread count), ``my_last_read``, the last message and its sender."""
    mine = Membership.objects.filter(conversation_id=OuterRef("pk"), employee_id=employee.pk)
    # filtered and ordered through the member's own row: the inbox index
    # (org, employee, -last_message_at) of memberships serves it
    return (
        Conversation.objects.filter(
            memberships__org_id=employee.org_id, memberships__employee_id=employee.pk
        )
        .annotate(my_last_read=Subquery(mine.values("last_read_id")[:1]))
        .annotate(unread=_unread_subquery(employee))
        .select_related("last_message", "last_message__sender")
        .order_by("-memberships__last_message_at", "-id")
    )


def with_members(conversations):
    """Prefetch each conversation's members with their employees (one query)."""
    return conversations.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("employee").order_by("id"),
        )
    )


def access_conversation(employee, pk):
    """The employee's conversation ``pk`` with its members, else 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
    if not 0 < pk < 2**63:
        raise Http404
    conversation = with_members(conversation_queryset(employee=employee)).filter(pk=pk).first()
    if conversation is None:
        raise Http404
    return conversation


def members(conversation):
    """The members' employees (from the prefetch when there is one)."""
    return [m.employee for m in conversation.memberships.all()]


def partner(conversation, employee):
    """The other person of a direct conversation (from the prefetched members)."""
    for membership in conversation.memberships.all():
        if membership.employee_id != employee.pk:
            return membership.employee
    return None


def title(conversation, employee):
    if conversation.kind == Conversation.Kind.GROUP:
        return conversation.name
    other = partner(conversation, employee)
    return other.name if other is not None else "—"


def unread_total(*, employee):
    """All unread messages of the employee, over every conversation (one query)."""
    return (
        Message.objects.filter(
            conversation__memberships__employee_id=employee.pk,
            id__gt=F("conversation__memberships__last_read_id"),
        )
        .exclude(sender_id=employee.pk)
        .count()
    )


def message_queryset(*, employee):
    """Messages of the employee's conversations, with their senders."""
    return Message.objects.filter(
        conversation_id__in=Membership.objects.filter(employee_id=employee.pk).values(
            "conversation_id"
        )
    ).select_related("sender")


def conversation_messages(conversation, *, after=None, before=None, limit=50):
    """Up to ``limit`` messages of ``conversation`` in time order: the newest ones, or
    those after id ``after``, or those before id ``before``."""
    rows = Message.objects.filter(conversation_id=conversation.pk).select_related("sender")
    if after is not None:
        return list(rows.filter(id__gt=after).order_by("id")[:limit])
    if before is not None:
        rows = rows.filter(id__lt=before)
    return list(reversed(rows.order_by("-id")[:limit]))


def colleagues(*, employee):
    """Active colleagues one may write to (everyone but oneself), by name."""
    return (
        Employee.objects.filter(status=Employee.Status.ACTIVE)
        .exclude(pk=employee.pk)
        .select_related("department")
        .order_by("name", "id")
    )


def mention_queryset(*, employee):
    """Follow-ups that mention the employee, newest first, with their authors. Only the
    ones they were told about (those they could see when mentioned)."""
    return (
        Mention.objects.filter(employee_id=employee.pk, notified=True)
        .filter(Q(activity__deleted_at__isnull=True))
        .select_related("activity", "author", "activity__owner")
        .order_by("-id")
    )
