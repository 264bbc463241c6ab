"""Background tasks of the plan (django-tasks; the database backend in production).

The daily forecast refresh: schedule `kaigong approvals forecast` once a day after the clock refresh (cron or
systemd timer), or enqueue ``refresh_forecasts_task`` for the db_worker; both run the same service.
"""

from django_tasks import task

from kaigong.approvals.plans import services


@task()
def refresh_forecasts_task() -> dict:
    return services.refresh_forecasts()
