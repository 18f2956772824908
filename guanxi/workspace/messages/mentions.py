"""@mentions (提及) of colleagues in follow-up records.

The stored form of a mention is a token, ``@[姓名](employee:ID)``: the content box's
autocomplete inserts it, so two colleagues with the same name are never confused, and
the timeline shows ``@姓名`` highlighted. A plain ``@姓名`` typed by hand (or sent by an
API client) is resolved against the org's active employees when the record is saved —
the longest name that follows the ``@`` — and rewritten into the token; a name two
active colleagues share is left as typed and the author is told to pick from the list.

``activity_mentions_sync`` is called by the follow-up services after every create and
edit: it keeps one ``Mention`` row per mentioned colleague and notifies the newly
mentioned ones (kind ``mention``), never again for the same mention on a later edit. A
colleague who may not see the record is not notified (that would leak it): the row
says so, and the author gets a notification naming them.
"""

import re
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.workspace import targets
from guanxi.workspace.messages.models import Mention
from guanxi.workspace.models import Activity
from guanxi.workspace.notifications.services import notify

TOKEN = re.compile(r"@\[([^\[\]\n]{1,100})\]\(employee:(\d{1,18})\)")
# an "@" that starts a mention: not inside an e-mail address or a word of Latin letters
PLAIN_AT = re.compile(r"(?<![A-Za-z0-9._%+\-])@(?!\[)")
CONTENT_LENGTH = 5000
PREVIEW_LENGTH = 200
MAX_MENTIONS = 50


def token(employee):
    name = re.sub(r"[\[\]\n]", "", employee.name)[:100]
    return f"@[{name}](employee:{employee.pk})"


def plain_text(content):
    """The content with each mention token shown as ``@姓名``."""
    return TOKEN.sub(lambda m: "@" + m.group(1), content or "")


def render(content):
    """Escaped HTML of ``content`` with line breaks, mentions highlighted."""
    parts: list[str] = []
    position = 0
    text = content or ""
    for match in TOKEN.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(
            '<span class="gx-mention text-primary fw-semibold" data-testid="mention" '
            f'data-employee="{int(match.group(2))}">@{escape(match.group(1))}</span>'
        )
        position = match.end()
    parts.append(escape(text[position:]))
    html = "".join(parts).replace("\r\n", "\n").replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - every piece of the text is escaped above


@dataclass
class Resolved:
    ids: list[int] = field(default_factory=list)  # mentioned employees, in order
    content: str = ""  # the content with plain @names turned into tokens
    ambiguous: list[str] = field(default_factory=list)  # names two colleagues share


def resolve(content):
    """Who ``content`` mentions (active employees of the current org) — one query for the
    tokens, one more when there is a plain ``@``."""
    content = content or ""
    ids = [int(m.group(2)) for m in TOKEN.finditer(content)]
    active = {}
    if ids:
        active = dict(
            Employee.objects.filter(pk__in=set(ids), status=Employee.Status.ACTIVE).values_list(
                "pk", "name"
            )
        )
    result = Resolved(ids=[pk for pk in dict.fromkeys(ids) if pk in active], content=content)
    # plain "@name" outside the tokens
    spans = [(m.start(), m.end()) for m in TOKEN.finditer(content)]
    starts = [
        m.start()
        for m in PLAIN_AT.finditer(content)
        if not any(a <= m.start() < b for a, b in spans)
    ]
    if not starts:
        return result
    by_name: dict[str, list[Employee]] = {}
    for employee in Employee.objects.filter(status=Employee.Status.ACTIVE).only("pk", "name"):
        if employee.name:
            by_name.setdefault(employee.name, []).append(employee)
    names = sorted(by_name, key=len, reverse=True)
    pieces = []
    position = 0
    for start in starts:
        following = content[start + 1 : start + 101]
        name = next((n for n in names if following.startswith(n)), None)
        if name is None:
            continue
        people = by_name[name]
        if len(people) > 1:
            result.ambiguous.append(name)
            continue
        employee = people[0]
        pieces.append(content[position:start])
        pieces.append(token(employee))
        position = start + 1 + len(name)
        if employee.pk not in result.ids:
            result.ids.append(employee.pk)
    pieces.append(content[position:])
    result.content = "".join(pieces)
    result.ambiguous = list(dict.fromkeys(result.ambiguous))
    return result


