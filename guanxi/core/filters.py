"""Filter building blocks shared by the apps' filter sets (UI and API)."""

import django_filters
from django import forms

ID_MAX = 2**62


class IdFilter(django_filters.NumberFilter):
    """A record id: a whole positive number that fits the database (else 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)
