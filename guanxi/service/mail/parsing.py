"""Reading a raw e-mail into what the channel needs: sender, subject, threading
headers, the text body and the attachments' names and sizes.

Chinese mail comes in many encodings. The GB family is decoded as GB18030 (a superset
of GB2312 and GBK, so characters a sender's client wrote outside the declared set
still come out), undeclared or wrong charsets fall back to UTF-8 then GB18030, and an
HTML-only body is turned into plain text. A message the ``email`` package cannot make
sense of raises ``MalformedMail``.
"""

import datetime
import email
import email.policy
import email.utils
import hashlib
import html
import re
from dataclasses import dataclass, field
from email.header import Header, decode_header
from email.message import EmailMessage
from html.parser import HTMLParser

GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
SUBJECT_LENGTH = 500
BODY_LENGTH = 100_000
ID_LENGTH = 500


class MalformedMail(ValueError):
    """The message cannot be read as an e-mail."""


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: str
    references: list[str]
    from_address: str
    from_name: str
    to_addresses: list[str]
    subject: str
    date: datetime.datetime | None
    body_text: str
    attachments: list[dict] = field(default_factory=list)
    headers: dict = field(default_factory=dict)  # lower-cased name -> first value


def _charset(name):
    name = (name or "").strip().lower()
    return "gb18030" if name in GB_FAMILY else name


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from ``data`` in the declared ``charset``, else the likely one."""
    tried = []
    for candidate in (_charset(charset), "utf-8", "gb18030"):
        if not candidate or candidate in tried:
            continue
        tried.append(candidate)
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def decode_header_value(value) -> str:
    """A header as text: RFC 2047 encoded words (``=?GBK?B?…?=``) decoded with GB
    charsets read as GB18030, and raw 8-bit bytes some clients send guessed like a body."""
    if value is None:
        return ""
    try:
        chunks = decode_header(value) if isinstance(value, Header) else decode_header(str(value))
    except (ValueError, LookupError, UnicodeError, TypeError):
        chunks = [(str(value), None)]
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            unknown = charset in (None, "unknown-8bit")
            parts.append(decode_bytes(chunk, None if unknown else charset))
        elif any("\udc80" <= ch <= "\udcff" for ch in chunk):
            # undecodable bytes the parser kept as surrogates: recover them and guess
            parts.append(decode_bytes(chunk.encode("utf-8", errors="surrogateescape")))
        else:
            parts.append(chunk)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


class _TextFromHtml(HTMLParser):
    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    reader = _TextFromHtml()
    try:
        reader.feed(markup)
        reader.close()
    except (AssertionError, ValueError):  # broken markup: keep what was read
        pass
    text = html.unescape("".join(reader.parts))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _part_text(part) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        return ""
    return decode_bytes(payload, part.get_content_charset())


def _body_and_attachments(message):
    plain: list[str] = []
    markup: list[str] = []
    attachments = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
        content_type = part.get_content_type()
        if disposition == "attachment" or (filename and disposition != "inline"):
            payload = part.get_payload(decode=True) or b""
            attachments.append(
                {
                    "name": decode_header_value(filename) or content_type,
                    "size": len(payload),
                    "content_type": content_type,
                }
            )
        elif content_type == "text/plain":
            plain.append(_part_text(part))
        elif content_type == "text/html":
            markup.append(_part_text(part))
    if any(text.strip() for text in plain):
        body = "\n\n".join(text.strip() for text in plain if text.strip())
    else:
        body = "\n\n".join(html_to_text(text) for text in markup)
    return body.replace("\r\n", "\n").strip()[:BODY_LENGTH], attachments


def _ids(value) -> list[str]:
    return re.findall(r"<[^<>\s]+>", str(value or ""))


def _first_id(value) -> str:
    found = _ids(value)
    return found[0][:ID_LENGTH] if found else ""


def _date(value):
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _address(message, name):
    raw = message.get(name)
    if raw is None:
        return "", ""
    try:
        addresses = getattr(raw, "addresses", None)
        if addresses:
            first = addresses[0]
            return first.addr_spec.strip().lower(), decode_header_value(first.display_name)
    except (IndexError, ValueError, TypeError, AttributeError):
        pass
    display, addr = email.utils.parseaddr(str(raw))
    return addr.strip().lower(), decode_header_value(display)


def _all_addresses(message, *names):
    found = []
    for name in names:
        for value in message.get_all(name) or []:
            for _display, addr in email.utils.getaddresses([str(value)]):
                if addr:
                    found.append(addr.strip().lower())
    return found


def headers_digest(header_bytes: bytes) -> str:
    """A stable key for a mail without a Message-ID: its sender, date and subject."""
    message = email.message_from_bytes(header_bytes, policy=email.policy.compat32)
    parts = [str(message.get(name, "")).strip() for name in ("From", "Date", "Subject", "To")]
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
    return f"sha256:{digest}"


def parse(raw: bytes) -> ParsedMail:
    """The parts of ``raw`` the channel uses. Raises ``MalformedMail`` when it has no
    usable header section or the parser gives up on it."""
    if not raw or not raw.strip():
        raise MalformedMail("empty message")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if not len(message.keys()):
            raise MalformedMail("no header section")
        if message.defects and not message.get("From"):
            raise MalformedMail("; ".join(type(d).__name__ for d in message.defects))
        # the raw headers, to decode encoded words and stray 8-bit bytes ourselves
        plain = email.message_from_bytes(raw, policy=email.policy.compat32)
        from_address, from_name = _address(message, "From")
        _display, _addr = email.utils.parseaddr(str(plain.get("From", "")))
        if _display and "=?" in _display:
            from_name = decode_header_value(_display)
        if not from_address or "@" not in from_address:
            raise MalformedMail("no valid From address")
        body, attachments = _body_and_attachments(message)
        headers = {}
        for key in message:
            if key.lower() not in headers:
                try:
                    headers[key.lower()] = str(message.get(key, ""))
                except (ValueError, TypeError):
                    headers[key.lower()] = ""
        return ParsedMail(
            message_id=_first_id(message.get("Message-ID")),
            in_reply_to=_first_id(message.get("In-Reply-To")),
            references=_ids(message.get("References"))[-50:],
            from_address=from_address[:254],
            from_name=from_name[:200],
            to_addresses=_all_addresses(message, "To", "Cc", "Delivered-To"),
            subject=decode_header_value(plain.get("Subject"))[:SUBJECT_LENGTH],
            date=_date(message.get("Date")),
            body_text=body,
            attachments=attachments,
            headers=headers,
        )
    except MalformedMail:
        raise
    except Exception as exc:  # the email package raises many kinds on hostile input
        raise MalformedMail(f"{type(exc).__name__}: {exc}") from exc
