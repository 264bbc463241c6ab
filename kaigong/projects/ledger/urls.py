"""Ledger pages, included from projects/urls.py under "ledger/" (namespace projects)."""

from django.urls import path

from kaigong.projects.ledger import views

urlpatterns = [
    path("export/", views.ledger_export, name="ledger-export"),
    path("import/", views.ledger_import, name="ledger-import"),
    path("import/template.xlsx", views.ledger_template, name="ledger-template"),
    path("import/<int:pk>/", views.ledger_import_detail, name="ledger-import-detail"),
    path("import/<int:pk>/progress/", views.ledger_import_progress, name="ledger-import-progress"),
    path("import/<int:pk>/confirm/", views.ledger_import_confirm, name="ledger-import-confirm"),
    path("import/<int:pk>/retry/", views.ledger_import_retry, name="ledger-import-retry"),
    path("import/<int:pk>/cancel/", views.ledger_import_cancel, name="ledger-import-cancel"),
    path("import/<int:pk>/errors.xlsx", views.ledger_import_errors, name="ledger-import-errors"),
]
