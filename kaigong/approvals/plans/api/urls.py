"""The plan API, included by approvals/api/urls.py under /api/approvals/."""

from rest_framework.routers import DefaultRouter

from kaigong.approvals.plans.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("plans/late", views.LatePlanViewSet, basename="late-plan")  # before plans/<id>/
router.register("plans", views.ProjectPlanViewSet, basename="project-plan")

urlpatterns = router.urls
