"""The scoreboard API, included by approvals/api/urls.py under /api/approvals/."""

from django.urls import path

from kaigong.approvals.scoreboard.api.views import ScoreboardAPIView

urlpatterns = [path("scoreboard/", ScoreboardAPIView.as_view(), name="approvals-scoreboard")]
