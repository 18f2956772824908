"""iCalendar (RFC 5545) text of an employee's tasks and events.

Events become VEVENTs; tasks with a due time become VTODOs (with DUE; an all-day task a
DATE value), which calendar programs list beside the events. Times are written in UTC
(``…Z``); all-day items as DATE values. Text is escaped (backslash, semicolon, comma,
newline) and every line is folded at 75 octets without splitting a UTF-8 character;
lines end with CRLF. UIDs are stable per item: ``<kind>-<id>@<org id>.guanxi``.
"""

import datetime

from django.utils import timezone

from guanxi.workspace.schedule.models import Event, Task

PRODID = "-//Guanxi CRM//Calendar//ZH"
LINE_OCTETS = 75


def escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split ``line`` into pieces of at most 75 octets joined by CRLF + space (a
    continuation's leading space counts toward its 75)."""
    data = line.encode()
    if len(data) <= LINE_OCTETS:
        return line
    pieces = []
    start = 0
    limit = LINE_OCTETS
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # inside a UTF-8 character
            end -= 1
        pieces.append(data[start:end].decode())
        start = end
        limit = LINE_OCTETS - 1
    return "\r\n ".join(pieces)


def utc(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def date_value(value: datetime.datetime) -> str:
    return timezone.localdate(value).strftime("%Y%m%d")


def _uid(kind, item):
    return f"{kind}-{item.pk}@{item.org_id}.guanxi"


def _common(lines, item, stamp):
    lines.append(f"DTSTAMP:{stamp}")
    lines.append(f"LAST-MODIFIED:{utc(item.updated_at)}")
    lines.append(f"SUMMARY:{escape(item.title)}")
    if item.notes:
        lines.append(f"DESCRIPTION:{escape(item.notes)}")


def _alarm(lines, item, text):
    if item.reminder_minutes is None:
        return
    lines += [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{escape(text)}",
        f"TRIGGER:-PT{int(item.reminder_minutes)}M",
        "END:VALARM",
    ]


def _event(lines, event: Event, stamp):
    lines += ["BEGIN:VEVENT", f"UID:{_uid('event', event)}"]
    _common(lines, event, stamp)
    if event.all_day:
        lines.append(f"DTSTART;VALUE=DATE:{date_value(event.starts_at)}")
        lines.append(f"DTEND;VALUE=DATE:{date_value(event.ends_at)}")
    else:
        lines.append(f"DTSTART:{utc(event.starts_at)}")
        lines.append(f"DTEND:{utc(event.ends_at)}")
    if event.location:
        lines.append(f"LOCATION:{escape(event.location)}")
    _alarm(lines, event, event.title)
    lines.append("END:VEVENT")


TODO_STATUS = {
    Task.Status.OPEN: "NEEDS-ACTION",
    Task.Status.DONE: "COMPLETED",
    Task.Status.CANCELLED: "CANCELLED",
}
TODO_PRIORITY = {Task.Priority.HIGH: 1, Task.Priority.NORMAL: 5, Task.Priority.LOW: 9}


def _task(lines, task: Task, stamp):
    lines += ["BEGIN:VTODO", f"UID:{_uid('task', task)}"]
    _common(lines, task, stamp)
    if task.all_day:
        lines.append(f"DUE;VALUE=DATE:{date_value(task.due_at)}")
    else:
        lines.append(f"DUE:{utc(task.due_at)}")
    lines.append(f"STATUS:{TODO_STATUS[task.status]}")
    lines.append(f"PRIORITY:{TODO_PRIORITY.get(task.priority, 5)}")
    if task.completed_at:
        lines.append(f"COMPLETED:{utc(task.completed_at)}")
    _alarm(lines, task, task.title)
    lines.append("END:VTODO")


def calendar(*, name: str, tasks, events, now=None) -> str:
    """The whole VCALENDAR text (CRLF line ends, folded)."""
    stamp = utc(now or timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        "X-PUBLISHED-TTL:PT15M",
    ]
    for event in events:
        _event(lines, event, stamp)
    for task in tasks:
        if task.due_at is not None:
            _task(lines, task, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
