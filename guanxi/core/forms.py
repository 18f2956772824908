"""Helpers shared by every app's HTML forms."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import BusinessRuleError


def add_service_errors(form, exc):
    """Show a service's ValidationError / BusinessRuleError on ``form``.

    Errors for fields the form has go beside the field; others go on top.
    """
    if isinstance(exc, BusinessRuleError):
        form.add_error(None, str(exc.message))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                for message in ValidationError(error).messages:
                    form.add_error(target if target != NON_FIELD_ERRORS else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def refuse(form, exc):
    """Show a service's refusal on ``form`` and remember the status to answer with."""
    add_service_errors(form, exc)
    form.refusal_status = getattr(exc, "status_code", 400)


def form_status(request, form):
    """A refused form answers with the API's status: 400 bad input, 409 stale
    version, 422 business rule (the page is shown either way)."""
    if request.method == "POST" and form.errors:
        return getattr(form, "refusal_status", 400)
    return 200


class RegionInput(forms.TextInput):
    """A region text box that the page's script gives province → city → district
    selects (``guanxi.js``); the text stays editable for places outside the list."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-region-picker": reverse("core:regions"),
                "data-placeholders": "|".join(
                    str(label) for label in (_("省份"), _("城市"), _("区县"))
                ),
                "autocomplete": "off",
            }
        )
        return context
