"""Every write of the e-mail channel: the mailbox settings, the poller, turning an
unmatched mail into a ticket, and the replies going out.

Polling (``mailbox_poll``) reads the folder's new UIDs (past ``last_uid`` under the
current UIDVALIDITY) and handles each message in its own transaction: the
``InboundMail`` row (unique per org by Message-ID, or by a digest of the headers when a
mail has none), the ticket it opens or the message it adds, and the mailbox's
``last_uid`` commit together. A poll that dies half-way therefore leaves either all of
a message's effects or none, and the rerun skips what is recorded: one mail, one
ticket. A second poll of the same mailbox (the minute job and a "poll now" at the same
moment) does not start while one runs (``polling_until``, claimed by one UPDATE).

A message that cannot be handled is recorded as ``failed`` and the poll goes on; a
server that cannot be reached is recorded on the mailbox with a growing wait (1, 2, 4…
minutes, at most 30) and, from the third failure in a row, one notification to the
people who set up the service (and one when it works again). Nothing raises out of the
poll.

Replies: ``on_agent_reply`` (called by the tickets app after an agent's public reply
commits) queues an ``OutboundMail`` when the ticket is an e-mail ticket; a job sends it
by SMTP, retrying with a growing wait.
"""

import datetime
import email.policy
import email.utils
import html
import logging
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import BusinessRuleError
from guanxi.core.versioning import bump_version, lock_for_update
from guanxi.customers.models import Contact, Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee, Role
from guanxi.service.mail import parsing, transport
from guanxi.service.mail.models import (
    PASSWORD_LENGTH,
    InboundMail,
    Mailbox,
    OutboundMail,
    Security,
)
from guanxi.service.mail.transport import MailServerError

logger = logging.getLogger(__name__)

SETUP_VIEW = "service_setup.view"
SETUP_EDIT = "service_setup.edit"

MAX_SIZE = 10 * 1024 * 1024  # bigger mails are refused without being downloaded
RAW_KEEP = 1024 * 1024  # the raw message is kept (for unmatched/failed ones) up to this
BATCH = 200  # messages per poll; the rest wait for the next minute
MAX_ATTACHMENTS = 20  # files kept per mail; the rest are listed in a note
CLAIM = datetime.timedelta(minutes=10)  # a poll that died frees the mailbox after this
BACKOFF_CAP_MINUTES = 30
NOTIFY_AFTER = 3  # consecutive failures before the setup people are told
SENDER_RATE_CAP = 20  # mails from one address per hour; more is a loop
SENDER_RATE_WINDOW = datetime.timedelta(hours=1)
SEND_BACKOFF_MINUTES = (1, 2, 4, 8, 16, 30)
MAX_SEND_ATTEMPTS = len(SEND_BACKOFF_MINUTES) + 1
SEND_CLAIM = datetime.timedelta(minutes=10)
SEND_FILES_MAX = 20 * 1024 * 1024  # a reply's files sent with it, in all; the rest are named
NOTIFY_KIND = "mailbox_failure"
ROBOT_SENDERS = ("mailer-daemon", "postmaster")
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
TICKET_REF = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9_\-/.]{1,38})\]")
PASSWORD_FIELDS = ("imap_password", "smtp_password")
EDITABLE = (
    "name", "active", "imap_host", "imap_port", "imap_security", "imap_user", "imap_password",
    "imap_folder", "smtp_host", "smtp_port", "smtp_security", "smtp_user", "smtp_password",
    "from_address", "from_name",
)  # fmt: skip
DEFAULT_CATEGORY = "consultation"

Status = InboundMail.Status


def _ticket_services():
    # imported when used: the tickets app imports this one (on_agent_reply)
    from guanxi.service.tickets import services as ticket_services

    return ticket_services


def _ticket_model():
    from guanxi.service.tickets.models import Ticket

    return Ticket


# ---- the mailbox settings -------------------------------------------------------------


