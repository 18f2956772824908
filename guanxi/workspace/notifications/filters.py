"""Filters of the notification list, shared by the page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from guanxi.workspace.notifications import kinds
from guanxi.workspace.notifications.models import Notification


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        method="filter_unread", label=_("未读"), help_text=_("true：只看未读；false：只看已读")
    )
    kind = django_filters.ChoiceFilter(choices=kinds.choices, label=_("类型"))

    class Meta:
        model = Notification
        fields = ["unread", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["kind"].extra["choices"] = kinds.choices()  # kinds apps registered later

    def filter_unread(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)
