"""Ledger pages, included from projects/urls.py under "ledger/" (namespace projects)."""

from django.urls import path

from kaigong.projects import ledger_views

urlpatterns = [
    path("export/", ledger_views.ledger_export, name="ledger-export"),
    path("import/", ledger_views.ledger_import, name="ledger-import"),
    path("import/template.xlsx", ledger_views.ledger_template, name="ledger-template"),
    path("import/<int:pk>/", ledger_views.ledger_import_detail, name="ledger-import-detail"),
    path("import/<int:pk>/progress/", ledger_views.ledger_import_progress, name="ledger-import-progress"),
    path("import/<int:pk>/confirm/", ledger_views.ledger_import_confirm, name="ledger-import-confirm"),
    path("import/<int:pk>/errors.xlsx", ledger_views.ledger_import_errors, name="ledger-import-errors"),
]
