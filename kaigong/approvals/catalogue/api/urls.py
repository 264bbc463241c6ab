"""The catalogue API, included by approvals/api/urls.py under /api/approvals/."""

from rest_framework.routers import DefaultRouter

from kaigong.approvals.catalogue.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("matters", views.ApprovalMatterViewSet, basename="approval-matter")
router.register("rules", views.ChecklistRuleViewSet, basename="checklist-rule")

urlpatterns = router.urls
