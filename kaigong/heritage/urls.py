from django.urls import path

from kaigong.heritage import views

app_name = "heritage"
urlpatterns = [
    path("", views.site_list, name="site-list"),
    path("import/", views.site_import, name="site-import"),
    path("sites/<int:pk>/", views.site_detail, name="site-detail"),
    path("sites/<int:pk>/delete/", views.site_delete, name="site-delete"),
    path("routing/", views.routing, name="routing"),
    path("projects/<int:project_pk>/", views.project_heritage, name="project"),
    path("projects/<int:project_pk>/routing/forward/", views.routing_forward, name="routing-forward"),
    path("projects/<int:project_pk>/routing/steps/<int:step_pk>/reply/", views.routing_reply, name="routing-reply"),
]
