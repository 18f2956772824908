"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from guanxi.service.projects.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("service-projects", views.ProjectViewSet, basename="service-project")


urlpatterns: list = []
