"""This app's resources under ``/api/v1/``: ``register`` adds its viewsets to the
project's router, ``urlpatterns`` holds its other paths (both read by config/api_urls)."""

from django.urls import path

from guanxi.service.routing.api import views


def register(router):
    """Adds this app's viewsets to the ``/api/v1/`` router."""
    router.register("service-queues", views.ServiceQueueViewSet, basename="service-queue")
    router.register("sla-policies", views.SlaPolicyViewSet, basename="sla-policy")
    router.register("work-calendar", views.CalendarDayViewSet, basename="calendar-day")


urlpatterns: list = [
    path("service/agents", views.AgentBoardView.as_view(), name="service_agents"),
    path("service/status", views.AgentStatusView.as_view(), name="service_status"),
    path("tickets-sla", views.TicketSlaView.as_view(), name="tickets_sla"),
]
