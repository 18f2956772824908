from django.urls import path

from guanxi.sales.quotes import views

app_name = "quotes"
urlpatterns = [
    path("", views.quote_list, name="quote_list"),
    path("new/", views.quote_create, name="quote_create"),
    path("contacts/", views.contact_options, name="contact_options"),
    path("customer/<int:pk>/", views.customer_card, name="customer_card"),
    path("<int:pk>/", views.quote_detail, name="quote_detail"),
    path("<int:pk>/edit/", views.quote_edit, name="quote_edit"),
    path("<int:pk>/submit/", views.quote_submit, name="quote_submit"),
    path("<int:pk>/revise/", views.quote_revise, name="quote_revise"),
    path("<int:pk>/send/", views.quote_send, name="quote_send"),
    path("<int:pk>/mark/", views.quote_mark, name="quote_mark"),
    path("<int:pk>/delete/", views.quote_delete, name="quote_delete"),
    path("<int:pk>/pdf/", views.quote_pdf, name="quote_pdf"),
]
