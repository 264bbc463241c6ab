"""Plan pages, included by approvals/urls.py (names in the approvals namespace)."""

from django.urls import path

from kaigong.approvals.plans import views

urlpatterns = [
    path("projects/<int:project_pk>/plan/", views.project_plan, name="project-plan"),
    path("projects/<int:project_pk>/plan/recompute/", views.plan_recompute, name="plan-recompute"),
    path("projects/<int:project_pk>/plan/baseline/", views.plan_baseline, name="plan-baseline"),
    path("projects/<int:project_pk>/plan/item/", views.plan_item_edit, name="plan-item-edit"),
    path("plans/late/", views.late_plan_list, name="plan-late-list"),
]
