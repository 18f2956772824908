from django.urls import path

from guanxi.sales.opportunities import views

app_name = "opportunities"
urlpatterns = [
    path("", views.opportunity_list, name="opportunity_list"),
    path("board/", views.opportunity_board, name="opportunity_board"),
    path("funnel/", views.opportunity_funnel, name="opportunity_funnel"),
    path("new/", views.opportunity_create, name="opportunity_create"),
    path("<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("<int:pk>/win/", views.opportunity_win, name="opportunity_win"),
    path("<int:pk>/lose/", views.opportunity_lose, name="opportunity_lose"),
    path("<int:pk>/reopen/", views.opportunity_reopen, name="opportunity_reopen"),
    path("<int:pk>/delete/", views.opportunity_delete, name="opportunity_delete"),
    path("<int:pk>/restore/", views.opportunity_restore, name="opportunity_restore"),
    path("recycle-bin/", views.recycle_bin, name="recycle_bin"),
    path("pick/customers/", views.customer_options, name="customer_options"),
    path("pick/contacts/", views.contact_options, name="contact_options"),
    path("pick/stages/", views.stage_options, name="stage_options"),
    path("customer/<int:pk>/", views.customer_panel, name="customer_panel"),
    path("pipelines/", views.pipeline_list, name="pipeline_list"),
    path("pipelines/new/", views.pipeline_edit, name="pipeline_create"),
    path("pipelines/<int:pk>/", views.pipeline_edit, name="pipeline_edit"),
]
