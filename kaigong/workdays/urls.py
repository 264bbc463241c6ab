from django.urls import path

from kaigong.workdays import converters, views

app_name = "workdays"
converters.register()
urlpatterns = [
    path("", views.index, name="index"),
    path("years/new/", views.year_create, name="year-create"),
    path("load/", views.load, name="load"),
    path("<int:year>/", views.year_detail, name="year"),
    path("<int:year>/edit/", views.year_update, name="year-update"),
    path("<int:year>/delete/", views.year_delete, name="year-delete"),
    path("<int:year>/days/", views.day_set, name="day-set"),
    path("<int:year>/days/<isodate:date>/remove/", views.day_remove, name="day-remove"),
]
