"""The progress pages, in the progress namespace: a project's reports (project_urls), the office's monthly view,
settings, warning presets and notices (views), the month's progress sheet import (import_urls) and the bulletin."""

from django.urls import include, path

from kaigong.progress import bulletin_views, views

app_name = "progress"
urlpatterns = [
    path("", views.monthly_view, name="monthly"),
    path("status/", views.report_status_list, name="report-status"),
    path("settings/", views.settings_page, name="settings"),
    path("presets/", views.preset_list, name="preset-list"),
    path("presets/new/", views.preset_edit, name="preset-create"),
    path("presets/<int:pk>/", views.preset_edit, name="preset-detail"),
    path("presets/<int:pk>/activate/", views.preset_activate, name="preset-activate"),
    path("lights/refresh/", views.lights_refresh, name="lights-refresh"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/read/", views.notices_mark_read, name="notices-read"),
    path("bulletin/", bulletin_views.bulletin_page, name="bulletin"),
    path("bulletin/<str:fmt>/", bulletin_views.bulletin_download, name="bulletin-download"),
    path("import/", include("kaigong.progress.import_urls")),
    path("", include("kaigong.progress.project_urls")),
]
