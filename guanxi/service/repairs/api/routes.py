"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from guanxi.service.repairs.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("repairs", views.RepairViewSet, basename="repair")
    router.register("packing-lists", views.PackingListViewSet, basename="packing-list")
    router.register("service-outlets", views.OutletViewSet, basename="service-outlet")
    router.register("fee-lists", views.FeeListViewSet, basename="fee-list")


urlpatterns: list = []
