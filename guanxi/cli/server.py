"""``guanxi migrate``, ``guanxi serve`` and ``guanxi worker``."""

import logging
import signal
import threading

from django.conf import settings
from django.utils.translation import gettext as _

from guanxi.cli import EXIT_FAILED, CliError, say, warn

# How long a stopping server waits for running jobs before leaving them to the next start.
SHUTDOWN_TIMEOUT = 30
HEALTH_CHECK_SECONDS = 10


def register(commands):
    sub = commands.add_parser("migrate", help=_("更新数据库结构（首次安装和每次升级后运行）。"))
    sub.set_defaults(handler=cmd_migrate)

    sub = commands.add_parser(
        "serve", help=_("启动 Web 服务；内置默认配置下同时在后台运行任务处理。")
    )
    sub.add_argument(
        "--host", default="127.0.0.1", help=_("监听地址（默认 127.0.0.1；0.0.0.0 表示所有网卡）。")
    )
    sub.add_argument("--port", type=int, default=8000, help=_("端口（默认 8000）。"))
    sub.add_argument("--threads", type=_positive, default=4, help=_("处理请求的线程数（默认 4）。"))
    sub.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help=_("后台任务线程数（默认取配置，通常为 2）。"),
    )
    worker = sub.add_mutually_exclusive_group()
    worker.add_argument(
        "--with-worker",
        action="store_true",
        help=_("配置了 REDIS_URL 时也在本进程中运行后台任务。"),
    )
    worker.add_argument(
        "--no-worker",
        action="store_true",
        help=_("不在本进程中运行后台任务（另行运行 guanxi worker）。"),
    )
    sub.add_argument(
        "--no-migrate",
        action="store_true",
        help=_("启动前不更新数据库结构（多台服务器时由一处统一运行 migrate）。"),
    )
    sub.set_defaults(handler=cmd_serve)

    sub = commands.add_parser("worker", help=_("在前台运行后台任务和定时任务处理进程。"))
    sub.add_argument(
        "--workers", type=_positive, default=None, help=_("任务线程数（默认取配置，通常为 2）。")
    )
    sub.add_argument(
        "--no-periodic",
        action="store_true",
        help=_("不调度定时任务（多台任务机时，只让其中一台调度）。"),
    )
    sub.set_defaults(handler=cmd_worker)


def _positive(value):
    try:
        number = int(value)
    except ValueError as exc:
        raise _argument_error(value) from exc
    if number < 1:
        raise _argument_error(value)
    return number


def _argument_error(value):
    import argparse

    return argparse.ArgumentTypeError(_("应为正整数：%(value)s") % {"value": value})


# ---- migrate -------------------------------------------------------------------------------


def prepare(*, verbosity=1):
    """Compile the translation catalogs and apply migrations."""
    from django.core.management import call_command

    from guanxi.core.i18n import compile_catalogs

    compile_catalogs()
    call_command("migrate", interactive=False, verbosity=verbosity)


def migrations_pending():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def migrate_if_needed():
    if migrations_pending():
        prepare(verbosity=0)


def database_problems():
    """Start-up checks that need the database (e.g. PostgreSQL's UTF-8 locale)."""
    from django.core import checks

    return [
        message
        for message in checks.run_checks(databases=["default"], tags=[checks.Tags.database])
        if message.is_serious()
    ]


def _describe(message):
    return f"{message.msg} {message.hint or ''}".strip()


def cmd_migrate(args):
    prepare(verbosity=1)
    for message in database_problems():
        warn(_describe(message))
    say(_("数据库已是最新。"))


# ---- the job consumer ----------------------------------------------------------------------


def _consumer_options(workers, *, periodic=True):
    options = dict(settings.HUEY.get("consumer", {})) if isinstance(settings.HUEY, dict) else {}
    options.update(worker_type="thread", periodic=periodic)
    if workers:
        options["workers"] = workers
    options.setdefault("workers", 2)
    return options


def _load_tasks():
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")