def _clean_settings(values: dict) -> dict:
    errors: dict[str, list] = {}
    cleaned = {}
    for name in EDITABLE:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, str):
            value = value.strip()
        cleaned[name] = value
    for name in ("imap_port", "smtp_port"):
        if name in cleaned:
            try:
                port = int(cleaned[name])
            except (TypeError, ValueError):
                port = 0
            if not 1 <= port <= 65535:
                errors.setdefault(name, []).append(_("端口应为 1 到 65535 之间的整数。"))
            cleaned[name] = port
    for name in ("imap_security", "smtp_security"):
        if name in cleaned and cleaned[name] not in Security.values:
            errors.setdefault(name, []).append(_("请选择加密方式：SSL/TLS、STARTTLS 或不加密。"))
    if "active" in cleaned:
        cleaned["active"] = bool(cleaned["active"])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _validate(mailbox):
    errors: dict[str, list] = {}
    required = {
        "imap_host": _("请填写 IMAP 服务器地址。"),
        "imap_user": _("请填写 IMAP 用户名。"),
        "from_address": _("请填写发件地址（客户看到的服务邮箱地址）。"),
    }
    for name, message in required.items():
        if not getattr(mailbox, name):
            errors.setdefault(name, []).append(message)
    if not mailbox.imap_folder:
        mailbox.imap_folder = "INBOX"
    try:
        mailbox.full_clean(exclude=["org", "version", *required, *PASSWORD_FIELDS])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def mailbox_save(*, actor, mailbox: Mailbox | None = None, version=None, **values) -> Mailbox:
    """Create the org's mailbox (``mailbox`` None; refused when it has one) or change
    it (``version`` as loaded: 409 when stale). A password left blank keeps the stored
    one; a typed one is stored encrypted (``Mailbox.set_password``). Turning the
    mailbox on, or changing its server, clears the poll's failure state, so the next
    minute polls it."""
    policy.require(actor, SETUP_EDIT)
    values = _clean_settings(values)
    passwords = {}
    for name in PASSWORD_FIELDS:
        typed = values.pop(name, None)
        if not typed:
            continue  # blank keeps the stored one
        if len(str(typed)) > PASSWORD_LENGTH:
            raise ValidationError(
                {name: [_("密码不能超过 %(n)d 个字符。") % {"n": PASSWORD_LENGTH}]}
            )
        passwords[name] = str(typed)
    if mailbox is None:
        if Mailbox.objects.exists():
            raise BusinessRuleError(
                _("本组织已设置服务邮箱，请修改现有的设置。"), code="mailbox_exists"
            )
        mailbox = Mailbox(org_id=actor.org_id)
        for name, value in values.items():
            setattr(mailbox, name, value)
        for name, typed in passwords.items():
            mailbox.set_password(name, typed)
        _validate(mailbox)
        try:
            with transaction.atomic():
                mailbox.save()
        except IntegrityError as exc:
            raise BusinessRuleError(
                _("本组织已设置服务邮箱，请修改现有的设置。"), code="mailbox_exists"
            ) from exc
        return mailbox
    mailbox = lock_for_update(Mailbox, mailbox.pk, expected_version=version)
    server_before = (mailbox.imap_host, mailbox.imap_port, mailbox.imap_user, mailbox.imap_folder)
    was_active = mailbox.active
    for name, value in values.items():
        setattr(mailbox, name, value)
    for name, typed in passwords.items():
        mailbox.set_password(name, typed)
    _validate(mailbox)
    server_after = (mailbox.imap_host, mailbox.imap_port, mailbox.imap_user, mailbox.imap_folder)
    if server_after != server_before or (mailbox.active and not was_active):
        mailbox.consecutive_failures = 0
        mailbox.next_attempt_at = None
        mailbox.last_error = ""
    if server_after[:3] != server_before[:3] or server_after[3] != server_before[3]:
        # another folder or account: its UIDs mean something else
        mailbox.uid_validity = None
        mailbox.last_uid = 0
    bump_version(mailbox)
    mailbox.save()
    mailbox.refresh_from_db()
    return mailbox


@transaction.atomic
def mailbox_delete(*, actor, mailbox: Mailbox) -> None:
    """Remove the mailbox settings (the mail log stays)."""
    policy.require(actor, SETUP_EDIT)
    Mailbox.objects.filter(pk=mailbox.pk).delete()


@dataclass
class ConnectionCheck:
    imap_ok: bool
    imap_message: str
    smtp_ok: bool | None  # None: no SMTP server set
    smtp_message: str
    folders: list[str] = field(default_factory=list)

    @property
    def ok(self):
        return self.imap_ok and self.smtp_ok is not False


def mailbox_test_connection(*, actor, mailbox: Mailbox, timeout=15) -> ConnectionCheck:
    """Really connect to the IMAP server (log in, open the folder) and the SMTP server
    (connect, log in) with ``mailbox``'s settings — saved or not — and say how it went.
    Writes nothing."""
    policy.require(actor, SETUP_EDIT)
    try:
        with transport.imap_session(mailbox, timeout=timeout) as imap:
            transport.check_ok(
                imap.select(_quote_folder(mailbox.imap_folder), readonly=True), "SELECT"
            )
            count = imap.untagged_responses.get("EXISTS", [b"0"])[-1]
        imap_ok = True
        imap_message = _("IMAP 连接成功：文件夹“%(folder)s”中有 %(count)s 封邮件。") % {
            "folder": mailbox.imap_folder,
            "count": count.decode() if isinstance(count, bytes) else count,
        }
    except MailServerError as exc:
        imap_ok, imap_message = False, _("IMAP 连接失败：%(error)s") % {"error": exc}
    smtp_ok: bool | None = None
    smtp_message = _("未设置 SMTP 服务器：客服的回复不会通过邮件发出。")
    if mailbox.smtp_host:
        try:
            with transport.smtp_session(mailbox, timeout=timeout) as smtp:
                smtp.noop()
            smtp_ok, smtp_message = True, _("SMTP 连接成功。")
        except MailServerError as exc:
            smtp_ok, smtp_message = False, _("SMTP 连接失败：%(error)s") % {"error": exc}
    return ConnectionCheck(imap_ok, imap_message, smtp_ok, smtp_message)


def _quote_folder(name):
    name = name or "INBOX"
    if re.fullmatch(r"[A-Za-z0-9_.\-/]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---- polling ----------------------------------------------------------------------------


@dataclass
class PollResult:
    status: str  # ok | busy | failed | inactive
    counts: dict = field(default_factory=dict)
    error: str = ""

    def as_dict(self):
        return {"status": self.status, "counts": dict(self.counts), "error": self.error}


def _claim(mailbox, now):
    return bool(
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(polling_until__isnull=True) | Q(polling_until__lt=now))
        .update(polling_until=now + CLAIM)
    )


