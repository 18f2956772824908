"""Connections to the org's mail servers (imaplib, smtplib), with the mailbox's
security setting and a timeout, so a hung server never holds a worker for long.

``MailServerError`` carries a short, readable reason; callers record it on the mailbox
or the outbound mail. Network and protocol errors of both libraries are turned into it.
"""

import imaplib
import logging
import re
import smtplib
import socket
import ssl
from contextlib import contextmanager, suppress

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

TIMEOUT = 30  # seconds, per network operation


class MailServerError(Exception):
    """The mail server could not be reached or refused us."""


def _password(mailbox, field):
    """The mailbox's plain password, or a readable ``MailServerError`` when it cannot
    be decrypted (the encryption key was changed)."""
    from guanxi.core.crypto import DecryptionError

    try:
        return mailbox.password(field)
    except DecryptionError as exc:
        raise MailServerError(_("无法解密保存的邮箱密码：%(error)s") % {"error": exc}) from exc


NETWORK_ERRORS = (OSError, socket.timeout, ssl.SSLError, EOFError)


def _tls_context():
    return ssl.create_default_context()


def describe(exc) -> str:
    """A one-line account of a mail library error (no secrets in it)."""
    text = exc.args[0] if getattr(exc, "args", None) else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error
        if isinstance(message, bytes):
            message = message.decode("utf-8", errors="replace")
        text = f"{exc.smtp_code} {message}"
    text = re.sub(r"\s+", " ", str(text)).strip()
    return f"{type(exc).__name__}: {text}"[:500]


@contextmanager
def imap_session(mailbox, *, timeout=TIMEOUT):
    """A logged-in IMAP connection to ``mailbox``; logs out at the end."""
    password = _password(mailbox, "imap_password")  # before connecting: nothing to close
    connection: imaplib.IMAP4 | None = None
    try:
        if mailbox.imap_security == "ssl":
            connection = imaplib.IMAP4_SSL(
                mailbox.imap_host, mailbox.imap_port, ssl_context=_tls_context(), timeout=timeout
            )
        else:
            connection = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
            if mailbox.imap_security == "starttls":
                connection.starttls(ssl_context=_tls_context())
        imap = connection
        imap.login(mailbox.imap_user, password)
    except (imaplib.IMAP4.error, *NETWORK_ERRORS) as exc:
        _close_imap(connection)
        raise MailServerError(describe(exc)) from exc
    try:
        yield imap
    except (imaplib.IMAP4.error, *NETWORK_ERRORS) as exc:
        raise MailServerError(describe(exc)) from exc
    finally:
        _close_imap(connection, logout=True)


def _close_imap(connection, *, logout=False):
    if connection is None:
        return
    try:
        if logout:
            connection.logout()
        else:
            connection.shutdown()
    except Exception:  # closing a broken connection: nothing more to do
        logger.debug("IMAP connection already closed", exc_info=True)


@contextmanager
def smtp_session(mailbox, *, timeout=TIMEOUT):
    """A connected (and, with a user, logged-in) SMTP connection to ``mailbox``."""
    password = _password(mailbox, "smtp_password") if mailbox.smtp_user else ""
    connection: smtplib.SMTP | None = None
    try:
        if mailbox.smtp_security == "ssl":
            connection = smtplib.SMTP_SSL(
                mailbox.smtp_host, mailbox.smtp_port, timeout=timeout, context=_tls_context()
            )
        else:
            connection = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=timeout)
            if mailbox.smtp_security == "starttls":
                connection.starttls(context=_tls_context())
        smtp = connection
        if mailbox.smtp_user:
            smtp.login(mailbox.smtp_user, password)
    except (smtplib.SMTPException, *NETWORK_ERRORS) as exc:
        _close_smtp(connection)
        raise MailServerError(describe(exc)) from exc
    try:
        yield smtp
    except (smtplib.SMTPException, *NETWORK_ERRORS) as exc:
        raise MailServerError(describe(exc)) from exc
    finally:
        _close_smtp(connection)


def _close_smtp(connection):
    if connection is None:
        return
    try:
        connection.quit()
    except Exception:
        with suppress(Exception):
            connection.close()


def check_ok(answer, what):
    """imaplib answers ``(type, data)``: anything but OK is an error."""
    kind, data = answer
    if kind != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise MailServerError(f"{what}: {kind} {detail}"[:500])
    return data
