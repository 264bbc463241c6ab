from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    """The Chinese workday calendar: weekends, statutory holidays and make-up workdays (调休), per year."""

    name = "kaigong.workdays"
    label = "workdays"
    verbose_name = "工作日历"

    def ready(self):
        from django.core.signals import request_started

        from kaigong.workdays.calendar import recheck_calendar

        # Each request compares the cached calendar's stamp with the database once, so an edit made in
        # another process (another gunicorn worker, the CLI) is seen by the next request.
        request_started.connect(recheck_calendar, dispatch_uid="workdays_recheck_calendar")
