"""Record types a task or event may be linked to besides a customer or contact.

A later module (sales, service…) registers its record types once, at start-up
(``AppConfig.ready``)::

    links.register("sales.opportunity", label=_("商机"), access=access_opportunity,
                   url=lambda record: reverse("sales:opportunity_detail", args=[record.pk]))

``access(employee, pk)`` must return the record when the employee may see it and raise
``Http404`` / ``PermissionDenied`` otherwise (the module's ``access_*`` selector). The
schedule app itself does not import those modules (the layers point the other way).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404


@dataclass(frozen=True)
class LinkType:
    code: str
    label: str
    access: Callable
    url: Callable | None = None


_TYPES: dict[str, LinkType] = {}


def register(code, *, label, access, url=None):
    _TYPES[code] = LinkType(code, label, access, url)


def types():
    return dict(_TYPES)


def resolve(employee, code, pk):
    """The linked record if ``code`` is a registered type and ``employee`` may see record
    ``pk``; None otherwise."""
    link_type = _TYPES.get(code)
    if link_type is None:
        return None
    try:
        return link_type.access(employee, pk)
    except (Http404, PermissionDenied):
        return None