def _release(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(polling_until=None)


def mailbox_poll(*, mailbox: Mailbox, force: bool = False) -> PollResult:
    """Fetch and handle the new mails of ``mailbox`` (run by the system, inside the
    mailbox's org scope). Not before its ``next_attempt_at`` unless ``force``. Never
    raises: the outcome is in the result and on the mailbox."""
    now = timezone.now()
    mailbox = Mailbox.objects.get(pk=mailbox.pk)
    if not mailbox.active and not force:
        return PollResult("inactive")
    if not force and mailbox.next_attempt_at and mailbox.next_attempt_at > now:
        return PollResult("waiting")
    if not _claim(mailbox, now):
        return PollResult("busy")
    counts: dict[str, int] = {}
    try:
        try:
            _poll(mailbox, counts)
        except MailServerError as exc:
            _record_failure(mailbox, str(exc))
            return PollResult("failed", counts, str(exc))
        except Exception as exc:
            logger.exception("mailbox %s: poll failed", mailbox.pk)
            _record_failure(mailbox, f"{type(exc).__name__}: {exc}"[:500])
            return PollResult("failed", counts, str(exc))
        _record_success(mailbox)
        return PollResult("ok", counts)
    finally:
        _release(mailbox)


def _poll(mailbox, counts):
    with transport.imap_session(mailbox) as imap:
        transport.check_ok(imap.select(_quote_folder(mailbox.imap_folder), readonly=True), "SELECT")
        validity_data = imap.untagged_responses.get("UIDVALIDITY") or [b"0"]
        validity = int(validity_data[-1])
        if mailbox.uid_validity != validity:
            # a new folder or one the server rebuilt: its UIDs start again; mails seen
            # before are recognised by their Message-ID, so none is handled twice
            Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=validity, last_uid=0)
            mailbox.uid_validity, mailbox.last_uid = validity, 0
        data = transport.check_ok(
            imap.uid("SEARCH", None, "UID", f"{mailbox.last_uid + 1}:*"), "UID SEARCH"
        )
        uids = sorted(
            {int(u) for chunk in data if chunk for u in chunk.split() if int(u) > mailbox.last_uid}
        )[:BATCH]
        for uid in uids:
            status = _fetch_and_handle(imap, mailbox, validity, uid)
            counts[status] = counts.get(status, 0) + 1


def _fetch_and_handle(imap, mailbox, validity, uid):
    data = transport.check_ok(
        imap.uid("FETCH", str(uid), "(RFC822.SIZE BODY.PEEK[HEADER])"), "UID FETCH"
    )
    size, header = _size_and_literal(data)
    key = _dedupe_key(header)
    if InboundMail.objects.filter(
        Q(dedupe_key=key) | Q(mailbox=mailbox, uid_validity=validity, uid=uid)
    ).exists():
        _advance(mailbox, uid)
        return "duplicate"
    if size > MAX_SIZE:
        return _record_plain(
            mailbox,
            validity,
            uid,
            key,
            header,
            size,
            Status.REJECTED_TOO_LARGE,
            _("邮件大小 %(size)s 超过上限 %(limit)s，未下载。")
            % {"size": _size_text(size), "limit": _size_text(MAX_SIZE)},
        )
    data = transport.check_ok(imap.uid("FETCH", str(uid), "(BODY.PEEK[])"), "UID FETCH")
    _unused, raw = _size_and_literal(data)
    try:
        return handle_message(mailbox=mailbox, raw=raw, uid=uid, uid_validity=validity, key=key)
    except Exception as exc:
        logger.exception("mailbox %s: message uid %s failed", mailbox.pk, uid)
        return _record_plain(
            mailbox,
            validity,
            uid,
            key,
            header,
            len(raw),
            Status.FAILED,
            f"{type(exc).__name__}: {exc}"[:2000],
            raw=raw,
        )


def _size_and_literal(data):
    size = 0
    literal = b""
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2:
            found = re.search(rb"RFC822\.SIZE (\d+)", item[0] or b"")
            if found:
                size = int(found.group(1))
            literal = item[1] or b""
        elif isinstance(item, bytes):
            found = re.search(rb"RFC822\.SIZE (\d+)", item)
            if found:
                size = int(found.group(1))
    return size, literal


def _dedupe_key(header: bytes) -> str:
    found = re.search(rb"^Message-ID:[ \t]*(<[^<>\s]+>)", header, re.IGNORECASE | re.MULTILINE)
    if found:
        return found.group(1).decode("ascii", errors="replace")[: parsing.ID_LENGTH]
    return parsing.headers_digest(header)


def _size_text(size):
    return f"{size / 1024 / 1024:.1f} MB"


def _advance(mailbox, uid):
    Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uid).update(last_uid=uid)
    mailbox.last_uid = max(mailbox.last_uid, uid)


