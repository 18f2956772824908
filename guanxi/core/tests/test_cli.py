"""The ``guanxi`` command: org and login commands in-process, server and backups for real.

In-process tests call ``main([...])`` against the test database. ``serve``,
``migrate``, ``backup`` and ``restore`` run as real subprocesses on a
throw-away data directory, each bounded in time.
"""

import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request

import pytest

from guanxi.accounts import services as accounts
from guanxi.accounts.models import User
from guanxi.audit.models import ChangeRecord
from guanxi.cli import main
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.orgs.models import Employee, Organization
from guanxi.orgs.tests.factories import PASSWORD

NEW_PASSWORD = "Ganxie@2026!"


@pytest.fixture(autouse=True)
def _chinese_operator(monkeypatch):
    """Messages come out in the product's default language (zh-Hans)."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def run(capsys):
    """``run(*args)`` → (exit status, stdout, stderr) of ``guanxi args…`` in-process."""

    def do(*args):
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return do


def _counts():
    with all_orgs():
        return Organization.objects.count(), User.objects.count(), Employee.objects.count()


# ---- create-org ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_org_creates_org_whose_admin_can_sign_in(run):
    """create-org makes the org through the service; its admin signs in with the password."""
    status, out, err = run(
        "create-org",
        "--code",
        "Huaxin",
        "--name",
        "华信科技有限公司",
        "--admin",
        "boss",
        "--password",
        NEW_PASSWORD,
        "--admin-name",
        "陈总",
    )
    assert status == 0, err
    assert "huaxin" in out
    with all_orgs():
        org = Organization.objects.get(code="huaxin")
        admin = Employee.objects.get(org=org)
        assert admin.name == "陈总"
        assert admin.roles.filter(is_admin=True).exists()
    user = accounts.authenticate(org_code="huaxin", username="boss", password=NEW_PASSWORD)
    assert user.pk == admin.user_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--code", "Bad Code!", "--name", "某公司", "--admin", "boss"], "--code"),
        (["--code", "ok-code", "--name", "", "--admin", "boss"], "--name"),
        (["--code", "ok-code", "--name", "某公司", "--admin", "a b"], "--admin"),
        (["--code", "x", "--name", "某公司", "--admin", "boss"], "--code"),
    ],
)
def test_create_org_refuses_bad_input_and_creates_nothing(run, args, expected):
    """A bad code, name or username: a clear message naming the option, exit 2, no rows."""
    before = _counts()
    status, _out, err = run("create-org", *args, "--password", NEW_PASSWORD)
    assert status == 2
    assert expected in err
    assert "Traceback" not in err
    assert _counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("weak", ["short1", "12345678901", "password123"])
def test_create_org_refuses_weak_password_and_creates_nothing(run, weak):
    before = _counts()
    status, _out, err = run(
        "create-org", "--code", "acme", "--name", "某公司", "--admin", "boss", "--password", weak
    )
    assert status == 2
    assert "--password" in err
    assert _counts() == before


@pytest.mark.django_db
def test_create_org_refuses_duplicate_code_and_leaves_the_existing_org(run, world):
    before = _counts()
    status, _out, err = run(
        "create-org",
        "--code",
        "alpha",
        "--name",
        "另一家",
        "--admin",
        "x1",
        "--password",
        NEW_PASSWORD,
    )
    assert status == 2
    assert "该组织代码已被使用" in err
    assert _counts() == before
    with all_orgs():
        assert Organization.objects.get(code="alpha").name == "阿尔法公司"


@pytest.mark.django_db
def test_create_org_reads_the_password_from_stdin(run, monkeypatch):
    """No --password: one line from standard input (keeps it out of the process list)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD + "\n"))
    status, _out, err = run("create-org", "--code", "piped", "--name", "管道公司", "--admin", "a1")
    assert status == 0, err
    accounts.authenticate(org_code="piped", username="a1", password=NEW_PASSWORD)


