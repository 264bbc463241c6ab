"""/api/progress/imports/…: included from the progress API's urls under "imports/"."""

from django.urls import path

from kaigong.progress.api import imports

urlpatterns = [
    path("", imports.ProgressImportListView.as_view(), name="api-progress-imports"),
    path("template/", imports.ProgressImportTemplateView.as_view(), name="api-progress-import-template"),
    path("<int:pk>/", imports.ProgressImportDetailView.as_view(), name="api-progress-import-detail"),
    path("<int:pk>/confirm/", imports.ProgressImportConfirmView.as_view(), name="api-progress-import-confirm"),
    path("<int:pk>/cancel/", imports.ProgressImportCancelView.as_view(), name="api-progress-import-cancel"),
]
