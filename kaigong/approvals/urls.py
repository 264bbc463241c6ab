"""The approvals pages: each part brings its own url module, all named in the approvals namespace."""

from django.urls import include, path

app_name = "approvals"
urlpatterns = [
    path("", include("kaigong.approvals.catalogue.urls")),
    path("", include("kaigong.approvals.checklists.urls")),
    path("", include("kaigong.approvals.plans.urls")),
    path("", include("kaigong.approvals.scoreboard.urls")),
]
