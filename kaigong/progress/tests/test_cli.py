import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.progress import services
from kaigong.progress.choices import NoticeKind, ProgressEvent, WarningLevel
from kaigong.progress.models import ProgressNotice, ProjectProgress
from kaigong.progress.tests.factories import building_project


def run(*args) -> str:
    out = StringIO()
    call_command("progress", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def city(users, department, organization):
    reported = building_project(responsible_department=department, owner=organization)
    silent = building_project(responsible_department=department, owner=organization, name="未报送的项目")
    for month in range(1, 10):
        services.submit_report(
            project=reported,
            month=dt.date(2024, month, 1),
            data={"monthly_investment": Decimal("100")},
            actor=users[Role.OFFICE],
            today=dt.date(2024, month, 21),
        )
    return reported, silent


@pytest.mark.django_db
def test_remind_only_before_the_close_and_once(city, users):
    assert "0 reminder" in run("remind", "--month", "2024-09", "--date", "2024-09-10")
    assert "2 reminder" in run("remind", "--month", "2024-09", "--date", "2024-09-23")  # enterprise + department
    assert "0 reminder" in run("remind", "--month", "2024-09", "--date", "2024-09-24")
    assert ProgressNotice.objects.filter(kind=NoticeKind.REMINDER, recipient=users[Role.ENTERPRISE]).count() == 1


@pytest.mark.django_db
def test_close_lights_the_silent_and_lists_them(city):
    reported, silent = city
    with pytest.raises(CommandError):
        run("close", "--month", "2024-09", "--date", "2024-09-25")
    output = run("close", "--month", "2024-09", "--date", "2024-09-26")
    assert "not reported: 1" in output and "未报送的项目" in output
    lights = dict(ProjectProgress.objects.values_list("project_id", "warning_level"))
    assert lights[silent.pk] != WarningLevel.GREEN and lights[reported.pk] == WarningLevel.GREEN
    event = AuditEvent.objects.filter(code=ProgressEvent.LIGHT_CHANGED, project_id=silent.pk).get()
    assert event.actor_label.endswith("progress close")


@pytest.mark.django_db
def test_close_defaults_to_the_last_closed_month(city):
    output = run("close", "--date", "2024-10-10")  # October is still open: September is closed
    assert output.startswith("2024-09:")


@pytest.mark.django_db
def test_refresh_is_repeatable(city):
    first = run("refresh", "--month", "2024-09", "--date", "2024-09-30")
    assert "2 project(s) lit, 2 changed" in first
    assert "0 changed" in run("refresh", "--month", "2024-09", "--date", "2024-09-30")


@pytest.mark.django_db
def test_bad_month_is_a_clear_error():
    with pytest.raises(CommandError, match="YYYY-MM"):
        run("refresh", "--month", "2024-13")
    with pytest.raises(CommandError, match=r"\.pdf"):
        run("bulletin", "--month", "2024-09", "--out", "/tmp/x.txt")
