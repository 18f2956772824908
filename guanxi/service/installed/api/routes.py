"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from guanxi.service.installed.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register(
        "installed-products", views.InstalledProductViewSet, basename="installed-product"
    )


urlpatterns: list = []
