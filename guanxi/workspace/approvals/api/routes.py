"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from guanxi.workspace.approvals.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("approval-flows", views.ApprovalFlowViewSet, basename="approval-flow")
    router.register("approvals", views.ApprovalRequestViewSet, basename="approval")
    router.register("requisitions", views.RequisitionViewSet, basename="requisition")


urlpatterns: list = []
