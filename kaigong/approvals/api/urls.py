"""Approvals API, included from kaigong/api_urls.py under /api/approvals/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from kaigong.approvals.api import plan_views, views
from kaigong.approvals.scoreboard_views import ScoreboardAPIView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("matters", views.ApprovalMatterViewSet, basename="approval-matter")
router.register("rules", views.ChecklistRuleViewSet, basename="checklist-rule")
router.register("checklists", views.ChecklistViewSet, basename="checklist")
router.register("items", views.ChecklistItemViewSet, basename="checklist-item")
router.register("notices", views.WarningNoticeViewSet, basename="warning-notice")
router.register("plans/late", plan_views.LatePlanViewSet, basename="late-plan")
router.register("plans", plan_views.ProjectPlanViewSet, basename="project-plan")

urlpatterns = [path("scoreboard/", ScoreboardAPIView.as_view(), name="approvals-scoreboard"), *router.urls]
