"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from django.urls import path

from guanxi.service.reports.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router (none: read-only reports)."""


urlpatterns = [
    path("service-reports/summary", views.SummaryView.as_view(), name="service-reports-summary"),
    path(
        "service-reports/breakdown",
        views.BreakdownView.as_view(),
        name="service-reports-breakdown",
    ),
]
