from django.urls import path

from guanxi.workspace.reports import views

app_name = "work_reports"
urlpatterns = [
    path("", views.my_list, name="my_list"),
    path("new/", views.report_new, name="report_new"),
    path("inbox/", views.inbox, name="inbox"),
    path("team/", views.team, name="team"),
    path("<int:pk>/", views.report_detail, name="report_detail"),
    path("<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("<int:pk>/delete/", views.report_delete, name="report_delete"),
    path("<int:pk>/comment/", views.report_comment, name="report_comment"),
    path("<int:pk>/score/", views.report_score, name="report_score"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
]
