from django.urls import path

from guanxi.sales.expenses import views

app_name = "expenses"
urlpatterns = [
    path("", views.expense_list, name="expense_list"),
    path("export/", views.expense_export, name="expense_export"),
    path("new/", views.expense_create, name="expense_create"),
    path("<int:pk>/", views.expense_detail, name="expense_detail"),
    path("<int:pk>/edit/", views.expense_edit, name="expense_edit"),
    path("<int:pk>/delete/", views.expense_delete, name="expense_delete"),
    path("<int:pk>/submit/", views.expense_submit, name="expense_submit"),
    path("<int:pk>/reimburse/", views.expense_reimburse, name="expense_reimburse"),
    path("<int:pk>/receipts/", views.receipt_upload, name="receipt_upload"),
    path("receipts/<int:pk>/", views.receipt_download, name="receipt_download"),
    path("receipts/<int:pk>/delete/", views.receipt_delete, name="receipt_delete"),
    path("opportunity-options/", views.opportunity_options, name="opportunity_options"),
    path("customer/<int:pk>/panel/", views.customer_panel, name="customer_panel"),
    path("opportunity/<int:pk>/panel/", views.opportunity_panel, name="opportunity_panel"),
]
