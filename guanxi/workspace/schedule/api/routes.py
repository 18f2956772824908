"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from guanxi.workspace.schedule.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("tasks", views.TaskViewSet, basename="task")
    router.register("events", views.EventViewSet, basename="event")


urlpatterns: list = []