# ---- create-admin --------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_admin_adds_an_admin_who_can_sign_in(run, world):
    status, _out, err = run(
        "create-admin",
        "--org",
        "alpha",
        "--username",
        "admin2",
        "--password",
        NEW_PASSWORD,
        "--name",
        "新管理员",
    )
    assert status == 0, err
    with org_scope(world.org):
        employee = Employee.objects.get(user__username="admin2")
        assert employee.name == "新管理员"
        assert employee.department.parent_id is None
        assert employee.roles.filter(is_admin=True).exists()
        assert ChangeRecord.objects.filter(
            entity="orgs.employee", object_id=str(employee.pk), action="create"
        ).exists()
    accounts.authenticate(org_code="alpha", username="admin2", password=NEW_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ["--org", "nowhere", "--username", "admin2", "--password", NEW_PASSWORD],
        ["--org", "alpha", "--username", "rep_a", "--password", NEW_PASSWORD],
        ["--org", "alpha", "--username", "admin2", "--password", "123"],
        ["--org", "alpha", "--username", "bad name", "--password", NEW_PASSWORD],
    ],
)
def test_create_admin_refusals_create_nothing(run, world, args):
    """Unknown org, taken username, weak password, bad username: exit 2, nothing written."""
    before = _counts()
    status, _out, err = run("create-admin", *args)
    assert status == 2
    assert err.startswith("错误：")
    assert _counts() == before


# ---- set-password --------------------------------------------------------------------------


@pytest.mark.django_db
def test_set_password_resets_and_unlocks(run, world, settings):
    """A locked-out employee gets a new password from the operator and can sign in at once."""
    for _attempt in range(settings.GUANXI_LOCKOUT_THRESHOLD):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(org_code="alpha", username="rep_a", password="wrong-guess")
    world.rep_a.user.refresh_from_db()
    assert world.rep_a.user.is_locked()

    status, _out, err = run(
        "set-password", "--org", "alpha", "--username", "REP_A", "--password", NEW_PASSWORD
    )
    assert status == 0, err
    user = accounts.authenticate(org_code="alpha", username="rep_a", password=NEW_PASSWORD)
    assert user.pk == world.rep_a.user_id
    assert not user.is_locked()
    with org_scope(world.org):
        assert ChangeRecord.objects.filter(
            entity="orgs.employee", object_id=str(world.rep_a.pk), action="update"
        ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--org", "alpha", "--username", "nobody"], "nobody"),
        (["--org", "gamma", "--username", "rep_a"], "gamma"),
    ],
)
def test_set_password_unknown_org_or_user(run, world, args, expected):
    status, _out, err = run("set-password", *args, "--password", NEW_PASSWORD)
    assert status == 2
    assert expected in err


@pytest.mark.django_db
def test_set_password_refuses_weak_password_and_keeps_the_old_one(run, world):
    status, _out, err = run(
        "set-password", "--org", "alpha", "--username", "rep_a", "--password", "12345678"
    )
    assert status == 2
    assert "--password" in err
    accounts.authenticate(org_code="alpha", username="rep_a", password=PASSWORD)


# ---- usage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["no-such-command"],
        ["serve", "--port", "eighty"],
        ["serve", "--threads", "0"],
        ["create-org", "--code", "x"],
        ["restore"],
    ],
)
def test_bad_usage_exits_2_without_traceback(run, args):
    status, _out, err = run(*args)
    assert status == 2
    assert "Traceback" not in err
    assert "usage" in err


def test_help_lists_every_command(run):
    status, out, _err = run("--help")
    assert status == 0
    for command in (
        "migrate",
        "serve",
        "worker",
        "demo",
        "create-org",
        "create-admin",
        "set-password",
        "backup",
        "restore",
    ):
        assert command in out


@pytest.mark.django_db
def test_messages_follow_an_english_locale(run, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    status, _out, err = run(
        "set-password", "--org", "nowhere", "--username", "x", "--password", NEW_PASSWORD
    )
    assert status == 2
    assert "Error:" in err
    assert "nowhere" in err


# ---- real processes: migrate, serve, backup, restore ---------------------------------------

# a fresh installation's migrate takes about a minute of CPU (a hundred migrations), two or
# three times that on a machine busy with the parallel test run: the limit is for a hang
SUBPROCESS_TIMEOUT = 300


def _env(data_dir):
    dropped = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "LC_ALL", "LC_MESSAGES")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        GUANXI_DATA_DIR=str(data_dir),
        LANG="C.UTF-8",
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="guanxi.config.settings",
    )
    return env


