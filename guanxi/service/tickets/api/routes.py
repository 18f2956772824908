"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from django.urls import path

from guanxi.service.tickets.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("tickets", views.TicketViewSet, basename="ticket")


urlpatterns: list = [
    path("service/call", views.CallLookupView.as_view(), name="service-call"),
]
