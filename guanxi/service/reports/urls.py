from django.urls import path

from guanxi.service.reports import views

app_name = "service_reports"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/", views.export, name="export"),
]
