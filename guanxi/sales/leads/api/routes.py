"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from guanxi.sales.leads.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("leads", views.LeadViewSet, basename="lead")
    router.register("lead-scoring-rules", views.ScoringRuleViewSet, basename="lead-scoring-rule")
    router.register(
        "lead-assignment-rules", views.AssignmentRuleViewSet, basename="lead-assignment-rule"
    )


urlpatterns: list = []
