"""The iCalendar feed: secret address, regeneration, and RFC 5545 structure (checked by a
small strict parser: CRLF line ends, folding at 75 octets, escaping, nesting)."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.workspace.schedule import ical, services

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
NOW = datetime.datetime(2026, 12, 9, 8, 0, tzinfo=TZ)
NAME = re.compile(r"^[A-Z][A-Z0-9-]*$")
UTC_TIME = re.compile(r"^\d{8}T\d{6}Z$")
DATE = re.compile(r"^\d{8}$")


def at(day, hour=9, minute=0, month=12):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=TZ)


def unescape(value):
    """RFC 5545 TEXT: only \\\\ \\; \\, \\n \\N may follow a backslash."""
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            nxt = value[i + 1]
            assert nxt in "\\;,nN", f"bad escape \\{nxt} in {value!r}"
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        assert ch not in ";,", f"unescaped {ch!r} in {value!r}"
        out.append(ch)
        i += 1
    return "".join(out)


def parse(data: bytes):
    """A strict reader: returns the VCALENDAR as nested dicts
    ``{"name", "props": [(name, params, value)], "children": [...]}``."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    raw_lines = text[:-2].split("\r\n")
    for line in raw_lines:
        assert "\n" not in line and "\r" not in line, "bare LF or CR"
        assert len(line.encode()) <= 75, f"line longer than 75 octets: {line!r}"
    lines: list[str] = []
    for line in raw_lines:
        if line.startswith(" "):
            assert lines, "continuation without a line"
            lines[-1] += line[1:]
        else:
            lines.append(line)
    root = None
    stack: list[dict] = []
    for line in lines:
        head, sep, value = line.partition(":")
        assert sep, f"no colon in {line!r}"
        name, *params = head.split(";")
        assert NAME.match(name), f"bad property name {name!r}"
        if name == "BEGIN":
            component = {"name": value, "props": [], "children": []}
            if stack:
                stack[-1]["children"].append(component)
            else:
                assert root is None, "two top-level components"
                root = component
            stack.append(component)
        elif name == "END":
            assert stack and stack[-1]["name"] == value, f"END:{value} does not close"
            stack.pop()
        else:
            assert stack, "property outside a component"
            stack[-1]["props"].append((name, params, value))
    assert not stack and root is not None and root["name"] == "VCALENDAR"
    return root


def props(component):
    found: dict[str, list] = {}
    for name, params, value in component["props"]:
        found.setdefault(name, []).append((params, value))
    return found


def one(component, name):
    values = props(component).get(name, [])
    assert len(values) == 1, f"{component['name']} needs exactly one {name}, has {values}"
    return values[0]


def test_escaping_and_folding_units():
    assert ical.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    long_line = "SUMMARY:" + "客户拜访" * 40
    folded = ical.fold(long_line)
    pieces = folded.split("\r\n ")
    assert all(len(piece.encode()) <= 75 for piece in pieces[:1])
    assert all(len(piece.encode()) <= 74 for piece in pieces[1:])
    assert "".join(pieces) == long_line  # no character split or lost


@time_machine.travel(NOW, tick=False)
def test_the_feed_is_valid_icalendar_with_stable_uids(world, web, client):
    notes = "第一行，带逗号；分号\\反斜杠\n第二行" + "很长的备注" * 30
    with org_scope(world.org):
        event = services.event_create(
            actor=world.rep_a,
            title="拜访, 杭州; 西湖茶业",
            starts_at=at(10, 14),
            ends_at=at(10, 15, 30),
            location="杭州市西湖区",
            notes=notes,
            reminder_minutes=15,
        )
        allday = services.event_create(
            actor=world.rep_a, title="展会", starts_at=at(15), ends_at=at(16), all_day=True
        )
        task = services.task_create(
            actor=world.rep_a, title="交报告", due_at=at(11, 17), priority="high"
        )
        services.task_create(actor=world.rep_a, title="没有截止时间")
        services.task_create(actor=world.rep_a, title="很久以前", due_at=at(1, month=1))
        services.event_create(
            actor=world.rep_b, title="李四的会", starts_at=at(10, 9), participants=[world.rep_a]
        )
        services.event_create(actor=world.rep_b, title="李四自己的会", starts_at=at(10, 9))
        token = services.feed_regenerate(actor=world.rep_a)

    response = client.get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = parse(response.content)
    assert one(calendar, "VERSION")[1] == "2.0"
    assert one(calendar, "PRODID")
    events = [c for c in calendar["children"] if c["name"] == "VEVENT"]
    todos = [c for c in calendar["children"] if c["name"] == "VTODO"]
    summaries = {unescape(one(c, "SUMMARY")[1]) for c in events + todos}
    assert summaries == {"拜访, 杭州; 西湖茶业", "展会", "交报告", "李四的会"}
    for component in events + todos:
        assert UTC_TIME.match(one(component, "DTSTAMP")[1])
        assert one(component, "UID")[1]

    visit = next(c for c in events if one(c, "UID")[1] == f"event-{event.pk}@{world.org.pk}.guanxi")
    assert one(visit, "DTSTART")[1] == "20261210T060000Z"  # 14:00 in Shanghai
    assert one(visit, "DTEND")[1] == "20261210T073000Z"
    assert unescape(one(visit, "DESCRIPTION")[1]) == notes
    assert unescape(one(visit, "LOCATION")[1]) == "杭州市西湖区"
    alarm = visit["children"][0]
    assert alarm["name"] == "VALARM" and one(alarm, "TRIGGER")[1] == "-PT15M"

    fair = next(c for c in events if one(c, "UID")[1].startswith(f"event-{allday.pk}@"))
    assert one(fair, "DTSTART") == (["VALUE=DATE"], "20261215")
    assert one(fair, "DTEND") == (["VALUE=DATE"], "20261217")

    report = next(c for c in todos if one(c, "UID")[1].startswith(f"task-{task.pk}@"))
    assert one(report, "DUE")[1] == "20261211T090000Z"
    assert one(report, "STATUS")[1] == "NEEDS-ACTION"
    assert one(report, "PRIORITY")[1] == "1"

    # the same item keeps its UID from one fetch to the next
    again = parse(client.get(f"/calendar/feed/{token}.ics").content)
    assert {one(c, "UID")[1] for c in again["children"]} == {
        one(c, "UID")[1] for c in calendar["children"]
    }


def test_the_feed_needs_its_current_token(world, client, web):
    assert client.get("/calendar/feed/1-nothing-here-at-all-123456.ics").status_code == 404
    with org_scope(world.org):
        old = services.feed_regenerate(actor=world.rep_a)
    # made through the screen: shown once, and the old address dies
    page = web(world.rep_a)
    response = page.post("/calendar/feed/", {"action": "new"}, follow=True)
    match = re.search(r'value="(http[^"]+\.ics)"', response.content.decode())
    assert match
    new_url = match.group(1)
    assert new_url.split("/")[-1] != f"{old}.ics"
    assert page.get("/calendar/feed/").content.decode().count(".ics") == 0  # not shown again
    page.logout()
    assert client.get(f"/calendar/feed/{old}.ics").status_code == 404
    path = "/" + new_url.split("/", 3)[3]
    assert client.get(path).status_code == 200
    # another org's id with the right secret does not open it
    secret = path.rsplit("/", 1)[1].removesuffix(".ics").split("-", 1)[1]
    assert client.get(f"/calendar/feed/{world.org.pk + 1000}-{secret}.ics").status_code == 404
    # turned off: gone
    web(world.rep_a).post("/calendar/feed/", {"action": "revoke"})
    assert client.get(path).status_code == 404
