"""The progress sheet import's pages, included under "import/" in the progress namespace (no app_name here)."""

from django.urls import path

from kaigong.progress import import_views

urlpatterns = [
    path("", import_views.import_upload, name="import"),
    path("template.xlsx", import_views.import_template, name="import-template"),
    path("<int:pk>/", import_views.import_detail, name="import-detail"),
    path("<int:pk>/progress/", import_views.import_progress, name="import-progress"),
    path("<int:pk>/confirm/", import_views.import_confirm, name="import-confirm"),
    path("<int:pk>/cancel/", import_views.import_cancel, name="import-cancel"),
]
