"""A project's progress pages, included by progress/urls.py (names in the progress namespace: progress:project …)."""

from django.urls import path, re_path

from kaigong.progress import project_views as views

urlpatterns = [
    path("projects/<int:pk>/", views.project_progress, name="project"),
    path("projects/<int:pk>/opening/", views.opening_balance, name="opening"),
    path("projects/<int:pk>/report/", views.report_latest, name="report-latest"),
    re_path(r"^projects/(?P<pk>[0-9]+)/report/(?P<month>[0-9]{4}-[0-9]{2})/$", views.report_month, name="report"),
    path("reports/<int:pk>/accept/", views.report_accept, name="report-accept"),
    path("reports/<int:pk>/return/", views.report_return, name="report-return"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo-delete"),
    path("photos/<int:pk>/image/", views.photo_image, name="photo-image"),
    path("photos/<int:pk>/thumbnail/", views.photo_thumbnail, name="photo-thumbnail"),
]