def start_background_consumer(workers=None):
    """Run Huey's consumer (jobs and periodic tasks) in daemon threads of this process.

    Huey's own ``Consumer.run()`` blocks and takes over SIGINT/SIGTERM/SIGHUP;
    here the web server owns the main thread and the signals, so only the
    threads are started, and a small supervisor restarts a worker that died
    (what ``run()`` would have done). Stop it with ``stop_background_consumer``.
    """
    from huey.consumer import Consumer
    from huey.contrib.djhuey import HUEY

    class BackgroundConsumer(Consumer):
        def _set_signal_handlers(self):
            """The main thread serves HTTP and keeps its own signal handlers."""

    _load_tasks()
    consumer = BackgroundConsumer(
        HUEY, shutdown_timeout=SHUTDOWN_TIMEOUT, **_consumer_options(workers)
    )
    consumer.start()

    def supervise():
        while not consumer.stop_flag.wait(HEALTH_CHECK_SECONDS):
            consumer.check_worker_health()

    threading.Thread(target=supervise, name="huey-supervisor", daemon=True).start()
    return consumer


def stop_background_consumer(consumer):
    """Let running jobs finish (up to SHUTDOWN_TIMEOUT seconds), then stop."""
    consumer.stop(graceful=True)
    consumer.huey.notify_interrupted_tasks()


def _huey_logging():
    logger = logging.getLogger("huey")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def cmd_worker(args):
    from huey.contrib.djhuey import HUEY

    _load_tasks()
    _huey_logging()
    options = _consumer_options(args.workers, periodic=not args.no_periodic)
    if args.no_periodic:
        message = _("后台任务处理已启动（%(workers)d 个线程，不调度定时任务）。按 Ctrl+C 停止。")
    else:
        message = _("后台任务处理已启动（%(workers)d 个线程，含定时任务）。按 Ctrl+C 停止。")
    say(message % {"workers": options["workers"]})
    HUEY.create_consumer(**options).run()
    say(_("后台任务处理已停止。"))


# ---- serve ---------------------------------------------------------------------------------


def _display_host(host):
    if host in ("0.0.0.0", "", "*"):  # noqa: S104 - only shown to the operator
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _raise_exit(signum, frame):
    raise SystemExit(0)


def cmd_serve(args):
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    if not args.no_migrate:
        prepare(verbosity=0)
    else:
        from guanxi.core.i18n import compile_catalogs

        compile_catalogs()
    problems = database_problems()
    if problems:
        raise CliError("\n".join(_describe(message) for message in problems), status=EXIT_FAILED)
    embedded_queue = not settings.REDIS_URL
    run_worker = not args.no_worker and (embedded_queue or args.with_worker)

    application = get_wsgi_application()
    try:
        server = create_server(
            application, host=args.host, port=args.port, threads=args.threads, ident="Guanxi"
        )
    except (OSError, ValueError) as exc:
        raise CliError(
            _("无法在 %(host)s:%(port)s 上监听：%(error)s")
            % {"host": args.host, "port": args.port, "error": exc},
            status=EXIT_FAILED,
        ) from exc

    consumer = start_background_consumer(args.workers) if run_worker else None
    url = f"http://{_display_host(args.host)}:{server.effective_port}/"
    say(_("Guanxi CRM 已启动：%(url)s") % {"url": url})
    if args.host in ("0.0.0.0", "::"):  # noqa: S104
        say(_("正在监听所有网卡；用其他地址访问时，请把该主机名加入 ALLOWED_HOSTS。"))
    if consumer is not None:
        say(
            _("后台任务处理在本进程中运行（%(workers)d 个线程）。")
            % {"workers": len(consumer.worker_threads)}
        )
    elif embedded_queue:
        say(_("后台任务处理未在本进程中运行：请另行运行 guanxi worker。"))
    else:
        say(_("任务队列使用 Redis：请另行运行 guanxi worker。"))
    say(_("按 Ctrl+C 停止。"))

    previous = signal.signal(signal.SIGTERM, _raise_exit)
    try:
        server.run()  # returns on Ctrl+C or SIGTERM after closing the sockets
    finally:
        signal.signal(signal.SIGTERM, previous)
        if consumer is not None:
            say(_("正在停止后台任务处理……"))
            stop_background_consumer(consumer)
        say(_("Guanxi CRM 已停止。"))
