"""Screens of messages (消息): the inbox, a conversation (send with htmx, new messages
polled every 15 seconds), starting a conversation, and "提及我的" (follow-ups that
mention me). Every active employee may use them; only members see a conversation."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required
from guanxi.orgs import policy
from guanxi.workspace import targets
from guanxi.workspace.messages import mentions, selectors, services
from guanxi.workspace.messages.forms import DirectForm, GroupForm, MembersForm, MessageForm
from guanxi.workspace.messages.models import Conversation
from guanxi.workspace.models import Activity

PAGE_SIZE = 20
MESSAGES_SHOWN = 50
POLL_SECONDS = 15
PEOPLE_SHOWN = 10
MENTIONS_PAGE_SIZE = 25


def _number(value):
    if value is None or not str(value).isdigit() or len(str(value)) > 18:
        return None
    return int(value)


def _with_kinds(rows):
    for message in rows:
        message.target_kind = targets.get(message.target_type) if message.target_type else None
    return rows


# ---- inbox ---------------------------------------------------------------------------------


@employee_required
@require_GET
def inbox(request):
    """My conversations, newest activity first, with the last message and unread counts."""
    employee = request.employee
    conversations = selectors.with_members(selectors.conversation_queryset(employee=employee))
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"conversation": c, "title": selectors.title(c, employee)} for c in page.object_list]
    return render(
        request,
        "messaging/inbox.html",
        {"page": page, "rows": rows, "unread_total": selectors.unread_total(employee=employee)},
    )


@employee_required
@require_GET
def unread_badge(request):
    """The navigation's badge: my unread messages (loaded after the page)."""
    response = render(
        request,
        "messaging/_unread_badge.html",
        {"count": selectors.unread_total(employee=request.employee)},
    )
    add_never_cache_headers(response)
    return response


# ---- one conversation ----------------------------------------------------------------------


def _updates(request, conversation, after, form=None):
    """The messages after ``after`` (appended to the list), a fresh poller carrying the
    newest id, and the send box (blank after a send, with its errors after a refusal).
    The viewer has read what they now see."""
    employee = request.employee
    rows = _with_kinds(selectors.conversation_messages(conversation, after=after))
    newest = rows[-1].pk if rows else after
    if rows:
        services.conversation_mark_read(actor=employee, conversation=conversation, up_to=newest)
    response = render(
        request,
        "messaging/_updates.html",
        {
            "conversation": conversation,
            "rows": rows,
            "after": newest,
            "form": form or MessageForm(),
            "employee": employee,
            "poll_seconds": POLL_SECONDS,
        },
    )
    add_never_cache_headers(response)
    return response


@employee_required
@require_GET
def conversation_detail(request, pk):
    """The conversation: its latest messages (or those before ``?before=``), the send
    box; opening it marks everything read."""
    employee = request.employee
    conversation = selectors.access_conversation(employee, pk)
    before = _number(request.GET.get("before"))
    rows = _with_kinds(
        selectors.conversation_messages(conversation, before=before, limit=MESSAGES_SHOWN)
    )
    newest = rows[-1].pk if rows else 0
    if before is None:
        services.conversation_mark_read(actor=employee, conversation=conversation)
    older = rows[0].pk if len(rows) == MESSAGES_SHOWN else None
    is_group = conversation.kind == Conversation.Kind.GROUP
    members = selectors.members(conversation)
    member_ids = {m.pk for m in members}
    return render(
        request,
        "messaging/conversation.html",
        {
            "conversation": conversation,
            "title": selectors.title(conversation, employee),
            "members": members,
            "partner": None if is_group else selectors.partner(conversation, employee),
            "is_group": is_group,
            "rows": rows,
            "after": newest,
            "older": older,
            "is_history": before is not None,
            "form": MessageForm(),
            "members_form": MembersForm(
                employees=[
                    e for e in selectors.colleagues(employee=employee) if e.pk not in member_ids
                ]
            )
            if is_group
            else None,
            "poll_seconds": POLL_SECONDS,
        },
    )


