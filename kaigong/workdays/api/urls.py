"""/api/workdays/… (included from kaigong/api_urls.py)."""

from django.urls import path

from kaigong.workdays import converters
from kaigong.workdays.api import views

app_name = "workdays-api"
converters.register()
urlpatterns = [
    path("add/", views.WorkdayAddView.as_view(), name="add"),
    path("count/", views.WorkdayCountView.as_view(), name="count"),
    path("is-workday/", views.IsWorkdayView.as_view(), name="is-workday"),
    path("years/", views.CalendarYearListView.as_view(), name="year-list"),
    path("years/<int:year>/", views.CalendarYearDetailView.as_view(), name="year-detail"),
    path("years/<int:year>/days/", views.CalendarDayListView.as_view(), name="day-list"),
    path("years/<int:year>/days/<isodate:date>/", views.CalendarDayDetailView.as_view(), name="day-detail"),
    path("load/", views.ScheduleLoadView.as_view(), name="load"),
]
