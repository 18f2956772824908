"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from guanxi.sales.commissions.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("commission-rules", views.CommissionRuleViewSet, basename="commission-rule")
    router.register(
        "commission-statements", views.CommissionStatementViewSet, basename="commission-statement"
    )


urlpatterns: list = []
