from django.urls import path

from guanxi.sales.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.target_list, name="target_list"),
    path("targets/new/", views.target_create, name="target_create"),
    path("targets/<int:pk>/", views.target_detail, name="target_detail"),
    path("targets/<int:pk>/edit/", views.target_edit, name="target_edit"),
    path("targets/<int:pk>/delete/", views.target_delete, name="target_delete"),
    path("targets/plan/", views.target_plan, name="target_plan"),
    path("targets/export/", views.target_export, name="target_export"),
    path("my-targets/", views.start_card, name="start_card"),
    path("forecast/", views.forecast, name="forecast"),
    path("forecast/snapshot/", views.forecast_snapshot, name="forecast_snapshot"),
]
