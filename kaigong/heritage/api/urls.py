"""Heritage API, included from kaigong/api_urls.py under /api/heritage/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from kaigong.heritage.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("sites", views.HeritageSiteViewSet, basename="heritage-site")

urlpatterns = [
    path("routing/", views.HeritageRoutingView.as_view(), name="heritage-routing"),
    path("projects/<int:project_pk>/", views.ProjectHeritageView.as_view(), name="heritage-project"),
    path("projects/<int:project_pk>/routing/", views.ProjectRoutingView.as_view(), name="heritage-project-routing"),
    path(
        "projects/<int:project_pk>/routing/forward/",
        views.RoutingForwardView.as_view(),
        name="heritage-routing-forward",
    ),
    path(
        "projects/<int:project_pk>/routing/steps/<int:step_pk>/reply/",
        views.RoutingReplyView.as_view(),
        name="heritage-routing-reply",
    ),
    *router.urls,
]
