"""Compile translation catalogs without GNU gettext (pure Python, via polib).

The product's source strings are Simplified Chinese; each app keeps an
English catalog. ``.mo`` files are build output (not committed): the
``guanxi`` command and the test suite compile stale ones at start.
"""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def catalogs():
    return sorted(
        [
            *PACKAGE.glob("locale/*/LC_MESSAGES/django.po"),
            *PACKAGE.glob("*/locale/*/LC_MESSAGES/django.po"),
            *PACKAGE.glob("*/*/locale/*/LC_MESSAGES/django.po"),  # apps inside an app
        ]
    )


def compile_catalogs(force=False):
    import polib

    compiled = 0
    for po_path in catalogs():
        mo_path = po_path.with_suffix(".mo")
        if force or not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            compiled += 1
    return compiled
