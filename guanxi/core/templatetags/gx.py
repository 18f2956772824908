"""Template components shared by every screen."""

from django import forms, template

register = template.Library()


@register.inclusion_tag("core/_field.html")
def field(bound_field, **options):
    """Render one form field the Bootstrap way, with its label, help and errors."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css, kind = "form-check-input", "check"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css, kind = "form-select", "select"
    elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        css, kind = "", "choices"
    else:
        css, kind = "form-control", "input"
    if bound_field.errors:
        css += " is-invalid"
    attrs = {"class": css.strip()} if css else {}
    return {
        "field": bound_field,
        "widget_html": bound_field.as_widget(attrs=attrs),
        "kind": kind,
        **options,
    }


@register.inclusion_tag("core/_form_errors.html")
def form_errors(form):
    return {"form": form}


@register.filter
def get_item(mapping, key):
    """``{{ params|get_item:name }}``: a dictionary value by a key held in a variable."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
