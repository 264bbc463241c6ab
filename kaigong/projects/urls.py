from django.urls import include, path

from kaigong.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("projects/", views.project_list, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="edit"),
    path("projects/<int:pk>/stage/", views.project_stage, name="stage"),
    path("batches/", views.batch_list, name="batch-list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("dictionaries/", views.dictionary_list, name="dictionaries"),
    path("dictionaries/<str:kind>/<int:pk>/", views.dictionary_edit, name="dictionary-edit"),
    path("ledger/", include("kaigong.projects.ledger.urls")),
]
