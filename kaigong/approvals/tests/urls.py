"""Test URLconf: the site plus the approvals API, until kaigong/api_urls.py includes it (then both match)."""

from django.urls import include, path

from kaigong.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("api/approvals/", include("kaigong.approvals.api.urls")), *site_urlpatterns]
