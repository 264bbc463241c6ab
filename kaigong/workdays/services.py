"""Writes to the workday calendar. Pages, API and the CLI all come through here.

Only administrators edit the calendar (``actor=None`` is the system: commands and migrations). Every write is
audited in its own transaction and makes the process's calendar snapshot reload (see calendar.py).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kaigong.audit.choices import AuditAction
from kaigong.audit.services import diff, record_event, snapshot
from kaigong.core.exceptions import KaigongError, PermissionDeniedError
from kaigong.workdays.calendar import invalidate_calendar
from kaigong.workdays.choices import CalendarSource
from kaigong.workdays.models import CalendarDay, CalendarYear
from kaigong.workdays.sources import Schedule, parse_schedule_file, read_chinesecalendar, write_schedule

YEAR_AUDIT_FIELDS = ["year", "source", "is_complete", "notice"]
DAY_AUDIT_FIELDS = ["date", "kind", "name"]


class CalendarYearExists(KaigongError):
    code = "calendar_year_exists"
    status = 409


@dataclass
class LoadResult:
    calendar_year: CalendarYear
    schedule: Schedule
    replaced_days: int


def _check_admin(actor) -> None:
    if actor is not None and not getattr(actor, "is_kaigong_admin", False):
        raise PermissionDeniedError(gettext_noop("只有系统管理员可以修改工作日历"))


def _calendar_changed(calendar_year: CalendarYear | None = None) -> None:
    """Bump the year's change stamp and drop the cached snapshot now and again after commit."""
    if calendar_year is not None and calendar_year.pk:
        calendar_year.save(update_fields=["updated_at"])
    invalidate_calendar()
    transaction.on_commit(invalidate_calendar)


@transaction.atomic
def create_calendar_year(
    *, year: int, actor, is_complete: bool = False, notice: str = "", actor_label: str = ""
) -> CalendarYear:
    """Start a year typed in by hand (source manual). It counts for arithmetic once marked complete."""
    _check_admin(actor)
    if CalendarYear.objects.filter(year=year).exists():
        raise CalendarYearExists(gettext_noop("%(year)s年的工作日历已存在"), params={"year": year})
    calendar_year = CalendarYear(
        year=year, source=CalendarSource.MANUAL, is_complete=is_complete, notice=notice.strip()
    )
    calendar_year.full_clean()
    calendar_year.save()
    record_event(
        action=AuditAction.CREATE,
        actor=actor,
        actor_label=actor_label,
        obj=calendar_year,
        changes=snapshot(calendar_year, YEAR_AUDIT_FIELDS),
    )
    _calendar_changed()
    return calendar_year


@transaction.atomic
def update_calendar_year(
    *,
    calendar_year: CalendarYear,
    actor,
    is_complete: bool | None = None,
    notice: str | None = None,
    actor_label: str = "",
) -> CalendarYear:
    """Mark a year complete (or not) and/or change its notice reference."""
    _check_admin(actor)
    before = snapshot(calendar_year, YEAR_AUDIT_FIELDS)
    if is_complete is not None:
        calendar_year.is_complete = is_complete
    if notice is not None:
        calendar_year.notice = notice.strip()
    calendar_year.full_clean()
    changes = diff(before, snapshot(calendar_year, YEAR_AUDIT_FIELDS))
    if changes:
        calendar_year.save()
        record_event(
            action=AuditAction.UPDATE, actor=actor, actor_label=actor_label, obj=calendar_year, changes=changes
        )
        _calendar_changed()
    return calendar_year


@transaction.atomic
def delete_calendar_year(*, calendar_year: CalendarYear, actor, actor_label: str = "") -> None:
    """Remove a year and its days: deadlines reaching into it are refused (or provisional) afterwards."""
    _check_admin(actor)
    changes = {**snapshot(calendar_year, YEAR_AUDIT_FIELDS), "days": calendar_year.days.count()}
    record_event(action=AuditAction.DELETE, actor=actor, actor_label=actor_label, obj=calendar_year, changes=changes)
    calendar_year.delete()
    _calendar_changed()