@employee_required
@require_POST
def message_send(request, pk):
    """Send from the conversation's box: htmx gets the new messages and a blank box (or
    the box with its error); a plain form post goes back to the conversation."""
    employee = request.employee
    conversation = selectors.access_conversation(employee, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.message_send(
                actor=employee, conversation=conversation, body=form.cleaned_data["body"]
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            form = None
    if request.htmx:
        return _updates(request, conversation, _number(request.POST.get("after")) or 0, form)
    if form is None:
        return redirect("messaging:conversation", pk=conversation.pk)
    flash.error(request, " ".join(form.errors.get("body", [])) or _("消息没有发出。"))
    return redirect("messaging:conversation", pk=conversation.pk)


@employee_required
@require_GET
def conversation_poll(request, pk):
    """The messages after ``?after=`` (the page asks every 15 seconds)."""
    conversation = selectors.access_conversation(request.employee, pk)
    return _updates(request, conversation, _number(request.GET.get("after")) or 0)


@employee_required
@require_POST
def members_add(request, pk):
    employee = request.employee
    conversation = selectors.access_conversation(employee, pk)
    form = MembersForm(request.POST, employees=list(selectors.colleagues(employee=employee)))
    if form.is_valid():
        try:
            added = services.group_add_members(
                actor=employee,
                conversation=conversation,
                members=[int(pk) for pk in form.cleaned_data["members"]],
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            flash.success(
                request,
                _("已添加：%(names)s。") % {"names": "、".join(e.name for e in added) or "—"},
            )
            return redirect("messaging:conversation", pk=conversation.pk)
    errors = [e for errors in form.errors.values() for e in errors]
    flash.error(request, " ".join(errors))
    return redirect("messaging:conversation", pk=conversation.pk)


@employee_required
@require_GET
def message_record(request, pk):
    """Open the record a message is about, if the viewer may see it (else 404)."""
    employee = request.employee
    message = selectors.message_queryset(employee=employee).filter(pk=pk).first()
    if message is None or not message.target_type:
        raise Http404
    target, record, problem = targets.find(employee, message.target_type, message.target_id)
    if problem is not None or target is None:
        raise Http404
    return redirect(target.link(record))


# ---- a new conversation --------------------------------------------------------------------


@employee_required
def conversation_new(request):
    """Write to a colleague (their direct conversation, made if new) or start a group.
    ``?to=<employee id>`` picks the colleague."""
    employee = request.employee
    colleagues = list(selectors.colleagues(employee=employee))
    which = request.POST.get("kind") if request.method == "POST" else None
    initial = {}
    to = _number(request.GET.get("to"))
    if to:
        initial["recipient"] = str(to)
    direct = DirectForm(
        request.POST if which == "direct" else None, employees=colleagues, initial=initial
    )
    group = GroupForm(request.POST if which == "group" else None, employees=colleagues)
    form = direct if which == "direct" else group if which == "group" else None
    if form is not None and form.is_valid():
        try:
            if form is direct:
                message = services.message_send_to(
                    actor=employee,
                    recipient=int(form.cleaned_data["recipient"]),
                    body=form.cleaned_data["body"],
                )
                return redirect("messaging:conversation", pk=message.conversation_id)
            conversation = services.group_create(
                actor=employee,
                name=form.cleaned_data["name"],
                members=[int(pk) for pk in form.cleaned_data["members"]],
            )
            return redirect("messaging:conversation", pk=conversation.pk)
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
    return render(
        request,
        "messaging/conversation_new.html",
        {"direct": direct, "group": group, "which": which or "direct"},
        status=form_status(request, form) if form is not None else 200,
    )


# ---- mentions ------------------------------------------------------------------------------


@employee_required
@require_GET
def people(request):
    """Active colleagues whose name contains ``?q=`` (the @ autocomplete), as JSON."""
    q = (request.GET.get("q") or "").strip()[:50]
    employees = selectors.colleagues(employee=request.employee)
    if q:
        employees = employees.filter(name__icontains=q)
    items = [
        {
            "id": e.pk,
            "name": e.name,
            "department": e.department.name if e.department_id else "",
        }
        for e in employees[:PEOPLE_SHOWN]
    ]
    response = JsonResponse({"items": items})
    add_never_cache_headers(response)
    return response


@employee_required
@require_GET
def mention_list(request):
    """提及我的: follow-ups that mention me and that I may still see, newest first."""
    employee = request.employee
    policy.require(employee, "activities.view")
    visible = Activity.objects.filter(targets.visible_q(employee)).values("pk")
    rows = selectors.mention_queryset(employee=employee).filter(Q(activity_id__in=visible))
    page = Paginator(rows, MENTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    items = []
    for mention in page.object_list:
        activity = mention.activity
        target = targets.get(activity.target_type)
        items.append(
            {
                "mention": mention,
                "activity": activity,
                "target_label": target.label if target else activity.target_type,
                "url": mentions.timeline_url(activity),
            }
        )
    return render(request, "messaging/mention_list.html", {"page": page, "items": items})
