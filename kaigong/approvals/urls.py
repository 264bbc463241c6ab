from django.urls import path

from kaigong.approvals import plan_views, scoreboard_views, views

app_name = "approvals"
urlpatterns = [
    path("matters/", views.matter_list, name="matter-list"),
    path("matters/new/", views.matter_edit, name="matter-create"),
    path("matters/<int:pk>/", views.matter_detail, name="matter-detail"),
    path("matters/<int:pk>/edit/", views.matter_edit, name="matter-edit"),
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/new/", views.rule_edit, name="rule-create"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("projects/<int:project_pk>/", views.project_checklist, name="project-checklist"),
    path("projects/<int:project_pk>/generate/", views.checklist_generate, name="checklist-generate"),
    path("projects/<int:project_pk>/plan/", plan_views.project_plan, name="project-plan"),
    path("projects/<int:project_pk>/plan/recompute/", plan_views.plan_recompute, name="plan-recompute"),
    path("projects/<int:project_pk>/plan/baseline/", plan_views.plan_baseline, name="plan-baseline"),
    path("projects/<int:project_pk>/plan/item/", plan_views.plan_item_edit, name="plan-item-edit"),
    path("plans/late/", plan_views.late_plan_list, name="plan-late-list"),
    path("items/<int:pk>/transition/", views.item_transition, name="item-transition"),
    path("warnings/", views.warning_list, name="warning-list"),
    path("inbox/", views.department_inbox, name="inbox"),
    path("notices/", views.notice_list, name="notice-list"),
    path("scoreboard/", scoreboard_views.scoreboard_page, name="scoreboard"),
    path("scoreboard/export/", scoreboard_views.scoreboard_export, name="scoreboard-export"),
]
