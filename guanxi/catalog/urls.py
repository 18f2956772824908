from django.urls import path

from guanxi.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("new/", views.product_create, name="product_create"),
    path("export/", views.product_export, name="product_export"),
    path("<int:pk>/", views.product_detail, name="product_detail"),
    path("<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("<int:pk>/active/", views.product_set_active, name="product_set_active"),
    path("<int:pk>/delete/", views.product_delete, name="product_delete"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("lines/", views.product_line_list, name="product_line_list"),
    path("lines/<int:pk>/edit/", views.product_line_edit, name="product_line_edit"),
    path("lines/<int:pk>/delete/", views.product_line_delete, name="product_line_delete"),
]
