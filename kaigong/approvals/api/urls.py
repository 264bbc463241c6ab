"""Approvals API, included from kaigong/api_urls.py under /api/approvals/."""

from rest_framework.routers import DefaultRouter

from kaigong.approvals.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("matters", views.ApprovalMatterViewSet, basename="approval-matter")
router.register("rules", views.ChecklistRuleViewSet, basename="checklist-rule")
router.register("checklists", views.ChecklistViewSet, basename="checklist")
router.register("items", views.ChecklistItemViewSet, basename="checklist-item")

urlpatterns = router.urls
