"""Helpers shared by every app's HTML forms."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

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
