from django.urls import path, re_path

from guanxi.workspace.schedule import views

app_name = "schedule"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("add/", views.quick_add, name="quick_add"),
    path("new/<str:kind>/", views.item_new, name="item_new"),
    path("<str:kind>/<int:pk>/", views.item_edit, name="item_edit"),
    path("<str:kind>/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("<str:kind>/<int:pk>/move/", views.item_move, name="item_move"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/<str:action>/", views.task_status, name="task_status"),
    path("today/", views.today_card, name="today_card"),
    path("customer/<int:pk>/card/", views.customer_card, name="customer_card"),
    path("feed/", views.feed_settings, name="feed_settings"),
    re_path(r"^feed/(?P<token>[0-9]+-[A-Za-z0-9_-]+)\.ics$", views.feed, name="feed"),
]
