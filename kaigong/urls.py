from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from kaigong.core.api_docs import SchemaView, SwaggerView, redoc_view

urlpatterns = [
    path("", include("kaigong.projects.urls")),
    path("accounts/", include("kaigong.accounts.urls")),
    path("audit/", include("kaigong.audit.urls")),
    path("workdays/", include("kaigong.workdays.urls")),
    path("approvals/", include("kaigong.approvals.urls")),
    path("heritage/", include("kaigong.heritage.urls")),
    path("progress/", include("kaigong.progress.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    # The schema and docs before the API's own URLs, which end with a catch-all 404 in the API's error shape.
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", redoc_view(url_name="api-schema"), name="api-redoc"),
    path("api/", include("kaigong.api_urls")),
]

# Pages answer with templates/404.html and 500.html; paths under /api/ with the API's JSON error shape.
handler404 = "kaigong.core.api_errors.page_not_found"
handler500 = "kaigong.core.api_errors.server_error"
