from django.urls import path

from guanxi.workspace.approvals import views

app_name = "approvals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("requests/<int:pk>/<str:verb>/", views.request_decide, name="request_decide"),
    path("flows/", views.flow_list, name="flow_list"),
    path("flows/new/", views.flow_create, name="flow_create"),
    path("flows/<int:pk>/", views.flow_edit, name="flow_edit"),
    path("flows/<int:pk>/toggle/", views.flow_toggle, name="flow_toggle"),
    path("requisitions/", views.requisition_list, name="requisition_list"),
    path("requisitions/new/", views.requisition_create, name="requisition_create"),
    path("requisitions/<int:pk>/", views.requisition_detail, name="requisition_detail"),
    path("requisitions/<int:pk>/edit/", views.requisition_edit, name="requisition_edit"),
    path("requisitions/<int:pk>/submit/", views.requisition_submit, name="requisition_submit"),
    path("requisitions/<int:pk>/delete/", views.requisition_delete, name="requisition_delete"),
]
