from django.urls import path

from guanxi.sales.contracts import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/", views.contract_create, name="contract_create"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("<int:pk>/submit/", views.contract_submit, name="contract_submit"),
    path("<int:pk>/<str:verb>/close/", views.contract_close, name="contract_close"),
    path("<int:pk>/delete/", views.contract_delete, name="contract_delete"),
    path("<int:pk>/files/", views.attachment_upload, name="attachment_upload"),
    path("files/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("files/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("customer/<int:pk>/card/", views.customer_card, name="customer_card"),
]
