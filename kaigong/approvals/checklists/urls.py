"""Checklist pages, included by approvals/urls.py (names in the approvals namespace)."""

from django.urls import path

from kaigong.approvals.checklists import views

urlpatterns = [
    path("projects/<int:project_pk>/", views.project_checklist, name="project-checklist"),
    path("projects/<int:project_pk>/generate/", views.checklist_generate, name="checklist-generate"),
    path("items/<int:pk>/transition/", views.item_transition, name="item-transition"),
    path("warnings/", views.warning_list, name="warning-list"),
    path("inbox/", views.department_inbox, name="inbox"),
    path("notices/", views.notice_list, name="notice-list"),
]
