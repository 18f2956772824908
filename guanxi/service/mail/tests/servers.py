"""Real mail servers for the tests: a private Dovecot (IMAP) and an aiosmtpd (SMTP),
each on a free localhost port.

Dovecot runs as its own instance: a config directory under the test's temporary
directory, a passwd-file with one user, maildir folders there too, no system service.
It is found on PATH or in /usr/sbin (``scripts/ensure_mailserver.sh`` installs it);
when it is missing the tests that need it skip, and fail under CI (``CI`` set), like
the browser tests.
"""

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

USER = "service"
PASSWORD = "mail-secret-1"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dovecot_binary():
    found = shutil.which("dovecot")
    if found:
        return found
    if os.access("/usr/sbin/dovecot", os.X_OK):
        return "/usr/sbin/dovecot"
    return None


def _accounts():
    """Who the instance's processes and mail files run as. As root: Dovecot's own
    unprivileged users and ``nobody`` for the mail; otherwise the current user for all."""
    if os.geteuid() == 0:
        names = {"login": "dovenull", "internal": "dovecot"}
        try:
            for name in names.values():
                pwd.getpwnam(name)
            mail = pwd.getpwnam("nobody")
            group = grp.getgrgid(pwd.getpwnam("dovecot").pw_gid).gr_name
            return names["login"], names["internal"], group, mail.pw_uid, mail.pw_gid
        except KeyError:
            pass
    me = pwd.getpwuid(os.getuid())
    return me.pw_name, me.pw_name, grp.getgrgid(os.getgid()).gr_name, os.getuid(), os.getgid()


@dataclass
class Imap:
    host: str
    port: int
    user: str
    password: str
    root: Path
    process: subprocess.Popen | None = None

    def client(self):
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def deliver(self, raw: bytes):
        """Put a message in the INBOX, as a mail server delivering it would."""
        client = self.client()
        try:
            kind, data = client.append("INBOX", None, None, raw)
            assert kind == "OK", data
        finally:
            client.logout()

    def expunge_all(self):
        client = self.client()
        try:
            client.select("INBOX")
            client.store("1:*", "+FLAGS", "\\Deleted")
            client.expunge()
        finally:
            client.logout()

    def settings(self):
        return {
            "imap_host": self.host,
            "imap_port": self.port,
            "imap_security": "none",
            "imap_user": self.user,
            "imap_password": self.password,
            "imap_folder": "INBOX",
        }


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
first_valid_gid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


def start_dovecot(root: Path) -> Imap:
    binary = dovecot_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("Dovecot is not installed (run scripts/ensure_mailserver.sh)")
        pytest.skip("Dovecot is not installed (run scripts/ensure_mailserver.sh)")
    login_user, internal_user, internal_group, uid, gid = _accounts()
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    if os.geteuid() == 0:  # the mail files belong to the unprivileged mail user
        for name in ("mail", "home"):
            os.chown(root / name, uid, gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            login_user=login_user,
            internal_user=internal_user,
            internal_group=internal_group,
            uid=uid,
            gid=gid,
            port=port,
        )
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    server = Imap("127.0.0.1", port, USER, PASSWORD, root, process)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot did not start: {process.stderr.read()!r} {log}")
        try:
            with contextlib.closing(socket.create_connection(("127.0.0.1", port), timeout=1)):
                return server
        except OSError:
            time.sleep(0.05)
    stop_dovecot(server)
    raise RuntimeError("dovecot did not listen in time")


def stop_dovecot(server: Imap):
    process = server.process
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@dataclass
class Smtp:
    host: str
    port: int
    received: list = field(default_factory=list)  # (mail_from, rcpt_tos, bytes)
    refuse: bool = False  # answer every message with a temporary failure
    controller: object = None

    def settings(self):
        return {
            "smtp_host": self.host,
            "smtp_port": self.port,
            "smtp_security": "none",
            "smtp_user": "",
            "smtp_password": "",
        }

    def wait_for(self, count, timeout=5):
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


class _Collector:
    def __init__(self, server):
        self.server = server
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.server.refuse:
            return "451 4.3.0 Try again later"
        with self.lock:
            self.server.received.append(
                (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
            )
        return "250 OK"


def start_smtp() -> Smtp:
    from aiosmtpd.controller import Controller

    server = Smtp("127.0.0.1", free_port())
    controller = Controller(_Collector(server), hostname="127.0.0.1", port=server.port)
    controller.start()
    server.controller = controller
    return server


def stop_smtp(server: Smtp):
    if server.controller is not None:
        server.controller.stop()