@transaction.atomic
def set_calendar_day(
    *, calendar_year: CalendarYear, date: dt.date, kind: str, name: str = "", actor, actor_label: str = ""
) -> CalendarDay:
    """Make ``date`` a holiday or a make-up workday (creating the row or changing the existing one)."""
    _check_admin(actor)
    day = CalendarDay.objects.filter(date=date).first()
    before = snapshot(day, DAY_AUDIT_FIELDS) if day else None
    if day is None:
        day = CalendarDay(date=date)
    day.calendar_year = calendar_year
    day.kind = kind
    day.name = (name or "").strip()
    day.full_clean()
    if before is None:
        day.save()
        record_event(
            action=AuditAction.CREATE,
            actor=actor,
            actor_label=actor_label,
            obj=day,
            changes=snapshot(day, DAY_AUDIT_FIELDS),
        )
    else:
        changes = diff(before, snapshot(day, DAY_AUDIT_FIELDS))
        if not changes:
            return day
        day.save()
        record_event(action=AuditAction.UPDATE, actor=actor, actor_label=actor_label, obj=day, changes=changes)
    _calendar_changed(calendar_year)
    return day


@transaction.atomic
def remove_calendar_day(*, day: CalendarDay, actor, actor_label: str = "") -> None:
    """Remove a holiday or make-up workday: the date follows the weekday rule again."""
    _check_admin(actor)
    record_event(
        action=AuditAction.DELETE,
        actor=actor,
        actor_label=actor_label,
        obj=day,
        changes=snapshot(day, DAY_AUDIT_FIELDS),
    )
    calendar_year = day.calendar_year
    day.delete()
    _calendar_changed(calendar_year)


@transaction.atomic
def load_schedule(
    *,
    schedule: Schedule,
    actor,
    source: str = CalendarSource.FILE,
    replace: bool = False,
    actor_label: str = "",
) -> LoadResult:
    """Store a validated year as complete, all or nothing. An existing year with days needs ``replace``."""
    _check_admin(actor)
    existing = CalendarYear.objects.filter(year=schedule.year).first()
    if existing is not None and not replace and existing.days.exists():
        raise CalendarYearExists(
            gettext_noop("%(year)s年的工作日历已存在;如需用文件覆盖,请选择“替换已有日历”"),
            params={"year": schedule.year},
        )
    calendar_year, replaced = write_schedule(CalendarYear, CalendarDay, schedule, source=source, now=timezone.now())
    record_event(
        action=AuditAction.IMPORT,
        actor=actor,
        actor_label=actor_label,
        obj=calendar_year,
        changes={
            "year": schedule.year,
            "source": str(source),
            "holidays": schedule.holiday_count,
            "makeup_workdays": schedule.makeup_workday_count,
            "replaced_days": replaced,
        },
        note=schedule.notice,
    )
    _calendar_changed(calendar_year)
    return LoadResult(calendar_year=calendar_year, schedule=schedule, replaced_days=replaced)


def load_schedule_file(
    *, content: bytes, filename: str = "", actor, replace: bool = False, actor_label: str = ""
) -> LoadResult:
    """Parse, validate and store a CSV/JSON schedule file (see sources.py for the format)."""
    _check_admin(actor)
    schedule = parse_schedule_file(content, filename)
    return load_schedule(schedule=schedule, actor=actor, replace=replace, actor_label=actor_label)


@transaction.atomic
def seed_from_chinesecalendar(
    *, years=None, replace: bool = False, actor=None, actor_label: str = "chinesecalendar"
) -> list[LoadResult]:
    """Load the years the chinesecalendar package covers (all by default); years already stored are skipped
    unless ``replace``. The seed migration does the same with historical models on a fresh install."""
    _check_admin(actor)
    present = set(CalendarYear.objects.values_list("year", flat=True))
    results = []
    for schedule in read_chinesecalendar(years):
        if schedule.year in present and not replace:
            continue
        results.append(
            load_schedule(
                schedule=schedule,
                actor=actor,
                source=CalendarSource.CHINESECALENDAR,
                replace=True,
                actor_label=actor_label,
            )
        )
    return results
