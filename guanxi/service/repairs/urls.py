from django.urls import path

from guanxi.service.repairs import views

app_name = "repairs"
urlpatterns = [
    path("", views.repair_list, name="repair_list"),
    path("new/", views.repair_create, name="repair_create"),
    path("export/", views.repair_export, name="repair_export"),
    path("<int:pk>/", views.repair_detail, name="repair_detail"),
    path("<int:pk>/edit/", views.repair_edit, name="repair_edit"),
    path("<int:pk>/print/", views.repair_print, name="repair_print"),
    path("<int:pk>/status/", views.repair_transition, name="repair_transition"),
    path("<int:pk>/parts/", views.repair_part_add, name="repair_part_add"),
    path(
        "<int:pk>/parts/<int:part_pk>/remove/",
        views.repair_part_remove,
        name="repair_part_remove",
    ),
    path("<int:pk>/entitlement/", views.repair_entitlement, name="repair_entitlement"),
    path("<int:pk>/pack/", views.repair_pack, name="repair_pack"),
    path("<int:pk>/delete/", views.repair_delete, name="repair_delete"),
    path("customer/<int:pk>/card/", views.customer_card, name="customer_card"),
    path("packing/", views.packing_list_list, name="packing_list_list"),
    path("packing/new/", views.packing_list_create, name="packing_list_create"),
    path("packing/<int:pk>/", views.packing_list_detail, name="packing_list_detail"),
    path("packing/<int:pk>/edit/", views.packing_list_edit, name="packing_list_edit"),
    path("packing/<int:pk>/print/", views.packing_list_print, name="packing_list_print"),
    path("packing/<int:pk>/status/", views.packing_list_transition, name="packing_list_transition"),
    path("packing/<int:pk>/lines/", views.packing_line_add, name="packing_line_add"),
    path(
        "packing/<int:pk>/lines/<int:line_pk>/remove/",
        views.packing_line_remove,
        name="packing_line_remove",
    ),
    path("packing/<int:pk>/delete/", views.packing_list_delete, name="packing_list_delete"),
    path("outlets/", views.outlet_list, name="outlet_list"),
    path("outlets/new/", views.outlet_create, name="outlet_create"),
    path("outlets/<int:pk>/", views.outlet_detail, name="outlet_detail"),
    path("outlets/<int:pk>/edit/", views.outlet_edit, name="outlet_edit"),
    path("outlets/<int:pk>/delete/", views.outlet_delete, name="outlet_delete"),
    path("fees/", views.fee_list, name="fee_list"),
    path("fees/<int:pk>/", views.fee_list_detail, name="fee_list_detail"),
    path("fees/<int:pk>/items/", views.fee_item_set, name="fee_item_set"),
    path(
        "fees/<int:pk>/items/<int:item_pk>/remove/",
        views.fee_item_remove,
        name="fee_item_remove",
    ),
    path("fees/<int:pk>/delete/", views.fee_list_delete, name="fee_list_delete"),
]
