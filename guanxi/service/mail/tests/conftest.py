"""Fixtures of the e-mail channel's tests: a real IMAP server (Dovecot) and a real
SMTP server (aiosmtpd), each private to the test, on a free localhost port."""

import shutil
import tempfile
from pathlib import Path

import pytest

from guanxi.service.mail.tests import servers


@pytest.fixture
def imap_server():
    """A fresh Dovecot with one empty INBOX (skips locally, fails in CI, without it).
    Its directory is a new one directly under the system's temporary directory: the
    server's unprivileged processes must be able to reach it."""
    root = Path(tempfile.mkdtemp(prefix="guanxi-dovecot-"))
    try:
        server = servers.start_dovecot(root)
        yield server
        servers.stop_dovecot(server)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def smtp_server():
    """An SMTP server collecting what it receives in ``.received``."""
    server = servers.start_smtp()
    yield server
    servers.stop_smtp(server)
