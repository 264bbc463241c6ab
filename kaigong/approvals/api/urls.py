"""The approvals API, included from kaigong/api_urls.py under /api/approvals/: each part brings its own url module."""

from django.urls import include, path

urlpatterns = [
    path("", include("kaigong.approvals.scoreboard.api.urls")),
    path("", include("kaigong.approvals.catalogue.api.urls")),
    path("", include("kaigong.approvals.checklists.api.urls")),
    path("", include("kaigong.approvals.plans.api.urls")),
]
