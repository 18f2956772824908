from django.urls import path

from guanxi.workspace import activity_views, views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path(
        "activities/customer/<int:pk>/",
        activity_views.customer_activity_list,
        name="customer_activities",
    ),
    path("activities/customer/<int:pk>/add/", activity_views.activity_add, name="activity_add"),
    path("activities/mine/", activity_views.my_followups, name="my_followups"),
    path(
        "activities/for/<slug:key>/<int:pk>/",
        activity_views.target_activities,
        name="target_activities",
    ),
    path(
        "activities/for/<slug:key>/<int:pk>/add/",
        activity_views.target_activity_add,
        name="target_activity_add",
    ),
    path("activities/<int:pk>/edit/", activity_views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", activity_views.activity_delete, name="activity_delete"),
    path(
        "files/customer/<int:pk>/upload/",
        activity_views.attachment_upload,
        name="attachment_upload",
    ),
    path(
        "files/<int:pk>/download/", activity_views.attachment_download, name="attachment_download"
    ),
    path("files/<int:pk>/delete/", activity_views.attachment_delete, name="attachment_delete"),
]
