from django.urls import path

from guanxi.core import views

app_name = "core"

urlpatterns = [
    path("regions.json", views.regions_json, name="regions"),
]
