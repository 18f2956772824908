"""Setup screens, mounted at ``/setup/``."""

from django.urls import path

from guanxi.orgs import views

app_name = "orgs"
urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/", views.department_edit, name="department_edit"),
    path("departments/<int:pk>/delete/", views.department_delete, name="department_delete"),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/new/", views.employee_create, name="employee_create"),
    path("employees/<int:pk>/", views.employee_edit, name="employee_edit"),
    path("employees/<int:pk>/leave/", views.employee_leave, name="employee_leave"),
    path("employees/<int:pk>/reactivate/", views.employee_reactivate, name="employee_reactivate"),
    path("employees/<int:pk>/password/", views.employee_password, name="employee_password"),
    path("roles/", views.role_list, name="role_list"),
    path("roles/new/", views.role_create, name="role_create"),
    path("roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role_delete"),
    path("settings/", views.settings_view, name="settings"),
    path("dictionaries/", views.dictionary_list, name="dictionary_list"),
    path(
        "dictionaries/entries/<int:pk>/", views.dictionary_entry_edit, name="dictionary_entry_edit"
    ),
    path(
        "dictionaries/entries/<int:pk>/toggle/",
        views.dictionary_entry_toggle,
        name="dictionary_entry_toggle",
    ),
    path(
        "dictionaries/entries/<int:pk>/delete/",
        views.dictionary_entry_delete,
        name="dictionary_entry_delete",
    ),
    path(
        "dictionaries/entries/<int:pk>/move/",
        views.dictionary_entry_move,
        name="dictionary_entry_move",
    ),
    path("dictionaries/<slug:kind>/", views.dictionary_kind, name="dictionary_kind"),
    path("custom-fields/", views.custom_field_list, name="custom_field_list"),
    path("custom-fields/<int:pk>/", views.custom_field_edit, name="custom_field_edit"),
    path("custom-fields/<int:pk>/delete/", views.custom_field_delete, name="custom_field_delete"),
    path("numbering/", views.numbering_list, name="numbering"),
    path("numbering/preview/", views.numbering_preview, name="numbering_preview"),
    path("numbering/<slug:target>/", views.numbering_edit, name="numbering_edit"),
]
