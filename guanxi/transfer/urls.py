from django.urls import path

from guanxi.transfer import views

app_name = "transfer"
urlpatterns = [
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/errors/", views.import_errors, name="import_errors"),
    path("import/<int:pk>/undo/", views.import_undo, name="import_undo"),
]
