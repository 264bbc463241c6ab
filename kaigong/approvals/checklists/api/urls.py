"""The checklists API, included by approvals/api/urls.py under /api/approvals/."""

from rest_framework.routers import DefaultRouter

from kaigong.approvals.checklists.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("checklists", views.ChecklistViewSet, basename="checklist")
router.register("items", views.ChecklistItemViewSet, basename="checklist-item")
router.register("notices", views.WarningNoticeViewSet, basename="warning-notice")

urlpatterns = router.urls
