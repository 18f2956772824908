from django.urls import path

from guanxi.sales.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="lead_list"),
    path("new/", views.lead_create, name="lead_create"),
    path("bulk/", views.lead_bulk, name="lead_bulk"),
    path("recycle-bin/", views.recycle_bin, name="recycle_bin"),
    path("<int:pk>/restore/", views.lead_restore, name="lead_restore"),
    path("<int:pk>/", views.lead_detail, name="lead_detail"),
    path("<int:pk>/edit/", views.lead_edit, name="lead_edit"),
    path("<int:pk>/status/", views.lead_status, name="lead_status"),
    path("<int:pk>/claim/", views.lead_claim, name="lead_claim"),
    path("<int:pk>/delete/", views.lead_delete, name="lead_delete"),
    path("<int:pk>/convert/", views.lead_convert, name="lead_convert"),
    path("rules/scoring/", views.scoring_rules, name="scoring_rules"),
    path("rules/scoring/<int:pk>/", views.scoring_rule_edit, name="scoring_rule_edit"),
    path("rules/scoring/<int:pk>/delete/", views.scoring_rule_delete, name="scoring_rule_delete"),
    path("rules/scoring/recalculate/", views.rescore_all, name="rescore_all"),
    path("rules/assignment/", views.assignment_rules, name="assignment_rules"),
    path("rules/assignment/<int:pk>/", views.assignment_rule_edit, name="assignment_rule_edit"),
    path(
        "rules/assignment/<int:pk>/delete/",
        views.assignment_rule_delete,
        name="assignment_rule_delete",
    ),
]
