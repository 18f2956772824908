"""vCard 3.0 (RFC 2426) export of contacts, for phones and mail programs."""

from guanxi.core.pinyin import COMPOUND_SURNAMES

OTHER_COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "公孙", "慕容", "宇文", "司徒",
    "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台",
})  # fmt: skip
LINE_OCTETS = 75


def split_name(name):
    """A Chinese name as (family, given): 欧阳修 → (欧阳, 修), 张三 → (张, 三).

    Names in Latin script or of one character are all "given"."""
    name = (name or "").strip()
    if len(name) < 2 or not "\u4e00" <= name[0] <= "\u9fff":
        return "", name
    if name[:2] in COMPOUND_SURNAMES or name[:2] in OTHER_COMPOUND_SURNAMES:
        return (name[:2], name[2:]) if len(name) > 2 else ("", name)
    return name[0], name[1:]


def escape(value):
    text = "" if value is None else str(value)
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line):
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    parts, current = [], ""
    for char in line:
        limit = LINE_OCTETS if not parts else LINE_OCTETS - 1  # continuation lines start " "
        if len((current + char).encode("utf-8")) > limit:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts)


def card(contact, *, phone=lambda value: value):
    """One contact as a vCard; ``phone`` masks numbers the reader may not see."""
    family, given = split_name(contact.name)
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{escape(family)};{escape(given)};;;",
        f"FN:{escape(contact.name)}",
        f"ORG:{escape(contact.customer.name)}"
        + (f";{escape(contact.department_name)}" if contact.department_name else ""),
    ]
    if contact.title:
        lines.append(f"TITLE:{escape(contact.title)}")
    for kind, value in (
        ("CELL", contact.mobile),
        ("WORK,VOICE", contact.office_phone),
        ("HOME,VOICE", contact.home_phone),
        ("WORK,FAX", contact.fax),
    ):
        if value:
            lines.append(f"TEL;TYPE={kind}:{escape(phone(value))}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{escape(contact.email)}")
    if contact.birthday:
        lines.append(f"BDAY:{contact.birthday.isoformat()}")
    if contact.notes:
        lines.append(f"NOTE:{escape(contact.notes)}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)
