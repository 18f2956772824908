from django.urls import path

from guanxi.service.contracts import views

app_name = "service_contracts"
urlpatterns = [
    path("", views.contract_list, name="contract_list"),
    path("new/", views.contract_create, name="contract_create"),
    path("coverage/", views.coverage_picker, name="coverage_picker"),
    path("<int:pk>/", views.contract_detail, name="contract_detail"),
    path("<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("<int:pk>/delete/", views.contract_delete, name="contract_delete"),
    path("<int:pk>/<str:verb>/", views.contract_action, name="contract_action"),
    path("customer/<int:pk>/card/", views.customer_card, name="customer_card"),
    path("ticket/<int:pk>/entitlement/", views.ticket_entitlement, name="ticket_entitlement"),
    path(
        "installed/<int:pk>/entitlement/",
        views.installed_entitlement,
        name="installed_entitlement",
    ),
]
