from django.urls import path

from guanxi.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.change_log, name="log"),
    path("export/", views.change_log_export, name="log_export"),
    path("logins/", views.login_log, name="logins"),
    path("exports/", views.export_log, name="exports"),
]