def guanxi(data_dir, *args, timeout=SUBPROCESS_TIMEOUT):
    return subprocess.run(
        [sys.executable, "-m", "guanxi.cli", *args],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """A data directory migrated once by ``guanxi migrate``; tests copy it."""
    data_dir = tmp_path_factory.mktemp("migrated")
    result = guanxi(data_dir, "migrate")
    assert result.returncode == 0, result.stderr
    assert "数据库已是最新" in result.stdout
    return data_dir


@pytest.fixture
def data_dir(migrated, tmp_path):
    target = tmp_path / "data"
    shutil.copytree(migrated, target)
    return target


def _orgs(data_dir):
    with sqlite3.connect(data_dir / "guanxi.sqlite3") as db:
        return sorted(code for (code,) in db.execute("SELECT code FROM orgs_organization"))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_the_login_page_then_stops_cleanly(data_dir):
    """serve migrates, listens, answers /login/ and stops on SIGTERM (all bounded in time)."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "guanxi.cli", "serve", "--port", str(port), "--threads", "2"],
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                    status = r.status
                    body = r.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert status == 200
        assert "password" in body
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert process.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
    assert "后台任务处理在本进程中运行" in output
    assert "已停止" in output


def test_backup_then_restore_brings_data_and_files_back(data_dir, tmp_path):
    result = guanxi(
        data_dir,
        "create-org",
        "--code",
        "keep",
        "--name",
        "保留公司",
        "--admin",
        "boss",
        "--password",
        NEW_PASSWORD,
    )
    assert result.returncode == 0, result.stderr
    upload = data_dir / "files" / "contracts" / "合同.txt"
    upload.parent.mkdir(parents=True)
    upload.write_text("第一版", encoding="utf-8")
    key_before = (data_dir / "secret_key").read_text()

    archive = tmp_path / "backup.tar.gz"
    result = guanxi(data_dir, "backup", str(archive))
    assert result.returncode == 0, result.stderr
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {"manifest.json", "database.sqlite3", "secret_key", "files/contracts/合同.txt"} <= set(
        names
    )
    assert manifest["format"] == "guanxi-backup"
    assert manifest["database"]["engine"] == "sqlite"
    assert manifest["created_at"]
    assert ["orgs", "0001_initial"] in manifest["migrations"]

    # change everything after the backup
    result = guanxi(
        data_dir,
        "create-org",
        "--code",
        "later",
        "--name",
        "后来公司",
        "--admin",
        "boss",
        "--password",
        NEW_PASSWORD,
    )
    assert result.returncode == 0, result.stderr
    upload.write_text("第二版", encoding="utf-8")
    (data_dir / "files" / "new.txt").write_text("new")
    (data_dir / "secret_key").write_text("another-key")
    assert _orgs(data_dir) == ["keep", "later"]

    refused = guanxi(data_dir, "restore", str(archive))
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    assert _orgs(data_dir) == ["keep", "later"]

    result = guanxi(data_dir, "restore", "--force", str(archive))
    assert result.returncode == 0, result.stderr
    assert _orgs(data_dir) == ["keep"]
    assert upload.read_text(encoding="utf-8") == "第一版"
    assert not (data_dir / "files" / "new.txt").exists()
    assert (data_dir / "secret_key").read_text() == key_before
    assert not list(data_dir.glob(".guanxi-restore-*"))


def test_restore_into_an_empty_installation_needs_no_force(data_dir, migrated, tmp_path):
    guanxi(
        data_dir,
        "create-org",
        "--code",
        "moving",
        "--name",
        "搬家公司",
        "--admin",
        "boss",
        "--password",
        NEW_PASSWORD,
    )
    archive = tmp_path / "move.tar.gz"
    assert guanxi(data_dir, "backup", str(archive)).returncode == 0
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    result = guanxi(fresh, "restore", str(archive))
    assert result.returncode == 0, result.stderr
    assert _orgs(fresh) == ["moving"]


def _tamper(archive, target, *, replace):
    """Copy ``archive`` to ``target`` with some members' bytes replaced."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name in replace:
                data = replace[member.name]
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)


