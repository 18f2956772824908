"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from django.urls import path

from guanxi.service.contracts.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("service-contracts", views.ServiceContractViewSet, basename="service-contract")


urlpatterns: list = [
    path("entitlement", views.EntitlementView.as_view(), name="entitlement"),
]
