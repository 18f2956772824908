"""Filter building blocks shared by the apps' filter sets (UI and API)."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

ID_MAX = 2**62
MAX_OFFSET = datetime.timedelta(hours=14)


class IdFilter(django_filters.NumberFilter):
    """A record id: a whole positive number that fits the database (else 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment both databases can compare with: a zone offset of at most 14
    hours (the widest in use; PostgreSQL refuses past 15:59) in a year from 1900 to 2999."""

    default_error_messages = {
        "out_of_range": _("时间超出范围：年份须在 1900 至 2999 之间，时区偏移不超过 14 小时。")
    }

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        offset = moment.utcoffset()
        if (offset is not None and abs(offset) > MAX_OFFSET) or not 1900 <= moment.year <= 2999:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    """A moment condition (``?occurred_after=2026-12-01T09:00+08:00``) that refuses, with
    a 400, what the database could not compare with."""

    field_class = MomentField