def may_see(employee, activity):
    """Whether ``employee`` sees the follow-up: they view follow-ups and see its record."""
    if not policy.can(employee, "activities.view"):
        return False
    _target, _record, problem = targets.find(employee, activity.target_type, activity.target_id)
    return problem is None


def timeline_url(activity):
    return reverse("workspace:target_activities", args=[activity.target_type, activity.target_id])


def activity_mentions_sync(*, actor, activity):
    """Keep ``activity``'s mention rows in step with its content and notify the newly
    mentioned colleagues. Runs inside the follow-up service's transaction, after the
    row is saved. Returns the translated warnings for the author (also set on
    ``activity.mention_warnings``): colleagues not notified, ambiguous names."""
    resolved = resolve(activity.content)
    if resolved.content != activity.content and len(resolved.content) <= CONTENT_LENGTH:
        Activity.with_deleted.filter(pk=activity.pk).update(content=resolved.content)
        activity.content = resolved.content
    wanted = [pk for pk in resolved.ids if pk != actor.pk][:MAX_MENTIONS]
    existing = set(
        Mention.objects.filter(activity_id=activity.pk).values_list("employee_id", flat=True)
    )
    gone = existing - set(wanted)
    if gone:
        Mention.objects.filter(activity_id=activity.pk, employee_id__in=gone).delete()
    new_ids = [pk for pk in wanted if pk not in existing]
    warnings = []
    if new_ids:
        people = list(Employee.objects.filter(pk__in=new_ids).select_related("user").order_by("pk"))
        told: list[Employee] = []
        hidden: list[Employee] = []
        for employee in people:
            (told if may_see(employee, activity) else hidden).append(employee)
        Mention.objects.bulk_create(
            [
                Mention(
                    org_id=activity.org_id,
                    activity_id=activity.pk,
                    employee=employee,
                    author=actor,
                    notified=employee in told,
                )
                for employee in people
            ]
        )
        link = timeline_url(activity)
        preview = plain_text(activity.content)[:PREVIEW_LENGTH]
        if told:
            notify(
                recipients=told,
                kind="mention",
                title=format_lazy(gettext_lazy("{author}在跟进记录中提到了你"), author=actor.name),
                body=preview,
                link=link,
                target=activity,
                event_key=f"mention:{activity.pk}",
                actor=actor,
            )
        if hidden:
            names = "、".join(e.name for e in hidden)
            warnings.append(_("%(names)s 无权查看该记录，没有收到提及通知。") % {"names": names})
            notify(
                recipients=[actor],
                kind="mention",
                title=format_lazy(
                    gettext_lazy("{names} 无权查看该记录，没有收到提及通知"), names=names
                ),
                body=preview,
                link=link,
                target=activity,
                event_key=f"mention-hidden:{activity.pk}:{','.join(str(e.pk) for e in hidden)}",
                actor=actor,
            )
    for name in resolved.ambiguous:
        warnings.append(_("有多位同事叫“%(name)s”，请从 @ 列表中选择要提及的人。") % {"name": name})
    activity.mention_warnings = warnings
    return warnings


def mention_ids(activities):
    """``{activity id: [mentioned employee ids]}`` for ``activities`` (one query)."""
    ids = [a.pk for a in activities]
    result: dict[int, list[int]] = {pk: [] for pk in ids}
    if not ids:
        return result
    for activity_id, employee_id in (
        Mention.objects.filter(activity_id__in=ids)
        .order_by("id")
        .values_list("activity_id", "employee_id")
    ):
        result[activity_id].append(employee_id)
    return result
