"""Background tasks of the approvals app (django-tasks; the database backend in production).

The daily clock refresh: schedule `kaigong approvals refresh` once a day (cron or systemd timer), or enqueue
``refresh_clocks_task`` for the db_worker; both run the same service.
"""

from django_tasks import task

from kaigong.approvals.checklists import services


@task()
def refresh_clocks_task() -> dict:
    return services.refresh_clocks()
