from django.urls import path

from guanxi.service.installed import views

app_name = "installed_products"
urlpatterns = [
    path("", views.installed_list, name="installed_list"),
    path("new/", views.installed_create, name="installed_create"),
    path("export/", views.installed_export, name="installed_export"),
    path("import/", views.installed_import, name="installed_import"),
    path("from-order/<int:pk>/", views.installed_from_order, name="installed_from_order"),
    path("<int:pk>/", views.installed_detail, name="installed_detail"),
    path("<int:pk>/edit/", views.installed_edit, name="installed_edit"),
    path("<int:pk>/status/", views.installed_status, name="installed_status"),
    path("<int:pk>/delete/", views.installed_delete, name="installed_delete"),
    path("<int:pk>/restore/", views.installed_restore, name="installed_restore"),
    path("customer/<int:pk>/card/", views.customer_card, name="customer_card"),
]
