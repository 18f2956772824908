from django.urls import path

from guanxi.workspace.announcements import views

app_name = "announcements"
urlpatterns = [
    path("", views.announcement_list, name="announcement_list"),
    path("manage/", views.announcement_manage, name="announcement_manage"),
    path("new/", views.announcement_create, name="announcement_create"),
    path("read-all/", views.announcement_read_all, name="announcement_read_all"),
    path("<int:pk>/", views.announcement_detail, name="announcement_detail"),
    path("<int:pk>/edit/", views.announcement_edit, name="announcement_edit"),
    path("<int:pk>/receipts/", views.announcement_receipts, name="announcement_receipts"),
    path("<int:pk>/<str:verb>/", views.announcement_action, name="announcement_action"),
]
