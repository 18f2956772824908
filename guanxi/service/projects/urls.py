from django.urls import path

from guanxi.service.projects import views

app_name = "service_projects"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_create, name="project_create"),
    path("export/", views.project_export, name="project_export"),
    path("customer-options/", views.customer_options, name="customer_options"),
    path("customer/<int:pk>/card/", views.customer_card, name="customer_card"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("<int:pk>/status/", views.project_transition, name="project_transition"),
    path("<int:pk>/delete/", views.project_delete, name="project_delete"),
    path("<int:pk>/members/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:employee_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path(
        "<int:pk>/milestones/<int:milestone_pk>/edit/",
        views.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "<int:pk>/milestones/<int:milestone_pk>/reach/",
        views.milestone_reach,
        name="milestone_reach",
    ),
    path(
        "<int:pk>/milestones/<int:milestone_pk>/delete/",
        views.milestone_delete,
        name="milestone_delete",
    ),
    path("<int:pk>/tasks/", views.task_add, name="task_add"),
    path("<int:pk>/tasks/<int:task_pk>/edit/", views.task_edit, name="task_edit"),
    path("<int:pk>/tasks/<int:task_pk>/status/", views.task_status, name="task_status"),
    path("<int:pk>/tasks/<int:task_pk>/delete/", views.task_delete, name="task_delete"),
    path("<int:pk>/hours/", views.entry_add, name="entry_add"),
    path("<int:pk>/hours/<int:entry_pk>/delete/", views.entry_delete, name="entry_delete"),
]