def test_restore_of_a_bad_archive_leaves_the_data_untouched(data_dir, tmp_path):
    """Garbage, a truncated archive, a changed member, a foreign manifest: all refused
    before anything is replaced."""
    guanxi(
        data_dir,
        "create-org",
        "--code",
        "first",
        "--name",
        "第一公司",
        "--admin",
        "boss",
        "--password",
        NEW_PASSWORD,
    )
    upload = data_dir / "files" / "a.txt"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_text("原件")
    good = tmp_path / "good.tar.gz"
    assert guanxi(data_dir, "backup", str(good)).returncode == 0
    guanxi(
        data_dir,
        "create-org",
        "--code",
        "second",
        "--name",
        "第二公司",
        "--admin",
        "boss",
        "--password",
        NEW_PASSWORD,
    )
    upload.write_text("现在的")
    key_now = (data_dir / "secret_key").read_text()

    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(os.urandom(4096))
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    changed = tmp_path / "changed.tar.gz"
    _tamper(good, changed, replace={"files/a.txt": "被改过".encode()})
    foreign = tmp_path / "foreign.tar.gz"
    _tamper(good, foreign, replace={"manifest.json": b'{"format": "something-else"}'})
    broken_db = tmp_path / "broken-db.tar.gz"
    with tarfile.open(good) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    junk = b"SQLite format 3\x00" + os.urandom(8192)
    manifest["checksums"]["database.sqlite3"] = __import__("hashlib").sha256(junk).hexdigest()
    _tamper(
        good,
        broken_db,
        replace={"database.sqlite3": junk, "manifest.json": json.dumps(manifest).encode()},
    )

    for bad in (garbage, truncated, changed, foreign, broken_db):
        result = guanxi(data_dir, "restore", "--force", str(bad))
        assert result.returncode == 1, (bad.name, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert "备份文件无效或已损坏" in result.stderr, result.stderr
        assert _orgs(data_dir) == ["first", "second"], bad.name
        assert upload.read_text() == "现在的"
        assert (data_dir / "secret_key").read_text() == key_now
    assert not list(data_dir.glob(".guanxi-restore-*"))


def test_backup_and_restore_report_missing_files(data_dir, tmp_path):
    result = guanxi(data_dir, "restore", str(tmp_path / "missing.tar.gz"))
    assert result.returncode == 2
    assert "missing.tar.gz" in result.stderr
    result = guanxi(data_dir, "backup", str(tmp_path / "no-such-dir" / "b.tar.gz"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_worker_runs_queued_jobs_and_stops_on_sigterm(data_dir):
    """guanxi worker drains the embedded queue and stops cleanly, all bounded in time."""
    code = (
        "import os, sys, django; django.setup();"
        "from huey.contrib.djhuey import HUEY;"
        "from guanxi.jobs.tasks import run_job;"
        "[run_job(999000 + i) for i in range(3)];"
        "print(HUEY.pending_count())"
    )
    queued = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=True,
    )
    assert queued.stdout.strip() == "3"
    process = subprocess.Popen(
        [sys.executable, "-m", "guanxi.cli", "worker", "--workers", "1"],
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with sqlite3.connect(data_dir / "jobs.sqlite3") as queue:
            deadline = time.monotonic() + 60
            pending = 3
            while time.monotonic() < deadline and process.poll() is None and pending:
                time.sleep(0.2)
                pending = queue.execute("SELECT COUNT(*) FROM task").fetchone()[0]
        assert pending == 0
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert process.returncode == 0, output
    assert "后台任务处理已启动" in output
    assert "后台任务处理已停止" in output


def test_demo_on_a_fresh_installation_migrates_first(tmp_path):
    """The README's first command: ``guanxi demo`` on an empty data directory."""
    result = guanxi(tmp_path, "demo")
    assert result.returncode == 0, result.stderr
    assert "已创建演示组织" in result.stdout
    assert "Guanxi@2026" in result.stdout
    assert _orgs(tmp_path) == ["demo"]
    again = guanxi(tmp_path, "demo")
    assert again.returncode == 0, again.stderr
    assert "新建部门 0 个，新建员工 0 名" in again.stdout
