"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from django.urls import path

from guanxi.sales.analysis.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router (none: read-only reports)."""


urlpatterns = [
    path("sales-analysis/summary", views.SummaryView.as_view(), name="sales-analysis-summary"),
    path("sales-analysis/funnel", views.FunnelView.as_view(), name="sales-analysis-funnel"),
    path(
        "sales-analysis/breakdown",
        views.BreakdownView.as_view(),
        name="sales-analysis-breakdown",
    ),
    path(
        "sales-analysis/top-customers",
        views.TopCustomersView.as_view(),
        name="sales-analysis-top-customers",
    ),
]
