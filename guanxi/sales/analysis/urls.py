from django.urls import path  # noqa: F401

app_name = "sales_analysis"
urlpatterns: list = []
