"""Reading a raw e-mail into what the channel needs: sender, subject, threading
headers, the text body and the attachments (name, type and content).

An attachment is a part with ``Content-Disposition: attachment``, or any part with a
file name that is not a text or HTML body part — so an inline image with a file name
(a pasted screenshot) counts, and the HTML alternative of the body does not. File
names come decoded: RFC 2231 parameters (``filename*=UTF-8''…``), RFC 2047 encoded
words inside the quotes (``"=?GBK?B?…?="``, what many Chinese clients write) and raw
8-bit names, GB charsets read as GB18030. Cleaning a name for storage is the ticket
attachments' job.

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
import mimetypes
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
class MailFile:
    """One attachment of a mail, its content decoded."""

    name: str
    content_type: str
    data: bytes
    inline: bool = False

    @property
    def size(self):
        return len(self.data)


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
    # name, size and content type of each attachment (what the mail log keeps)
    attachments: list[dict] = field(default_factory=list)
    headers: dict = field(default_factory=dict)  # lower-cased name -> first value
    files: list[MailFile] = field(default_factory=list)  # the attachments themselves


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


BODY_TYPES = ("text/plain", "text/html")


def _filename(part) -> str:
    """The part's file name, decoded (see the module's docstring); "" when none."""
    try:
        raw = part.get_filename()
    except (ValueError, LookupError, UnicodeError, TypeError, IndexError):
        raw = None
    if raw is None or (isinstance(raw, str) and "\ufffd" in raw):
        # a name the header parser could not read (8-bit GBK bytes in the quotes, say):
        # read it from the header as received, its bytes kept as surrogates
        sources = dict((name.lower(), value) for name, value in part.raw_items())
        for header in ("content-disposition", "content-type"):
            found = re.search(
                r"""\b(?:file)?name\s*=\s*("([^"]*)"|[^;\s]+)""", str(sources.get(header, ""))
            )
            if found:
                raw = found.group(2) if found.group(2) is not None else found.group(1)
                break
    if not raw:
        return ""
    if isinstance(raw, tuple):  # an RFC 2231 value the parser left undecoded
        charset, _language, text = raw
        raw = decode_bytes(str(text).encode("latin-1", errors="replace"), charset)
    return decode_header_value(raw)


def _default_name(content_type):
    return "attachment" + (mimetypes.guess_extension(content_type) or ".bin")


def _body_and_attachments(message):
    plain: list[str] = []
    markup: list[str] = []
    files: list[MailFile] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        content_type = part.get_content_type()
        if disposition == "attachment" or (filename and content_type not in BODY_TYPES):
            payload = part.get_payload(decode=True) or b""
            files.append(
                MailFile(
                    name=filename or _default_name(content_type),
                    content_type=content_type,
                    data=payload if isinstance(payload, bytes) else bytes(payload),
                    inline=disposition == "inline",
                )
            )
        elif content_type == "text/plain":
            plain.append(_part_text(part))
        elif content_type == "text/html":
            markup.append(_part_text(part))
    if any(text.strip() for text in plain):
        body = "\n\n".join(text.strip() for text in plain if text.strip())
    else:
        body = "\n\n".join(html_to_text(text) for text in markup)
    return body.replace("\r\n", "\n").strip()[:BODY_LENGTH], files


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
        body, files = _body_and_attachments(message)
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
            attachments=[
                {"name": f.name, "size": f.size, "content_type": f.content_type} for f in files
            ],
            headers=headers,
            files=files,
        )
    except MalformedMail:
        raise
    except Exception as exc:  # the email package raises many kinds on hostile input
        raise MalformedMail(f"{type(exc).__name__}: {exc}") from exc
