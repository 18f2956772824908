from django.urls import path

from guanxi.service.mail import views

app_name = "service_mail"
urlpatterns = [
    path("", views.mailbox, name="mailbox"),
    path("test/", views.mailbox_test, name="mailbox_test"),
    path("poll/", views.mailbox_poll, name="mailbox_poll"),
    path("inbound/", views.inbound_list, name="inbound_list"),
    path("inbound/<int:pk>/", views.inbound_detail, name="inbound_detail"),
    path("inbound/<int:pk>/dismiss/", views.inbound_dismiss, name="inbound_dismiss"),
    path("unmatched/", views.unmatched_list, name="unmatched_list"),
    path("contacts/", views.contact_options, name="contact_options"),
    path("outbound/", views.outbound_list, name="outbound_list"),
    path("outbound/<int:pk>/retry/", views.outbound_retry, name="outbound_retry"),
]
