"""Catalogue pages, included by approvals/urls.py (names in the approvals namespace)."""

from django.urls import path

from kaigong.approvals.catalogue import views

urlpatterns = [
    path("matters/", views.matter_list, name="matter-list"),
    path("matters/new/", views.matter_edit, name="matter-create"),
    path("matters/<int:pk>/", views.matter_detail, name="matter-detail"),
    path("matters/<int:pk>/edit/", views.matter_edit, name="matter-edit"),
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/new/", views.rule_edit, name="rule-create"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
]
