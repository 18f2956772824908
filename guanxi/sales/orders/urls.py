from django.urls import path

from guanxi.sales.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("new/", views.order_create, name="order_create"),
    path("<int:pk>/", views.order_detail, name="order_detail"),
    path("<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("<int:pk>/confirm/", views.order_confirm, name="order_confirm"),
    path("<int:pk>/delivery/", views.order_delivery, name="order_delivery"),
    path("<int:pk>/delete/", views.order_delete, name="order_delete"),
    path("<int:pk>/<str:verb>/", views.order_action, name="order_action"),
    path("customer/<int:pk>/card/", views.customer_card, name="customer_card"),
]