def _record_plain(mailbox, validity, uid, key, header, size, status, detail, raw=None):
    """A mail handled without reading it whole (too large) or that failed: what its
    headers say, the reason, and (failed) the raw message, capped."""
    try:
        message = email.message_from_bytes(header or raw or b"", policy=email.policy.compat32)
        display, address = email.utils.parseaddr(str(message.get("From", "")))
        subject = parsing.decode_header_value(message.get("Subject"))
        message_id = parsing._first_id(message.get("Message-ID"))
    except Exception:
        display = address = subject = message_id = ""
    with transaction.atomic():
        try:
            with transaction.atomic():
                InboundMail.objects.create(
                    org_id=mailbox.org_id,
                    mailbox=mailbox,
                    uid_validity=validity,
                    uid=uid,
                    message_id=message_id,
                    dedupe_key=key,
                    from_address=address.strip().lower()[:254],
                    from_name=parsing.decode_header_value(display)[:200],
                    subject=subject[: parsing.SUBJECT_LENGTH],
                    received_at=timezone.now(),
                    size=min(size, 2**31 - 1),
                    status=status,
                    detail=detail,
                    raw=raw[:RAW_KEEP] if raw else None,
                )
        except IntegrityError:
            status = "duplicate"
        _advance(mailbox, uid)
    logger.warning("mailbox %s: uid %s %s: %s", mailbox.pk, uid, status, detail)
    return status


