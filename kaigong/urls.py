from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("", include("kaigong.projects.urls")),
    path("accounts/", include("kaigong.accounts.urls")),
    path("audit/", include("kaigong.audit.urls")),
    path("workdays/", include("kaigong.workdays.urls")),
    path("approvals/", include("kaigong.approvals.urls")),
    path("heritage/", include("kaigong.heritage.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("kaigong.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
