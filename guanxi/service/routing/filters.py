"""List filters of the work calendar, shared by the setup page and the API."""

import datetime

import django_filters
from django.utils.translation import gettext_lazy as _

from guanxi.service.routing.models import CalendarDay


class CalendarDayFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(method="filter_year", label=_("年份"))
    kind = django_filters.ChoiceFilter(choices=CalendarDay.Kind.choices, label=_("类型"))

    class Meta:
        model = CalendarDay
        fields = ["year", "kind"]

    def filter_year(self, queryset, name, value):
        # a date range (not ``date__year``): the (org, date) index answers it
        year = int(value)
        if not 1 <= year <= 9999:
            return queryset.none()
        return queryset.filter(
            date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
        )
