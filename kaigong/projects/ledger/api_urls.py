"""/api/ledger/imports/…: included from kaigong/api_urls.py under "ledger/imports/"."""

from django.urls import path

from kaigong.projects.ledger import api

urlpatterns = [
    path("", api.LedgerImportListView.as_view(), name="api-ledger-imports"),
    path("<int:pk>/", api.LedgerImportDetailView.as_view(), name="api-ledger-import-detail"),
    path("<int:pk>/confirm/", api.LedgerImportConfirmView.as_view(), name="api-ledger-import-confirm"),
    path("<int:pk>/retry/", api.LedgerImportRetryView.as_view(), name="api-ledger-import-retry"),
    path("<int:pk>/cancel/", api.LedgerImportCancelView.as_view(), name="api-ledger-import-cancel"),
]
