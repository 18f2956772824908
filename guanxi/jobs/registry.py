"""Job kinds: each app registers the function that does one kind of long work.

A job function takes ``(job, reporter)``; it runs inside the job's org scope,
calls ``reporter.total(n)`` / ``reporter.advance(k)`` as it goes, may attach a
file with ``reporter.attach(name, content)``, and returns a JSON-safe result.
"""

_KINDS = {}


def register(kind, *, label, permission=None):
    def decorator(func):
        _KINDS[kind] = {"func": func, "label": label, "permission": permission}
        return func

    return decorator


def get(kind):
    return _KINDS[kind]


def label(kind):
    entry = _KINDS.get(kind)
    return entry["label"] if entry else kind


def kinds():
    return dict(_KINDS)
