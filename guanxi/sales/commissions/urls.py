from django.urls import path

from guanxi.sales.commissions import views

app_name = "commissions"
urlpatterns = [
    path("", views.statement_list, name="statement_list"),
    path("export/", views.statement_list_export, name="statement_list_export"),
    path("generate/", views.statement_generate, name="statement_generate"),
    path("<int:pk>/", views.statement_detail, name="statement_detail"),
    path("<int:pk>/recompute/", views.statement_recompute, name="statement_recompute"),
    path("<int:pk>/submit/", views.statement_submit, name="statement_submit"),
    path("<int:pk>/delete/", views.statement_delete, name="statement_delete"),
    path("<int:pk>/adjust/", views.statement_adjust, name="statement_adjust"),
    path(
        "<int:pk>/adjustments/<int:line_id>/delete/",
        views.statement_adjustment_delete,
        name="statement_adjustment_delete",
    ),
    path("<int:pk>/export/", views.statement_export, name="statement_export"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]
