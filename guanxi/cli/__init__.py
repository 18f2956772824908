"""The ``guanxi`` command: everything an operator does to an installation.

    guanxi migrate                 apply database migrations
    guanxi serve                   run the web server (and, embedded, the job worker)
    guanxi worker                  run the background job worker
    guanxi demo                    create or refresh the demo org and print its logins
    guanxi create-org              create an org with its first admin
    guanxi create-admin            add an admin to an existing org
    guanxi set-password            reset an employee's password and clear a lockout
    guanxi backup FILE             one archive: database, uploaded files, secret key
    guanxi restore FILE            put such an archive back

Subcommands parse input and call the same services the UI and API call.
Bad input ends with a translated message and exit status 2, never a traceback.
"""

import argparse
import os
import sys

__all__ = ["CliError", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report to the operator: a message, and the exit status."""

    def __init__(self, message, *, status=EXIT_USAGE):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status


def _language():
    """The operator's language from the usual locale variables; else the product default."""
    from django.conf import settings

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").lower()
        if not value:
            continue
        if value.startswith("en"):
            return "en"
        if value.startswith("zh"):
            return "zh-hans"
        break
    return settings.LANGUAGE_CODE


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        from django.utils.translation import gettext as _

        self.print_usage(sys.stderr)
        self.exit(
            EXIT_USAGE,
            _("%(prog)s：参数错误：%(message)s\n") % {"prog": self.prog, "message": message},
        )


def build_parser():
    from django.utils.translation import gettext as _

    from guanxi.cli import backup, server, tenants

    parser = _Parser(prog="guanxi", description=_("Guanxi CRM 运维命令。"))
    parser.add_argument(
        "--traceback", action="store_true", help=_("出现内部错误时打印完整的调用栈（排查问题用）。")
    )
    commands = parser.add_subparsers(dest="command", metavar=_("命令"), parser_class=_Parser)
    commands.required = True
    for module in (server, tenants, backup):
        module.register(commands)
    return parser


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.config.settings")
    import django

    django.setup()


def main(argv=None):
    """Run one ``guanxi`` command; returns the exit status."""
    _setup_django()
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError
    from django.utils import translation
    from django.utils.translation import gettext as _

    from guanxi.core.errors import BusinessRuleError

    with translation.override(_language()):
        parser = build_parser()
        try:
            args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
        except SystemExit as exc:  # --help or a usage error, already printed
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        try:
            return args.handler(args) or EXIT_OK
        except CliError as exc:
            error(exc.message)
            return exc.status
        except ValidationError as exc:
            for message in validation_messages(exc, getattr(args, "field_options", {})):
                error(message)
            return EXIT_USAGE
        except BusinessRuleError as exc:
            error(str(exc.message))
            return EXIT_USAGE
        except KeyboardInterrupt:
            error(_("已取消。"))
            return 130
        except DatabaseError as exc:
            if args.traceback:
                raise
            error(_("数据库错误：%(error)s") % {"error": exc})
            error(_("请确认数据库可以连接，并已运行 guanxi migrate。"))
            return EXIT_FAILED
        except Exception as exc:
            if args.traceback:
                raise
            error(_("内部错误：%(error)s") % {"error": f"{type(exc).__name__}: {exc}"})
            error(_("加上 --traceback 重新运行可查看详细信息。"))
            return EXIT_FAILED


# ---- output helpers used by the subcommands ----------------------------------------------


def say(message=""):
    print(message, flush=True)


def error(message):
    from django.utils.translation import gettext as _

    print(_("错误：%(message)s") % {"message": message}, file=sys.stderr, flush=True)


def warn(message):
    from django.utils.translation import gettext as _

    print(_("注意：%(message)s") % {"message": message}, file=sys.stderr, flush=True)


def validation_messages(exc, field_options=None):
    """Lines for a ValidationError; field names shown as the option that carried them."""
    field_options = field_options or {}
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            label = field_options.get(name, name)
            for message in messages:
                yield message if name == "__all__" else f"{label}: {message}"
    else:
        yield from exc.messages


def _width(text):
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers, rows):
    """Rows as aligned text columns (CJK characters count as two columns)."""
    rows = [[str(cell) for cell in row] for row in rows]
    headers = [str(h) for h in headers]
    widths = [max(_width(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        return "  ".join(
            cell + " " * (w - _width(cell)) for cell, w in zip(cells, widths, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)])


def read_password(value, *, confirm=True):
    """The password from the option, else typed twice at a terminal, else one stdin line."""
    from django.utils.translation import gettext as _

    if value is not None:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        first = getpass.getpass(_("密码："))
        if confirm and getpass.getpass(_("再次输入密码：")) != first:
            raise CliError(_("两次输入的密码不一致。"))
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line.strip():
        raise CliError(_("请用 --password 指定密码，或从标准输入传入。"))
    return line.rstrip("\r\n")
