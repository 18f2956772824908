from django.urls import path

from guanxi.service.defects import views

app_name = "defects"
urlpatterns = [
    path("", views.defect_list, name="defect_list"),
    path("new/", views.defect_create, name="defect_create"),
    path("stats/", views.defect_stats, name="defect_stats"),
    path("export/", views.defect_export, name="defect_export"),
    path("<int:pk>/", views.defect_detail, name="defect_detail"),
    path("<int:pk>/edit/", views.defect_edit, name="defect_edit"),
    path("<int:pk>/status/", views.defect_transition, name="defect_transition"),
    path("<int:pk>/tickets/", views.defect_link, name="defect_link"),
    path("<int:pk>/tickets/<int:ticket_pk>/remove/", views.defect_unlink, name="defect_unlink"),
    path("<int:pk>/delete/", views.defect_delete, name="defect_delete"),
    path("ticket/<int:pk>/", views.ticket_panel, name="ticket_panel"),
    path("ticket/<int:pk>/link/", views.ticket_link, name="ticket_link"),
]
