"""Services: every edit audited in its transaction, admin only, all-or-nothing loads, the snapshot follows edits."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.core.exceptions import PermissionDeniedError
from kaigong.workdays import services
from kaigong.workdays.calendar import CalendarYearMissing, add_workdays, get_calendar, is_workday
from kaigong.workdays.choices import CalendarSource, DayKind
from kaigong.workdays.models import CalendarDay, CalendarYear
from kaigong.workdays.sources import ChinesecalendarYearMissing, ScheduleFileError

D = dt.date
CSV_2027 = b"date,kind,name\n2027-01-01,holiday,\xe5\x85\x83\xe6\x97\xa6\n2027-02-20,makeup_workday,\n"

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(users):
    return users[Role.ADMIN]


def _events(obj):
    return list(AuditEvent.objects.for_object(obj).order_by("id").values_list("action", flat=True))


def test_manual_year_day_edits_are_audited_and_used_once_complete(admin):
    year = services.create_calendar_year(year=2027, actor=admin, notice="国办发明电")
    assert year.source == CalendarSource.MANUAL and not year.is_complete
    day = services.set_calendar_day(calendar_year=year, date=D(2027, 1, 1), kind=DayKind.HOLIDAY, actor=admin)
    with pytest.raises(CalendarYearMissing):  # incomplete years do not count
        add_workdays(D(2026, 12, 31), 1)
    services.update_calendar_year(calendar_year=year, is_complete=True, actor=admin)
    assert add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)  # 01-01 holiday, then the weekend

    day = services.set_calendar_day(
        calendar_year=year, date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦", actor=admin
    )
    services.remove_calendar_day(day=day, actor=admin)
    assert is_workday(D(2027, 1, 1)) is True
    assert _events(year) == ["create", "update"]
    events = AuditEvent.objects.filter(object_repr__startswith="2027-01-01").order_by("id")
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert events[1].changes == {"name": ["", "元旦"]}
    assert all(e.actor == admin for e in events)

    services.delete_calendar_year(calendar_year=year, actor=admin)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert AuditEvent.objects.filter(action="delete", object_repr="2027年工作日历").exists()


def test_edit_of_a_seeded_year_changes_the_arithmetic_at_once(admin):
    year = CalendarYear.objects.get(year=2025)
    assert add_workdays(D(2025, 3, 7), 1) == D(2025, 3, 10)
    services.set_calendar_day(calendar_year=year, date=D(2025, 3, 10), kind=DayKind.HOLIDAY, name="测试", actor=admin)
    assert add_workdays(D(2025, 3, 7), 1) == D(2025, 3, 11)
    services.set_calendar_day(calendar_year=year, date=D(2025, 3, 8), kind=DayKind.MAKEUP_WORKDAY, actor=admin)
    assert add_workdays(D(2025, 3, 7), 1) == D(2025, 3, 8)


def test_rules_of_a_day(admin):
    year = CalendarYear.objects.get(year=2025)
    with pytest.raises(ValidationError) as info:
        services.set_calendar_day(calendar_year=year, date=D(2025, 3, 10), kind=DayKind.MAKEUP_WORKDAY, actor=admin)
    assert "调休上班日必须是周六或周日" in str(info.value)
    with pytest.raises(ValidationError):
        services.set_calendar_day(calendar_year=year, date=D(2024, 3, 9), kind=DayKind.HOLIDAY, actor=admin)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_only_administrators_edit(users, role):
    user = users[role]
    year = CalendarYear.objects.get(year=2025)
    with pytest.raises(PermissionDeniedError):
        services.create_calendar_year(year=2027, actor=user)
    with pytest.raises(PermissionDeniedError):
        services.set_calendar_day(calendar_year=year, date=D(2025, 3, 10), kind=DayKind.HOLIDAY, actor=user)
    with pytest.raises(PermissionDeniedError):
        services.remove_calendar_day(day=year.days.first(), actor=user)
    with pytest.raises(PermissionDeniedError):
        services.load_schedule_file(content=CSV_2027, filename="2027.csv", actor=user)
    assert not AuditEvent.objects.exists()


def test_load_file_is_audited_and_refuses_to_overwrite_without_replace(admin):
    result = services.load_schedule_file(content=CSV_2027, filename="2027.csv", actor=admin)
    year = result.calendar_year
    assert year.is_complete and year.source == CalendarSource.FILE
    assert add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)
    event = AuditEvent.objects.get(action="import")
    assert event.changes == {
        "year": 2027,
        "source": "file",
        "holidays": 1,
        "makeup_workdays": 1,
        "replaced_days": 0,
    }
    with pytest.raises(services.CalendarYearExists):
        services.load_schedule_file(content=CSV_2027, filename="2027.csv", actor=admin)
    again = services.load_schedule_file(content=CSV_2027, filename="2027.csv", actor=admin, replace=True)
    assert again.replaced_days == 2 and CalendarDay.objects.filter(calendar_year=year).count() == 2


def test_bad_file_loads_nothing(admin):
    with pytest.raises(ScheduleFileError):
        services.load_schedule_file(content=b"2027-01-01,holiday,x\n2027-01-04,makeup_workday,x\n", actor=admin)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not AuditEvent.objects.exists()


def test_seed_from_chinesecalendar_restores_a_year(admin):
    CalendarYear.objects.filter(year=2025).delete()
    get_calendar()
    assert services.seed_from_chinesecalendar(actor=None) != []
    year = CalendarYear.objects.get(year=2025)
    assert year.source == CalendarSource.CHINESECALENDAR and year.days.count() == 33
    assert add_workdays(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert services.seed_from_chinesecalendar(actor=None) == []  # nothing left to add
    with pytest.raises(ChinesecalendarYearMissing):
        services.seed_from_chinesecalendar(years=[2031], actor=None)
    with pytest.raises(PermissionDeniedError):
        services.seed_from_chinesecalendar(actor=admin.__class__(role=Role.LEADER))
