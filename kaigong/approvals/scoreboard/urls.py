"""Scoreboard pages, included by approvals/urls.py (names in the approvals namespace)."""

from django.urls import path

from kaigong.approvals.scoreboard import views

urlpatterns = [
    path("scoreboard/", views.scoreboard_page, name="scoreboard"),
    path("scoreboard/export/", views.scoreboard_export, name="scoreboard-export"),
]
