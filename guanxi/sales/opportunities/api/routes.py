"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from guanxi.sales.opportunities.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
    router.register("pipelines", views.PipelineViewSet, basename="pipeline")


urlpatterns: list = []
