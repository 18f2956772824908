"""``guanxi backup FILE`` and ``guanxi restore FILE``.

One ``.tar.gz`` holds everything needed to bring an installation back:

* ``manifest.json`` — format version, Guanxi version, when, which database
  engine, the applied migrations and a SHA-256 of every member;
* ``database.sqlite3`` (embedded SQLite: an online copy through SQLite's
  backup API, consistent while the server keeps running) or
  ``database.pgdump`` (PostgreSQL: ``pg_dump`` custom format);
* ``files/`` — uploaded files (``MEDIA_ROOT``);
* ``secret_key`` — the installation's key from the data directory, when it
  is kept there (not when ``SECRET_KEY`` comes from the environment).

Restore checks the whole archive (manifest, checksums, the database copy
itself) before it touches anything, and refuses to overwrite a database that
already holds orgs unless told ``--force``.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, connections
from django.utils.translation import gettext as _

from guanxi.cli import EXIT_FAILED, CliError, say, warn

FORMAT = "guanxi-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
SECRET_MEMBER = "secret_key"
FILES_DIR = "files"
CHUNK = 1024 * 1024


def register(commands):
    sub = commands.add_parser(
        "backup",
        help=_("把数据库、上传的文件和密钥备份到一个 .tar.gz 文件（服务运行时也可执行）。"),
    )
    sub.add_argument("file", help=_("备份文件路径，如 guanxi-2026-01-31.tar.gz。"))
    sub.set_defaults(handler=cmd_backup)

    sub = commands.add_parser("restore", help=_("从 guanxi backup 生成的文件恢复全部数据。"))
    sub.add_argument("file", help=_("备份文件路径。"))
    sub.add_argument(
        "--force", action="store_true", help=_("当前数据库已有数据时也覆盖（当前数据将被替换）。")
    )
    sub.set_defaults(handler=cmd_restore)


# ---- shared ------------------------------------------------------------------------------


def engine():
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise CliError(_("不支持备份 %(vendor)s 数据库。") % {"vendor": vendor}, status=EXIT_FAILED)
    return vendor


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _version():
    try:
        return metadata.version("guanxi")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def _secret_key_file():
    return Path(settings.DATA_DIR) / "secret_key"


def _secret_from_environment():
    return bool(os.environ.get("SECRET_KEY"))


def _pg_env_and_args():
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return env, args, str(db["NAME"])


def _pg_tool(name):
    path = shutil.which(name)
    if path is None:
        raise CliError(
            _(
                "找不到 %(tool)s。请安装与服务器版本一致的 PostgreSQL 客户端工具"
                "（如 apt install postgresql-client）。"
            )
            % {"tool": name},
            status=EXIT_FAILED,
        )
    return path


def _run(command, env):
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise CliError(
            _("%(tool)s 失败：%(error)s")
            % {
                "tool": Path(command[0]).name,
                "error": (completed.stderr or completed.stdout).strip()[-2000:],
            },
            status=EXIT_FAILED,
        )
    return completed


def applied_migrations_live():
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted([app, name] for app, name in recorder.applied_migrations())


def known_migrations():
    from django.db.migrations.loader import MigrationLoader

    return {tuple(key) for key in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}


# ---- backup ------------------------------------------------------------------------------


def _dump_sqlite(target):
    """Copy the live SQLite database page by page into ``target`` (a consistent snapshot)."""
    source_path = Path(settings.DATABASES["default"]["NAME"])
    if not source_path.exists():
        raise CliError(
            _("数据库文件 %(path)s 不存在：还没有运行 guanxi migrate？") % {"path": source_path},
            status=EXIT_FAILED,
        )
    source = sqlite3.connect(str(source_path), timeout=60)
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)  # one step: a single read transaction, so one point in time
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file
        migrations = sorted(
            [app, name] for app, name in copy.execute("SELECT app, name FROM django_migrations")
        )
    except sqlite3.DatabaseError as exc:
        raise CliError(_("读取数据库失败：%(error)s") % {"error": exc}, status=EXIT_FAILED) from exc
    finally:
        copy.close()
        source.close()
    return migrations


def _dump_postgresql(target):
    env, args, name = _pg_env_and_args()
    _run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            *args,
            "--dbname",
            name,
        ],
        env,
    )
    return applied_migrations_live()


def _add_bytes(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.datetime.now().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def create_backup(path):
    """Write the archive to ``path`` (atomically: a partial file never has the final name)."""
    kind = engine()
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise CliError(_("%(path)s 是一个目录，请给出备份文件名。") % {"path": path})
    if not path.parent.is_dir():
        raise CliError(_("目录 %(path)s 不存在。") % {"path": path.parent})
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix=".guanxi-backup-", dir=path.parent) as tmp:
        db_member = SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER
        db_file = Path(tmp) / db_member
        migrations = _dump_sqlite(db_file) if kind == "sqlite" else _dump_postgresql(db_file)
        secret = _secret_key_file()
        include_secret = secret.is_file() and not _secret_from_environment()
        files = sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []
        checksums = {db_member: _sha256(db_file)}
        if include_secret:
            checksums[SECRET_MEMBER] = _sha256(secret)
        for file in files:
            checksums[f"{FILES_DIR}/{file.relative_to(media).as_posix()}"] = _sha256(file)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "guanxi_version": _version(),
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "database": {"engine": kind, "member": db_member},
            "secret_key": include_secret,
            "files": len(files),
            "migrations": migrations,
            "checksums": checksums,
        }
        partial = Path(tmp) / "archive.tar.gz"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(
                archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            )
            archive.add(db_file, arcname=db_member)
            if include_secret:
                archive.add(secret, arcname=SECRET_MEMBER)
            for file in files:
                archive.add(file, arcname=f"{FILES_DIR}/{file.relative_to(media).as_posix()}")
        os.replace(partial, path)
    return manifest, path


def cmd_backup(args):
    manifest, path = create_backup(args.file)
    say(
        _("备份完成：%(path)s（%(size)s，数据库 %(engine)s，文件 %(files)d 个）。")
        % {
            "path": path,
            "size": _human_size(path.stat().st_size),
            "engine": manifest["database"]["engine"],
            "files": manifest["files"],
        }
    )
    if manifest["secret_key"]:
        say(_("备份中含有密钥，请像保管密码一样保管该文件。"))
    elif _secret_from_environment():
        warn(_("密钥来自环境变量 SECRET_KEY，未包含在备份中：请另行妥善保管。"))


def _human_size(size):
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"  # pragma: no cover


# ---- restore -----------------------------------------------------------------------------


def _corrupt(detail):
    return CliError(_("备份文件无效或已损坏：%(detail)s") % {"detail": detail}, status=EXIT_FAILED)


def _safe_member(member):
    """Only the names a backup writes, as plain files and directories inside the archive."""
    name = PurePosixPath(member.name)
    if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
        return False
    top = name.parts[0] if name.parts else ""
    return top in (MANIFEST, SQLITE_MEMBER, PG_MEMBER, SECRET_MEMBER, FILES_DIR)


def _extract(path, into):
    try:
        with tarfile.open(path, mode="r:*") as archive:
            members = archive.getmembers()
            bad = [m.name for m in members if not _safe_member(m)]
            if bad:
                raise _corrupt(_("包含不应有的条目 %(name)s") % {"name": bad[0]})
            if hasattr(tarfile, "data_filter"):
                archive.extractall(into, members=members, filter="data")
            else:  # pragma: no cover - Python before 3.11.4; members were checked above
                archive.extractall(into, members=members)  # noqa: S202
    except tarfile.ReadError as exc:
        raise _corrupt(_("不是 .tar.gz 备份文件，或文件不完整")) from exc
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _corrupt(exc) from exc


def _read_manifest(root):
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise _corrupt(_("缺少 %(name)s") % {"name": MANIFEST}) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise _corrupt(_("%(name)s 无法解析") % {"name": MANIFEST}) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(_("不是 Guanxi 备份文件"))
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CliError(
            _("该备份由较新版本的 Guanxi 生成（格式 %(version)s），请先升级程序。")
            % {"version": version},
            status=EXIT_FAILED,
        )
    database = manifest.get("database") or {}
    if database.get("engine") not in ("sqlite", "postgresql") or database.get("member") not in (
        SQLITE_MEMBER,
        PG_MEMBER,
    ):
        raise _corrupt(_("清单中的数据库信息无效"))
    checksums = manifest.get("checksums")
    if not isinstance(checksums, dict) or database["member"] not in checksums:
        raise _corrupt(_("清单中缺少校验和"))
    return manifest


def _verify_checksums(root, manifest):
    for name, expected in manifest["checksums"].items():
        member = root / PurePosixPath(name)
        if not member.is_file():
            raise _corrupt(_("缺少 %(name)s") % {"name": name})
        if _sha256(member) != expected:
            raise _corrupt(_("%(name)s 校验和不符") % {"name": name})
    if manifest.get("secret_key") and SECRET_MEMBER not in manifest["checksums"]:
        raise _corrupt(_("缺少 %(name)s") % {"name": SECRET_MEMBER})


def _check_sqlite_copy(db_file):
    try:
        copy = sqlite3.connect(f"{Path(db_file).as_uri()}?mode=ro", uri=True)
        try:
            result = copy.execute("PRAGMA integrity_check").fetchone()
            copy.execute("SELECT app, name FROM django_migrations").fetchall()
        finally:
            copy.close()
    except sqlite3.DatabaseError as exc:
        raise _corrupt(exc) from exc
    if not result or result[0] != "ok":
        raise _corrupt(_("数据库完整性检查未通过"))


def _check_pg_dump(db_file):
    env, _args, _name = _pg_env_and_args()
    tool = _pg_tool("pg_restore")
    try:
        _run([tool, "--list", str(db_file)], env)
    except CliError as exc:
        raise _corrupt(exc.message) from exc


def _check_migrations(manifest):
    archived = {
        tuple(item)
        for item in manifest.get("migrations") or []
        if isinstance(item, list | tuple) and len(item) == 2
    }
    unknown = sorted(archived - known_migrations())
    if unknown:
        raise CliError(
            _(
                "该备份来自较新版本的 Guanxi（包含本程序不认识的数据库迁移 %(name)s），"
                "请先升级程序再恢复。"
            )
            % {"name": ".".join(unknown[0])},
            status=EXIT_FAILED,
        )


def org_count():
    """Orgs in the live database (0 when it has no tables yet)."""
    if "orgs_organization" not in connection.introspection.table_names():
        return 0
    from guanxi.orgs.models import Organization

    return Organization.objects.count()


def _restore_sqlite(db_file):
    target = Path(settings.DATABASES["default"]["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    connections.close_all()
    source = sqlite3.connect(f"{Path(db_file).as_uri()}?mode=ro", uri=True)
    live = sqlite3.connect(str(target), timeout=60)
    try:
        # The backup API writes every page under one write lock and commits at the end:
        # other connections (a running server) see the old or the new database, never a mix.
        source.backup(live)
    except sqlite3.DatabaseError as exc:
        raise CliError(
            _("写入数据库失败，原数据未改变：%(error)s") % {"error": exc}, status=EXIT_FAILED
        ) from exc
    finally:
        live.close()
        source.close()


def _restore_postgresql(db_file):
    env, args, name = _pg_env_and_args()
    connections.close_all()
    # One transaction: if anything fails, pg_restore rolls back and the old data stays.
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            "--dbname",
            name,
            str(db_file),
        ],
        env,
    )


def _swap_files(extracted):
    """Put the archive's files where uploads live; the old tree goes only once that worked."""
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    if not extracted.is_dir():
        extracted.mkdir()
    stamp = datetime.datetime.now().strftime("%Y%m%d%H%M%S")
    old = media.with_name(f".{media.name}.before-restore-{stamp}")
    if media.exists():
        shutil.move(str(media), str(old))
    try:
        shutil.move(str(extracted), str(media))
    except OSError:
        if old.exists():
            shutil.move(str(old), str(media))
        raise
    shutil.rmtree(old, ignore_errors=True)


