#!/usr/bin/env python3
"""Translation catalogs: source strings are Simplified Chinese, ``en`` is the catalog.

    i18n.py update [APP_DIR ...]   refresh the English catalog(s) from the code
    i18n.py check                  fail on any missing/fuzzy English entry, on a
                                   user-facing msgid with no Chinese in it, or on a
                                   string two catalogs translate differently
    i18n.py compile                build the .mo files (pure Python: no gettext needed)

Each app keeps its own catalog in ``guanxi/<app>/locale/en/LC_MESSAGES/django.po``.
Django merges them into one: a string (with its context) has one English text in the whole
product, whichever catalog it is written in. Two catalogs that translate it differently
would show one of them everywhere, so ``check`` refuses that; a string that needs another
sense somewhere takes a context (``pgettext``, ``{% translate "…" context "…" %}``).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guanxi.core.i18n import catalogs, compile_catalogs  # noqa: E402

CJK = re.compile(r"[\u3400-\u9fff]")
# msgids that are deliberately the same in every language
LANGUAGE_NEUTRAL = {"English", "Guanxi CRM", "API", "CSV", "Excel", "ID"}


PACKAGE = ROOT / "guanxi"


def app_dirs():
    """Every app (apps inside an app too: workspace/notifications…), plus the package
    itself for strings outside apps (config, cli)."""
    apps = sorted(p.parent for p in [*PACKAGE.glob("*/apps.py"), *PACKAGE.glob("*/*/apps.py")])
    return [*apps, PACKAGE]


def inner_apps(app):
    """The apps inside ``app``: each keeps its own catalog."""
    return [p for p in app_dirs() if p != app and app in p.parents and p != PACKAGE]


def update(dirs):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "guanxi.config.settings",
    }
    for app in dirs:
        app = Path(app).resolve()
        (app / "locale").mkdir(exist_ok=True)
        ignore = ["tests/*", "migrations/*", "*/tests/*", "*/migrations/*"]
        # a catalog holds only what no inner app's catalog covers (the project's:
        # config, cli; workspace's: not its notifications, approvals…)
        ignore += [f"{p.relative_to(app)}/*" for p in inner_apps(app)]
        args = [arg for pattern in ignore for arg in ("--ignore", pattern)]
        subprocess.run(
            [
                sys.executable,
                "-P",  # the app's own modules (selectors.py…) must not shadow the stdlib
                "-m",
                "django",
                "makemessages",
                "-l",
                "en",
                "--no-obsolete",
                "--no-location",
                *args,
            ],
            cwd=app,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        po = app / "locale" / "en" / "LC_MESSAGES" / "django.po"
        if (
            po.exists()
            and 'msgid ""\nmsgstr ""' in po.read_text()
            and po.read_text().count("msgid ") <= 1
        ):
            po.unlink()  # an app without user-facing strings keeps no catalog


def msgids(text):
    import polib

    return {(e.msgctxt, e.msgid, e.msgid_plural) for e in polib.pofile(text) if not e.obsolete}


def check():
    import polib

    problems = []
    english: dict[tuple, dict[str, list[str]]] = {}  # (context, msgid) -> text -> apps
    for po_path in catalogs():
        for entry in polib.pofile(str(po_path)):
            if entry.obsolete:
                continue
            where = f"{po_path.relative_to(ROOT)}: {entry.msgid[:60]!r}"
            if "fuzzy" in entry.flags:
                problems.append(f"fuzzy translation: {where}")
            translated = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
            if not all(translated):
                problems.append(f"no English translation: {where}")
            if not CJK.search(entry.msgid) and entry.msgid not in LANGUAGE_NEUTRAL:
                problems.append(f"source string is not Chinese (no zh-Hans text): {where}")
            if not entry.msgid_plural and entry.msgstr:
                english.setdefault((entry.msgctxt, entry.msgid), {}).setdefault(
                    entry.msgstr, []
                ).append(str(po_path.relative_to(ROOT).parts[:-4][-1]))
    for (context, msgid), texts in english.items():
        if len(texts) > 1:
            said = "; ".join(f"{text!r} in {', '.join(apps)}" for text, apps in texts.items())
            label = f"{context}|{msgid}" if context else msgid
            problems.append(f"translated differently ({label!r}): {said}")
    return problems


def main(argv):
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update(argv[2:] or app_dirs())
        problems = check()
        for problem in problems:
            print(problem)
        return 0
    if command == "check":
        before = {path: path.read_text() for path in catalogs()}
        update(app_dirs())
        stale = []
        for path in catalogs():
            if path not in before or msgids(path.read_text()) != msgids(before[path]):
                stale.append(str(path.relative_to(ROOT)))
            else:
                path.write_text(before[path])  # only the header date moved: keep the file
        problems = check()
        if stale:
            problems.append(
                "catalogs out of date with the code (run scripts/i18n.py update, "
                "translate, commit): " + ", ".join(stale)
            )
        for problem in problems:
            print(problem)
        print(f"i18n: {len(problems)} problem(s)")
        return 1 if problems else 0
    if command == "compile":
        compile_catalogs(force=True)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
