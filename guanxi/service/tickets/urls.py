from django.urls import path

from guanxi.service.tickets import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("new/", views.ticket_create, name="ticket_create"),
    path("customer-options/", views.customer_options, name="customer_options"),
    path("call/new/", views.call_ticket, name="call_ticket"),
    path("<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("<int:pk>/edit/", views.ticket_edit, name="ticket_edit"),
    path("<int:pk>/transition/", views.ticket_transition, name="ticket_transition"),
    path("<int:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("<int:pk>/reopen/", views.ticket_reopen, name="ticket_reopen"),
    path("<int:pk>/reply/", views.ticket_reply, name="ticket_reply"),
    path("<int:pk>/delete/", views.ticket_delete, name="ticket_delete"),
    path("<int:pk>/files/", views.attachment_upload, name="attachment_upload"),
    path("files/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    path("files/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("<int:pk>/survey/", views.survey_record, name="survey_record"),
    path("<int:pk>/survey-link/", views.survey_link, name="survey_link"),
    path("survey/<str:token>/", views.survey_public, name="survey_public"),
    path("customer/<int:pk>/card/", views.customer_card, name="customer_card"),
]
