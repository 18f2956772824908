"""Document types (单据类型) that can go through approval.

An app registers each of its document types once, from its ``AppConfig.ready()``::

    registry.register(
        "quote", _("报价单"), model=Quote,
        variables={
            "discount": registry.Variable(_("折扣（%）"), registry.NUMBER, lambda q: q.discount),
            "over_credit": registry.Variable(_("超出信用额度"), registry.CHOICE,
                                             lambda q: "yes" if q.over_credit else "no",
                                             choices=registry.YES_NO),
        },
        describe=lambda q: q.code,
        link=lambda q: reverse("sales:quote_detail", args=[q.pk]),
        on_decided=quotes.after_approval,
    )

``variables`` are what a flow's conditions may test: a label, a type (number, text or
choice with its choices) and the function that computes the value from the record.
``describe`` gives the request's title, ``link`` the record's page, ``owner_field`` the
record's field naming its owner (who sees the request beside the submitter), and
``on_decided(record, request)`` is called inside the deciding transaction when a request
ends (approved, rejected or withdrawn) so the app can move its record's status.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

NUMBER = "number"
TEXT = "text"
CHOICE = "choice"
TYPES = (NUMBER, TEXT, CHOICE)

YES_NO = (("yes", _("是")), ("no", _("否")))


@dataclass(frozen=True)
class Variable:
    label: Any
    type: str
    get: Callable[[Any], Any]
    choices: tuple = ()

    def choice_label(self, code):
        for value, label in self.choices:
            if str(value) == str(code):
                return label
        return code


@dataclass(frozen=True)
class DocumentType:
    code: str
    label: Any
    model: type[models.Model]
    variables: dict = field(default_factory=dict)
    describe: Callable[[Any], str] = str
    link: Callable[[Any], str] = lambda record: ""
    owner_field: str = "owner"
    on_decided: Callable[[Any, Any], None] | None = None

    def values_of(self, record) -> dict[str, Any]:
        """The record's variable values, JSON-safe (numbers as strings of decimals)."""
        values: dict[str, Any] = {}
        for name, variable in self.variables.items():
            value = variable.get(record)
            if value is not None and variable.type == NUMBER:
                value = str(value)
            values[name] = value
        return values

    def owner_id_of(self, record):
        return getattr(record, f"{self.owner_field}_id", None)


_TYPES: dict[str, DocumentType] = {}


def register(
    code,
    label,
    *,
    model,
    variables,
    describe,
    link,
    owner_field="owner",
    on_decided=None,
):
    """Make ``code`` a document type flows can be defined for. Registering the same code
    again replaces it (a reloaded app); two models under one code are refused."""
    for name, variable in variables.items():
        if variable.type not in TYPES:
            raise ValueError(f"variable {name} of {code}: unknown type {variable.type!r}")
        if variable.type == CHOICE and not variable.choices:
            raise ValueError(f"variable {name} of {code}: a choice needs choices")
    existing = _TYPES.get(code)
    if existing is not None and existing.model is not model:
        raise ValueError(f"document type {code!r} is already registered for {existing.model}")
    _TYPES[code] = DocumentType(
        code=code,
        label=label,
        model=model,
        variables=dict(variables),
        describe=describe,
        link=link,
        owner_field=owner_field,
        on_decided=on_decided,
    )
    return _TYPES[code]


def get(code) -> DocumentType:
    """The document type ``code``; ``KeyError`` when nobody registered it."""
    return _TYPES[code]


def find(code) -> DocumentType | None:
    return _TYPES.get(code)


def for_model(model) -> DocumentType | None:
    for document in _TYPES.values():
        if document.model is model or isinstance(model, document.model):
            return document
    return None


def choices():
    """``(code, label)`` of every registered document type, for pickers."""
    return [(document.code, document.label) for document in _TYPES.values()]