def handle_message(*, mailbox: Mailbox, raw: bytes, uid=None, uid_validity=None, key=None) -> str:
    """Handle one received message (in one transaction with the mailbox's ``last_uid``):
    the returned status says what became of it. A mail already recorded is skipped
    (``duplicate``). Raises only on unexpected errors (the caller records them)."""
    key = key or _dedupe_key(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
    try:
        parsed = parsing.parse(raw)
    except parsing.MalformedMail as exc:
        return _record_plain(
            mailbox,
            uid_validity,
            uid,
            key,
            raw[:65536].split(b"\n\n", 1)[0],
            len(raw),
            Status.FAILED,
            _("无法解析的邮件：%(error)s") % {"error": str(exc)[:500]},
            raw=raw,
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                inbound = InboundMail.objects.create(
                    org_id=mailbox.org_id,
                    mailbox=mailbox,
                    uid_validity=uid_validity,
                    uid=uid,
                    message_id=parsed.message_id,
                    dedupe_key=key,
                    in_reply_to=parsed.in_reply_to,
                    references=" ".join(parsed.references)[:5000],
                    from_address=parsed.from_address,
                    from_name=parsed.from_name,
                    subject=parsed.subject,
                    received_at=parsed.date or timezone.now(),
                    size=min(len(raw), 2**31 - 1),
                    status=Status.FAILED,  # set below, in this same transaction
                    attachments=parsed.attachments[:100],
                )
        except IntegrityError:
            if uid is not None:
                _advance(mailbox, uid)
            return "duplicate"
        loop = _loop_reason(mailbox, parsed)
        if loop:
            inbound.status, inbound.detail = Status.IGNORED_LOOP, loop
        else:
            message = _route(mailbox, inbound, parsed, raw)
            if inbound.ticket_id and parsed.files:
                _keep_attachments(inbound, parsed.files, message=message)
        inbound.save()
        if uid is not None:
            _advance(mailbox, uid)
    return inbound.status


def _loop_reason(mailbox, parsed) -> str:
    headers = parsed.headers
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        return _("自动发送的邮件（Auto-Submitted: %(value)s）。") % {"value": auto[:60]}
    for name in ("x-autoreply", "x-autorespond", "x-autogenerated"):
        if name in headers:
            return _("自动回复的邮件（%(header)s）。") % {"header": name}
    if headers.get("precedence", "").strip().lower() in BULK_PRECEDENCE:
        return _("群发或自动邮件（Precedence: %(value)s）。") % {
            "value": headers["precedence"].strip()[:30]
        }
    if "list-id" in headers:
        return _("邮件列表的邮件。")
    if headers.get("content-type", "").lower().startswith("multipart/report"):
        return _("退信或回执。")
    local = parsed.from_address.split("@", 1)[0]
    if local in ROBOT_SENDERS:
        return _("退信（发件人 %(sender)s）。") % {"sender": parsed.from_address}
    own = {mailbox.from_address.strip().lower(), mailbox.imap_user.strip().lower()}
    if parsed.from_address in own:
        return _("本服务邮箱自己发出的邮件。")
    since = timezone.now() - SENDER_RATE_WINDOW
    recent = InboundMail.objects.filter(
        from_address=parsed.from_address, created_at__gte=since
    ).count()
    if recent > SENDER_RATE_CAP:  # this mail is already counted among them
        return _("同一发件人一小时内来信超过 %(n)d 封，视为邮件循环。") % {"n": SENDER_RATE_CAP}
    return ""


def _route(mailbox, inbound, parsed, raw):
    """A reply to a ticket joins it; a new mail from a known contact opens one; an
    unknown sender waits in the unmatched list."""
    contact, customer, ambiguous = match_sender(parsed.from_address)
    ticket = _thread_ticket(parsed, customer)
    if ticket is not None:
        return _append(
            inbound,
            parsed,
            ticket,
            contact if contact and contact.customer_id == ticket.customer_id else ticket.contact,
        )
    if customer is None:
        inbound.status = Status.UNMATCHED
        inbound.detail = (
            _("发件人对应多个客户，请选择客户后建单。")
            if ambiguous
            else _("发件人不是任何客户或联系人的邮箱，请选择客户后建单。")
        )
        inbound.body_text = parsed.body_text
        # whole while it waits (at most MAX_SIZE): its attachments go to the ticket an
        # agent opens for it
        inbound.raw = raw[:MAX_SIZE]
        return None
    ticket = _open_ticket(
        actor=None,
        customer=customer,
        contact=contact,
        subject=parsed.subject,
        body=parsed.body_text,
        from_address=parsed.from_address,
    )
    inbound.status, inbound.ticket = Status.TICKET_CREATED, ticket
    return None


def _keep_attachments(inbound, files, *, message=None):
    """Store ``files`` (``parsing.MailFile``) as the files of ``inbound.ticket`` (and
    of ``message``, the conversation entry the mail became), inside the caller's
    transaction: a mail is recorded with its files or not at all, so a re-poll never
    duplicates them. At most ``MAX_ATTACHMENTS``; one that is too big, of a type not
    allowed, or cannot be stored is skipped, and the ticket gets an internal note
    naming the skipped ones and why. Records on ``inbound`` what became of each."""
    services = _ticket_services()
    kept = 0
    skipped: list[tuple[str, int, str]] = []
    log = []
    for item in files:
        reason = ""
        if kept >= MAX_ATTACHMENTS:
            reason = _("超过每封邮件 %(n)d 个附件的上限") % {"n": MAX_ATTACHMENTS}
        else:
            try:
                with transaction.atomic():
                    services.ticket_attachment_receive(
                        ticket=inbound.ticket, name=item.name, content=item.data, message=message
                    )
                kept += 1
            except ValidationError as exc:
                reason = "；".join(str(m) for m in exc.messages)
            except OSError as exc:  # the file storage refused it: keep the mail going
                logger.exception("mail %s: attachment not stored", inbound.pk)
                reason = _("文件保存失败：%(error)s") % {"error": type(exc).__name__}
        log.append(
            {
                "name": item.name[:200],
                "size": item.size,
                "content_type": item.content_type[:100],
                "saved": not reason,
                **({"reason": reason} if reason else {}),
            }
        )
        if reason:
            skipped.append((item.name, item.size, reason))
    inbound.attachments = log[:100]
    if skipped:
        lines = "\n".join(
            f"- {name}（{filesizeformat(size)}）：{reason}" for name, size, reason in skipped[:50]
        )
        services.ticket_system_note(
            ticket=inbound.ticket,
            body=_("来自 %(sender)s 的邮件“%(subject)s”中有附件未保存：\n%(files)s")
            % {
                "sender": inbound.from_address,
                "subject": inbound.subject or _("（无主题邮件）"),
                "files": lines,
            },
        )
    note = _attachment_note(kept, skipped)
    inbound.detail = " ".join(filter(None, [inbound.detail, note]))
    return kept, skipped


def _attachment_note(kept, skipped):
    parts = []
    if kept:
        parts.append(_("已保存 %(n)d 个附件到工单。") % {"n": kept})
    if skipped:
        names = "、".join(f"{name}（{reason}）" for name, _size, reason in skipped[:20])
        parts.append(_("未保存的附件：%(names)s") % {"names": names})
    return " ".join(parts)


def match_sender(address: str):
    """``(contact, customer, ambiguous)`` for a sender: the live contacts with this
    e-mail (any case); else the customers with it. Several customers: ambiguous."""
    address = (address or "").strip()
    if not address:
        return None, None, False
    contacts = list(
        Contact.objects.filter(email__iexact=address, customer__deleted_at__isnull=True)
        .select_related("customer")
        .order_by("-is_primary", "id")[:20]
    )
    if contacts:
        if len({c.customer_id for c in contacts}) > 1:
            return None, None, True
        return contacts[0], contacts[0].customer, False
    found = list(Customer.objects.filter(email__iexact=address).order_by("id")[:2])
    if len(found) == 1:
        return None, found[0], False
    return None, None, len(found) > 1


def _thread_ticket(parsed, customer):
    """The ticket this mail answers: one of our replies named by In-Reply-To or
    References, an earlier mail of the ticket named so, or the ticket code in brackets
    in the subject — the last only from a sender of the ticket's customer (a code is
    easy to guess, a Message-ID is not)."""
    Ticket = _ticket_model()
    ids = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i]
    if ids:
        outbound = (
            OutboundMail.objects.filter(message_id__in=ids).order_by("-id").values("ticket_id")[:1]
        )
        ticket = Ticket.objects.filter(pk__in=outbound).first()
        if ticket is None:
            inbound = (
                InboundMail.objects.filter(message_id__in=ids, ticket__isnull=False)
                .order_by("-id")
                .values("ticket_id")[:1]
            )
            ticket = Ticket.objects.filter(pk__in=inbound).first()
        if ticket is not None:
            return ticket
    codes = TICKET_REF.findall(parsed.subject)
    if codes and customer is not None:
        return Ticket.objects.filter(code__in=codes[:10], customer_id=customer.pk).first()
    return None


def _append(inbound, parsed, ticket, contact):
    from guanxi.core.errors import BusinessRuleError as RuleError

    services = _ticket_services()
    try:
        with transaction.atomic():
            message = services.ticket_customer_message(
                ticket=ticket,
                body=parsed.body_text or parsed.subject,
                contact=contact,
                from_address=parsed.from_address,
                channel="email",
            )
    except RuleError as exc:
        if getattr(exc, "code", "") != "ticket_closed":
            raise
        body = _("（此邮件回复的是已关闭的工单 %(code)s）") % {"code": ticket.code}
        new = _open_ticket(
            actor=None,
            customer=ticket.customer,
            contact=contact,
            subject=parsed.subject,
            body=f"{parsed.body_text}\n\n{body}".strip(),
            from_address=parsed.from_address,
        )
        inbound.status, inbound.ticket = Status.TICKET_CREATED, new
        inbound.detail = _("原工单 %(code)s 已关闭，已新建工单。") % {"code": ticket.code}
        return None
    inbound.status, inbound.ticket = Status.APPENDED, ticket
    return message


def _open_ticket(*, actor, customer, contact, subject, body, from_address, category=None):
    return _ticket_services().ticket_create(
        actor=actor,
        customer=customer,
        subject=(subject or _("（无主题邮件）"))[:200],
        category=category or DEFAULT_CATEGORY,
        channel="email",
        description=body,
        contact=contact,
    )


def _backoff(failures):
    return datetime.timedelta(minutes=min(2 ** max(failures - 1, 0), BACKOFF_CAP_MINUTES))


def _setup_people():
    roles = [r.pk for r in Role.objects.all() if r.is_admin or SETUP_EDIT in (r.permissions or [])]
    return list(
        Employee.objects.filter(roles__in=roles, status=Employee.Status.ACTIVE)
        .distinct()
        .values_list("pk", flat=True)
    )


def _mailbox_link():
    try:
        return reverse("service_mail:mailbox")
    except NoReverseMatch:
        return ""


def _record_failure(mailbox, error):
    from guanxi.workspace.notifications import services as notifications
    from guanxi.workspace.notifications.services import lazy_text

    now = timezone.now()
    with transaction.atomic():
        current = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        current.consecutive_failures += 1
        current.last_error = error[:2000]
        current.last_polled_at = now
        current.next_attempt_at = now + _backoff(current.consecutive_failures)
        notify = current.consecutive_failures >= NOTIFY_AFTER and not current.outage_notified
        if notify:
            current.outage_notified = True
        Mailbox.objects.filter(pk=current.pk).update(
            consecutive_failures=current.consecutive_failures,
            last_error=current.last_error,
            last_polled_at=now,
            next_attempt_at=current.next_attempt_at,
            outage_notified=current.outage_notified,
        )
        if notify:
            notifications.notify(
                recipients=_setup_people(),
                kind=NOTIFY_KIND,
                title=lazy_text(
                    gettext_lazy("服务邮箱 %(address)s 收信失败"), address=current.from_address
                ),
                body=lazy_text(
                    gettext_lazy("已连续失败 %(n)s 次，系统会继续重试。最近的错误：%(error)s"),
                    n=current.consecutive_failures,
                    error=error[:300],
                ),
                link=_mailbox_link(),
                target=current,
            )
    logger.warning(
        "mailbox %s: poll failed (%s): %s", mailbox.pk, current.consecutive_failures, error
    )


def _record_success(mailbox):
    from guanxi.workspace.notifications import services as notifications
    from guanxi.workspace.notifications.services import lazy_text

    now = timezone.now()
    with transaction.atomic():
        current = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        recovered = current.outage_notified
        Mailbox.objects.filter(pk=current.pk).update(
            consecutive_failures=0,
            last_error="",
            last_polled_at=now,
            last_success_at=now,
            next_attempt_at=None,
            outage_notified=False,
        )
        if recovered:
            notifications.notify(
                recipients=_setup_people(),
                kind=NOTIFY_KIND,
                title=lazy_text(
                    gettext_lazy("服务邮箱 %(address)s 已恢复收信"), address=current.from_address
                ),
                link=_mailbox_link(),
                target=current,
            )


# ---- unmatched mails --------------------------------------------------------------------


def _unmatched_for_update(inbound):
    current = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    if current.status != Status.UNMATCHED:
        raise BusinessRuleError(
            _("这封邮件已处理（%(status)s），不能再建单。")
            % {"status": current.get_status_display()},
            code="mail_already_handled",
        )
    return current


@transaction.atomic
def inbound_create_ticket(
    *,
    actor,
    inbound: InboundMail,
    customer,
    contact=None,
    subject: str = "",
    category: str = DEFAULT_CATEGORY,
):
    """Open the ticket of an unmatched mail for ``customer`` (and ``contact``, one of
    its contacts), as ``actor``. Refused once the mail was handled (by someone else
    a moment ago, too: the mail's row is locked)."""
    from guanxi.customers import selectors as customer_selectors

    policy.require(actor, "tickets.create")
    current = _unmatched_for_update(inbound)
    customer_pk = getattr(customer, "pk", customer)
    if customer_pk in (None, ""):
        raise ValidationError({"customer": [_("请选择客户。")]})
    try:
        customer_obj = customer_selectors.customer_queryset(employee=actor).get(pk=int(customer_pk))
    except (Customer.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({"customer": [_("客户不存在或您无权查看。")]}) from exc
    contact_obj = None
    contact_pk = getattr(contact, "pk", contact)
    if contact_pk not in (None, ""):
        try:
            contact_obj = Contact.objects.get(pk=int(contact_pk), customer_id=customer_obj.pk)
        except (Contact.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
            raise ValidationError({"contact": [_("联系人不属于所选客户。")]}) from exc
    body = current.body_text
    if current.from_address:
        body = f"{body}\n\n{_('发件人：%(sender)s') % {'sender': current.from_address}}".strip()
    ticket = _open_ticket(
        actor=actor,
        customer=customer_obj,
        contact=contact_obj,
        subject=(subject or "").strip() or current.subject,
        body=body,
        from_address=current.from_address,
        category=category or DEFAULT_CATEGORY,
    )
    current.status = Status.TICKET_CREATED
    current.ticket = ticket
    current.handled_by = actor
    current.handled_at = timezone.now()
    current.detail = ""
    _attachments_of_waiting_mail(current)
    current.raw = None
    current.save()
    return current


def _attachments_of_waiting_mail(inbound):
    """The attachments of an unmatched mail, read again from its kept raw message, to
    the ticket just opened for it. A mail kept before whole messages were kept (cut at
    ``RAW_KEEP``) may have lost them: they are named in the ticket's note."""
    files = []
    if inbound.raw:
        try:
            files = parsing.parse(bytes(inbound.raw)).files
        except parsing.MalformedMail:
            files = []
    known = {(f.name, f.size) for f in files}
    lost = [
        a
        for a in inbound.attachments or []
        if isinstance(a, dict) and (a.get("name"), a.get("size")) not in known
    ]
    if files:
        _keep_attachments(inbound, files)
    if lost:
        reason = _("原始邮件未完整保留")
        for item in lost:
            item.update(saved=False, reason=reason)
        inbound.attachments = [*(inbound.attachments if files else []), *lost][:100]
        _ticket_services().ticket_system_note(
            ticket=inbound.ticket,
            body=_("邮件“%(subject)s”的附件未能保存（%(reason)s）：%(names)s")
            % {
                "subject": inbound.subject or _("（无主题邮件）"),
                "reason": reason,
                "names": "、".join(str(a.get("name", "")) for a in lost[:50]),
            },
        )


@transaction.atomic
def inbound_dismiss(*, actor, inbound: InboundMail) -> InboundMail:
    """Set an unmatched mail aside (spam, nothing to do): it leaves the list."""
    policy.require(actor, "tickets.create")
    current = _unmatched_for_update(inbound)
    current.status = Status.DISMISSED
    current.handled_by = actor
    current.handled_at = timezone.now()
    current.raw = None
    current.body_text = ""
    current.save()
    return current


# ---- replies going out ------------------------------------------------------------------


def _reply_address(ticket):
    """Where a reply to ``ticket`` goes: the address its last mail came from, else its
    contact's e-mail (an e-mail ticket, or any ticket whose contact has one)."""
    last = (
        InboundMail.objects.filter(ticket_id=ticket.pk)
        .exclude(from_address="")
        .order_by("-id")
        .first()
    )
    if last is not None:
        return last.from_address, last
    if ticket.contact_id and ticket.contact and ticket.contact.email:
        return ticket.contact.email, None
    return "", None


def _reply_subject(ticket):
    subject = re.sub(
        r"^\s*((re|回复|答复|fw|fwd|转发)\s*[:：]\s*)+", "", ticket.subject, flags=re.I
    )
    subject = subject.replace(f"[{ticket.code}]", "").strip()
    return f"Re: {subject} [{ticket.code}]"[:500]


def _domain(address):
    return address.rsplit("@", 1)[-1] if "@" in address else "localhost"


def on_agent_reply(*, message) -> OutboundMail | None:
    """After an agent's reply to ``message.ticket`` commits: queue it as an e-mail to
    the customer when the org has an active mailbox with SMTP and the ticket has an
    address to answer (the last mail it received, else its contact's e-mail). Internal
    notes and customer messages are not sent. Idempotent per message."""
    Kind = type(message).Kind
    if message.kind != Kind.REPLY:
        return None
    mailbox = Mailbox.objects.filter(active=True).first()
    if mailbox is None or not mailbox.can_send:
        return None
    ticket = message.ticket
    address, last = _reply_address(ticket)
    if not address:
        return None
    references = []
    if last is not None and last.message_id:
        references = [*last.references.split(), last.message_id][-20:]
    with transaction.atomic():
        outbound, created = OutboundMail.objects.get_or_create(
            ticket_message=message,
            defaults={
                "org_id": ticket.org_id,
                "ticket": ticket,
                "message_id": email.utils.make_msgid(
                    idstring=f"gd{ticket.pk}m{message.pk}", domain=_domain(mailbox.from_address)
                ),
                "to_address": address,
                "subject": _reply_subject(ticket),
                "in_reply_to": last.message_id if last is not None else "",
                "references": " ".join(references),
            },
        )
        if created:
            org_id, pk = ticket.org_id, outbound.pk
            transaction.on_commit(lambda: _enqueue_send(org_id, pk))
    return outbound


def _enqueue_send(org_id, pk):
    from guanxi.service.mail import tasks

    tasks.outbound_send(org_id, pk)


def _reply_files(outbound):
    """The reply's files that fit in one mail (``SEND_FILES_MAX`` in all, in the order
    they were attached) with their content, and the names of those that did not."""
    from guanxi.service.tickets.models import TicketAttachment

    rows = TicketAttachment.objects.filter(message_id=outbound.ticket_message_id).order_by("id")
    sent, left, total = [], [], 0
    for row in rows:
        if total + row.size > SEND_FILES_MAX:
            left.append(row.original_name)
            continue
        with row.file.open("rb") as handle:
            data = handle.read()
        total += len(data)
        sent.append((row.original_name, row.content_type or "application/octet-stream", data))
    return sent, left


def build_message(outbound: OutboundMail, mailbox: Mailbox) -> EmailMessage:
    """The MIME message of a reply: UTF-8 text with a simple HTML alternative, our
    Message-ID, threading headers, and the reply's files as attachments (names
    RFC 2231-encoded; files past ``SEND_FILES_MAX`` in all are named in the text
    instead); no Auto-Submitted (a person wrote it)."""
    body = outbound.ticket_message.body
    files, left = _reply_files(outbound)
    if left:
        body = "\n\n".join(
            [body, _("（以下附件过大，未随邮件发送，请联系我们获取：%(names)s）")
             % {"names": "、".join(left)}]
        )  # fmt: skip
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = (
        email.utils.formataddr((mailbox.from_name, mailbox.from_address))
        if mailbox.from_name
        else mailbox.from_address
    )
    message["To"] = outbound.to_address
    message["Subject"] = outbound.subject
    message["Message-ID"] = outbound.message_id
    message["Date"] = email.utils.format_datetime(timezone.now())
    if outbound.in_reply_to:
        message["In-Reply-To"] = outbound.in_reply_to
    if outbound.references:
        message["References"] = outbound.references
    message.set_content(body, charset="utf-8")
    paragraphs = "".join(
        f"<p>{html.escape(part).replace(chr(10), '<br>')}</p>" for part in body.split("\n\n")
    )
    message.add_alternative(
        f'<html><body><div lang="zh">{paragraphs}</div></body></html>',
        subtype="html",
        charset="utf-8",
    )
    for name, content_type, data in files:
        maintype, _slash, subtype = content_type.partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def outbound_send(*, outbound: OutboundMail) -> OutboundMail:
    """Send one queued reply by SMTP (run by the system). Claims it first, so two
    workers never send the same mail; a failure is recorded with the next attempt
    (1, 2, 4… minutes), and after the last attempt the mail is ``failed``."""
    now = timezone.now()
    claimed = (
        OutboundMail.objects.filter(pk=outbound.pk, status=OutboundMail.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=now + SEND_CLAIM)
    )
    current = OutboundMail.objects.select_related("ticket_message").get(pk=outbound.pk)
    if not claimed:
        return current
    mailbox = Mailbox.objects.filter(active=True).first()
    error = ""
    if mailbox is None or not mailbox.can_send:
        error = _("没有启用的服务邮箱或未设置 SMTP 服务器。")
    else:
        try:
            with transport.smtp_session(mailbox) as smtp:
                smtp.send_message(
                    build_message(current, mailbox),
                    from_addr=mailbox.from_address,
                    to_addrs=[current.to_address],
                )
        except MailServerError as exc:
            error = str(exc)
        except Exception as exc:
            logger.exception("outbound mail %s failed", current.pk)
            error = f"{type(exc).__name__}: {exc}"[:500]
    attempts = current.attempts + 1
    if not error:
        OutboundMail.objects.filter(pk=current.pk).update(
            status=OutboundMail.Status.SENT,
            attempts=attempts,
            sent_at=timezone.now(),
            last_error="",
            next_attempt_at=None,
        )
    elif attempts >= MAX_SEND_ATTEMPTS:
        OutboundMail.objects.filter(pk=current.pk).update(
            status=OutboundMail.Status.FAILED,
            attempts=attempts,
            last_error=error,
            next_attempt_at=None,
        )
    else:
        wait = datetime.timedelta(minutes=SEND_BACKOFF_MINUTES[attempts - 1])
        OutboundMail.objects.filter(pk=current.pk).update(
            attempts=attempts, last_error=error, next_attempt_at=timezone.now() + wait
        )
    current.refresh_from_db()
    return current


def outbound_send_due(*, limit=100) -> int:
    """Send the queued replies whose (next) attempt is due; how many were tried."""
    now = timezone.now()
    due = list(
        OutboundMail.objects.filter(status=OutboundMail.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        outbound_send(outbound=OutboundMail(pk=pk))
    return len(due)


@transaction.atomic
def outbound_retry(*, actor, outbound: OutboundMail) -> OutboundMail:
    """Send a failed reply again (after the server was fixed)."""
    policy.require(actor, "tickets.edit")
    current = OutboundMail.objects.select_for_update().get(pk=outbound.pk)
    if current.status != OutboundMail.Status.FAILED:
        raise BusinessRuleError(_("只能重发发送失败的邮件。"), code="mail_not_failed")
    current.status = OutboundMail.Status.QUEUED
    current.attempts = 0
    current.next_attempt_at = None
    current.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    org_id, pk = current.org_id, current.pk
    transaction.on_commit(lambda: _enqueue_send(org_id, pk))
    return current
