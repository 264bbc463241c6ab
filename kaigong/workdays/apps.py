from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    """The Chinese workday calendar: weekends, statutory holidays and make-up workdays (调休), per year."""

    name = "kaigong.workdays"
    label = "workdays"
    verbose_name = "工作日历"
