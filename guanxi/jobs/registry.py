"""Job kinds: each app registers the function that does one kind of long work.

A job function takes ``(job, reporter)``; it runs inside the job's org scope and
in the language of the person who started it, calls ``reporter.total(n)`` /
``reporter.advance(k)`` as it goes, may attach a file with
``reporter.attach(name, content)``, and returns a JSON-safe result.

``summary`` (optional) turns that result into one line for the job page; it is
called when the page is shown, so it speaks the reader's language.
"""

_KINDS: dict[str, dict] = {}


def register(kind, *, label, permission=None, summary=None):
    def decorator(func):
        _KINDS[kind] = {"func": func, "label": label, "permission": permission, "summary": summary}
        return func

    return decorator


def unregister(kind):
    """Forget a kind (tests that register throw-away kinds clean up with this)."""
    _KINDS.pop(kind, None)


def get(kind):
    return _KINDS[kind]


def label(kind):
    entry = _KINDS.get(kind)
    return entry["label"] if entry else kind


def summary(kind, result):
    """The one-line, human summary of a finished job's ``result`` ("" when none)."""
    entry = _KINDS.get(kind)
    if not entry or not entry.get("summary") or not isinstance(result, dict):
        return ""
    try:
        return entry["summary"](result)
    except (KeyError, TypeError, ValueError):
        return ""


def kinds():
    return dict(_KINDS)
