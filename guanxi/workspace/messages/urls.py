from django.urls import path

from guanxi.workspace.messages import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.conversation_new, name="conversation_new"),
    path("unread/", views.unread_badge, name="unread_badge"),
    path("mentions/", views.mention_list, name="mention_list"),
    path("people/", views.people, name="people"),
    path("<int:pk>/", views.conversation_detail, name="conversation"),
    path("<int:pk>/send/", views.message_send, name="message_send"),
    path("<int:pk>/poll/", views.conversation_poll, name="conversation_poll"),
    path("<int:pk>/members/", views.members_add, name="members_add"),
    path("message/<int:pk>/record/", views.message_record, name="message_record"),
]
