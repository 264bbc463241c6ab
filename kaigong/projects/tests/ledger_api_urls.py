"""The site's URLs with /api/ledger/imports/ in front, for the tests until kaigong/api_urls.py includes
kaigong.projects.ledger.api_urls itself (then this module changes nothing)."""

from django.urls import include, path

from kaigong.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("api/ledger/imports/", include("kaigong.projects.ledger.api_urls")), *site_urlpatterns]
