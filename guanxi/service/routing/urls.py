from django.urls import path

from guanxi.service.routing import views

app_name = "service_routing"
urlpatterns = [
    path("", views.agent_board, name="agent_board"),
    path("status/", views.agent_status, name="agent_status"),
    path("queues/", views.queue_list, name="queue_list"),
    path("queues/new/", views.queue_create, name="queue_create"),
    path("queues/<int:pk>/", views.queue_edit, name="queue_edit"),
    path("queues/<int:pk>/delete/", views.queue_delete, name="queue_delete"),
    path("sla/", views.sla_policy_list, name="sla_policy_list"),
    path("sla/new/", views.sla_policy_create, name="sla_policy_create"),
    path("sla/<int:pk>/", views.sla_policy_edit, name="sla_policy_edit"),
    path("sla/<int:pk>/delete/", views.sla_policy_delete, name="sla_policy_delete"),
    path("calendar/", views.calendar_list, name="calendar_list"),
    path("calendar/add/", views.calendar_add, name="calendar_add"),
    path("calendar/import/", views.calendar_import, name="calendar_import"),
    path("calendar/<int:pk>/delete/", views.calendar_delete, name="calendar_delete"),
]
