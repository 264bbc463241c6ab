from django.urls import include, path

app_name = "projects"
urlpatterns = [
    path("ledger/", include("kaigong.projects.ledger_urls")),
]
