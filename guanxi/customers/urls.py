from django.urls import path

from guanxi.customers import care_views, manage_views, pool_views, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_create, name="customer_create"),
    path("recycle-bin/", views.recycle_bin, name="recycle_bin"),
    path("pool/", pool_views.pool_list, name="pool_list"),
    path("pool/claim/", pool_views.pool_claim, name="pool_claim"),
    path("pool/assign/", pool_views.pool_assign, name="pool_assign"),
    path("pool/release/", pool_views.pool_release, name="pool_release"),
    path("pool/run-now/", pool_views.pool_run_now, name="pool_run_now"),
    path("pool/events/", pool_views.pool_events, name="pool_events"),
    path("<int:pk>/pool/", pool_views.pool_panel, name="pool_panel"),
    path("care/", care_views.care_home, name="care"),
    path("care/new/", care_views.care_task_create, name="care_task_create"),
    path("care/holiday/", care_views.care_holiday, name="care_holiday"),
    path("care/<int:pk>/done/", care_views.care_task_done, name="care_task_done"),
    path("care/<int:pk>/cancel/", care_views.care_task_cancel, name="care_task_cancel"),
    path("<int:pk>/care/", care_views.care_panel, name="care_panel"),
    path("bulk-edit/", manage_views.bulk_edit, name="bulk_edit"),
    path("transfer/", manage_views.transfer, name="transfer"),
    path("merge/", manage_views.merge, name="merge"),
    path("handover/", manage_views.handover, name="handover"),
    path("lifecycle/", manage_views.lifecycle, name="lifecycle"),
    path("duplicates/", manage_views.duplicates, name="duplicates"),
    path("export/", views.customer_export, name="customer_export"),
    path("saved-filters/", views.saved_filter_save, name="saved_filter_save"),
    path("saved-filters/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/delete/", views.customer_delete, name="customer_delete"),
    path("<int:pk>/restore/", views.customer_restore, name="customer_restore"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:pk>/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
]
