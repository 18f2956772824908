from django.urls import path

from guanxi.sales.receivables import views

app_name = "receivables"
urlpatterns = [
    path("", views.receivable_list, name="receivable_list"),
    path("new/", views.receivable_create, name="receivable_create"),
    path("<int:pk>/", views.receivable_detail, name="receivable_detail"),
    path("<int:pk>/edit/", views.receivable_edit, name="receivable_edit"),
    path("<int:pk>/cancel/", views.receivable_cancel, name="receivable_cancel"),
    path("ageing/", views.ageing, name="ageing"),
    path("statement/", views.statement, name="statement"),
    path("statement/xlsx/", views.statement_xlsx, name="statement_xlsx"),
    path("statement/pdf/", views.statement_pdf, name="statement_pdf"),
    path("customer-options/", views.customer_options, name="customer_options"),
    path("customer/<int:pk>/panel/", views.customer_panel, name="customer_panel"),
    path("allocation-rows/", views.allocation_rows, name="allocation_rows"),
    path("payments/", views.payment_list, name="payment_list"),
    path("payments/new/", views.payment_create, name="payment_create"),
    path("payments/<int:pk>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:pk>/edit/", views.payment_edit, name="payment_edit"),
    path("payments/<int:pk>/allocate/", views.payment_allocate, name="payment_allocate"),
    path("payments/<int:pk>/void/", views.payment_void, name="payment_void"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/void/", views.invoice_void, name="invoice_void"),
]
