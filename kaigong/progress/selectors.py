"""Reads of the monthly cycle, shared by pages, the API, the exports, the bulletin and the jobs.

Every list starts from ``Project.objects.visible_to(user)``. Which projects owe a report for a month, and which are
lit, is decided here in one place (``reporting_scope``, ``light_scope``): the project's current stage and its
actual dates (a project's stage history is not replayed for past months).
"""

import calendar
import datetime as dt
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from kaigong.progress import rules
from kaigong.progress.choices import ReportStatus
from kaigong.progress.models import ProgressReport, ProgressSettings, WarningPreset
from kaigong.projects.choices import Stage
from kaigong.projects.models import Project

CURRENT = ~Q(status=ReportStatus.SUPERSEDED)
IN_CONSTRUCTION = (Stage.STARTED, Stage.CONSTRUCTION)
NOT_STARTED = (Stage.PLANNING, Stage.PREPARATION)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def current_month(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()).replace(day=1)


def get_settings() -> ProgressSettings:
    """The office's settings (a migration creates the row; the defaults stand in if it was removed)."""
    return ProgressSettings.objects.select_related("active_preset").filter(pk=1).first() or ProgressSettings(pk=1)


def active_rules(settings: ProgressSettings | None = None) -> tuple[WarningPreset | None, list[dict]]:
    """The preset the lights follow and its rules; the built-in default preset's rules if none is chosen."""
    settings = settings or get_settings()
    if settings.active_preset_id:
        return settings.active_preset, settings.active_preset.rules
    preset = WarningPreset.objects.filter(code=rules.DEFAULT_PRESET).first()
    if preset is not None:
        return preset, preset.rules
    default = next(p for p in rules.BUILTIN_PRESETS if p["code"] == rules.DEFAULT_PRESET)
    return None, default["rules"]


def reporting_scope(month: dt.date) -> Q:
    """The projects that owe a report for ``month``: started (新开工) or in construction (在建) by the month's end, and
    those completed (竣工) in the month's year, up to their completion month."""
    end = month_end(month)
    started_by_then = Q(actual_start_date__isnull=True) | Q(actual_start_date__lte=end)
    building = Q(stage__in=IN_CONSTRUCTION) & started_by_then
    completed_this_year = (
        Q(stage=Stage.COMPLETED)
        & Q(actual_completion_date__year=month.year)
        & Q(actual_completion_date__gte=month)
        & started_by_then
    )
    return building | completed_this_year


def light_scope(month: dt.date) -> Q:
    """The projects lit for ``month``: those that owe a report, and those not started whose planned start month has
    come (the not-started rules)."""
    due_to_start = Q(stage__in=NOT_STARTED) & Q(planned_start_date__lte=month_end(month))
    return reporting_scope(month) | due_to_start


def current_report(project: Project, month: dt.date) -> ProgressReport | None:
    return (
        ProgressReport.objects.filter(CURRENT, project=project, month=month)
        .select_related("submitted_by", "reviewed_by", "supersedes")
        .first()
    )


def list_project_reports(*, user, project: Project):
    """A project's current reports, newest month first (the progress tab); versions through ``report_versions``."""
    visible = Project.objects.visible_to(user).filter(pk=project.pk).exists()
    if not visible:
        return ProgressReport.objects.none()
    return (
        ProgressReport.objects.filter(CURRENT, project=project)
        .select_related("submitted_by", "reviewed_by")
        .prefetch_related("photos", "problems")
        .order_by("-month")
    )


def report_versions(report: ProgressReport) -> list[ProgressReport]:
    return list(
        ProgressReport.objects.filter(project_id=report.project_id, month=report.month)
        .select_related("submitted_by", "reviewed_by")
        .order_by("-version")
    )


def visible_reports(user):
    """Reports of the projects ``user`` sees (the API's list, the review queue)."""
    return ProgressReport.objects.filter(project__in=Project.objects.visible_to(user).values("pk"))


def ytd_subquery(month: dt.date):
    """The 1–N月累计 of an outer Project for ``month``: its latest current report of the year up to the month."""
    return Subquery(
        ProgressReport.objects.filter(
            CURRENT, project=OuterRef("pk"), month__gte=month.replace(month=1), month__lte=month
        )
        .order_by("-month")
        .values("year_to_date")[:1]
    )


def reported_exists(month: dt.date) -> Exists:
    return Exists(ProgressReport.objects.filter(CURRENT, project=OuterRef("pk"), month=month))


def previous_reports(project_id: int, month: dt.date, *, count: int) -> list[ProgressReport]:
    """The ``count`` current reports before ``month``, newest first (plausibility checks)."""
    return list(
        ProgressReport.objects.filter(CURRENT, project_id=project_id, month__lt=month).order_by("-month")[:count]
    )


def zero(value) -> Decimal:
    return value if value is not None else Decimal("0")
