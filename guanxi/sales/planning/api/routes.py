"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from django.urls import path

from guanxi.sales.planning.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("sales-targets", views.SalesTargetViewSet, basename="sales-target")


urlpatterns: list = [
    path("forecast", views.ForecastView.as_view(), name="forecast"),
]
