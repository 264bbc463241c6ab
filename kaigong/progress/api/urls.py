"""The progress API, included from kaigong/api_urls.py under /api/progress/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from kaigong.progress.api import import_urls, views
from kaigong.progress.api.bulletin import BulletinView
from kaigong.progress.api.oc4ids import OC4IDSView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("reports", views.ReportViewSet, basename="progress-report")
router.register("problems", views.ProblemViewSet, basename="progress-problem")
router.register("presets", views.WarningPresetViewSet, basename="progress-preset")
router.register("notices", views.NoticeViewSet, basename="progress-notice")

urlpatterns = [
    path("measures/", views.MeasuresView.as_view(), name="progress-measures"),
    path("lights/", views.LightListView.as_view(), name="progress-lights"),
    path("lights/refresh/", views.LightRefreshView.as_view(), name="progress-lights-refresh"),
    path("aggregations/", views.AggregationView.as_view(), name="progress-aggregations"),
    path("status/", views.ReportingStatusView.as_view(), name="progress-status"),
    path("settings/", views.SettingsView.as_view(), name="progress-settings"),
    path("oc4ids/", OC4IDSView.as_view(), name="progress-oc4ids"),
    path("bulletin/", BulletinView.as_view(), name="progress-bulletin"),
    path("imports/", include(import_urls)),
    *router.urls,
]