def _restore_secret(root, manifest):
    if not manifest.get("secret_key"):
        return
    if _secret_from_environment():
        warn(_("SECRET_KEY 由环境变量提供，备份中的密钥未使用：请确认它与备份时的密钥一致。"))
        return
    target = _secret_key_file()
    partial = target.with_name(f".{target.name}.restore")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write((root / SECRET_MEMBER).read_bytes())
    os.replace(partial, target)


def restore_backup(path, *, force=False):
    kind = engine()
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise CliError(_("找不到备份文件 %(path)s。") % {"path": path})
    data_dir = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory(prefix=".guanxi-restore-", dir=data_dir) as tmp:
        root = Path(tmp)
        _extract(path, root)
        manifest = _read_manifest(root)
        archived = manifest["database"]["engine"]
        if archived != kind:
            raise CliError(
                _("该备份来自 %(archived)s 数据库，当前配置的是 %(current)s，不能直接恢复。")
                % {"archived": archived, "current": kind},
                status=EXIT_FAILED,
            )
        _verify_checksums(root, manifest)
        db_file = root / manifest["database"]["member"]
        if kind == "sqlite":
            _check_sqlite_copy(db_file)
        else:
            _check_pg_dump(db_file)
        _check_migrations(manifest)
        existing = org_count()
        if existing and not force:
            raise CliError(
                _(
                    "当前数据库已有 %(n)d 个组织。恢复会用备份替换全部现有数据；"
                    "确认无误请加 --force 重新运行。"
                )
                % {"n": existing}
            )
        # Everything is checked: from here on the live data is replaced.
        if kind == "sqlite":
            _restore_sqlite(db_file)
        else:
            _restore_postgresql(db_file)
        _swap_files(root / FILES_DIR)
        _restore_secret(root, manifest)
    connections.close_all()
    return manifest


def cmd_restore(args):
    from guanxi.cli.server import prepare

    manifest = restore_backup(args.file, force=args.force)
    prepare(verbosity=0)  # a backup from an older version is brought up to date
    say(
        _("恢复完成：备份时间 %(created)s，现有组织 %(orgs)d 个，文件 %(files)d 个。")
        % {
            "created": manifest.get("created_at", "?"),
            "orgs": org_count(),
            "files": manifest.get("files", 0),
        }
    )
    say(_("如果服务正在运行，请重新启动它。"))
