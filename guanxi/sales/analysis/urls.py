from django.urls import path

from guanxi.sales.analysis import views

app_name = "sales_analysis"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/<slug:table>/", views.export, name="export"),
]
