"""Writes of the monthly cycle. Pages, the API, the sheet importer, commands and jobs all come through here.

Each service: keyword-only arguments, an explicit actor (a User, or None with an ``actor_label`` for commands and
jobs), one transaction, an audit event written inside it, the changed object returned. Notices are written in the
same transaction (they are rows, not e-mail); anything leaving the database goes in ``transaction.on_commit``.
"""

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import BooleanField, Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_noop

from kaigong.audit.choices import AuditAction
from kaigong.audit.services import diff, record_event, record_events, snapshot
from kaigong.core.exceptions import KaigongError, PermissionDeniedError, TransitionNotAllowed
from kaigong.progress import permissions, rules, selectors
from kaigong.progress.choices import (
    LEVEL_RANK,
    REPORT_TRANSITIONS,
    NoticeKind,
    ProblemKind,
    ProblemSource,
    ProgressEvent,
    ReportStatus,
    WarningLevel,
)
from kaigong.progress.measures import ProjectFacts, measure, months_between
from kaigong.progress.models import (
    Problem,
    ProgressNotice,
    ProgressReport,
    ProgressSettings,
    ProjectProgress,
    ReportPhoto,
    WarningPreset,
    first_of_month,
)
from kaigong.progress.photos import ProcessedPhoto
from kaigong.projects.models import Project
from kaigong.projects.services import update_project

REPORT_FIELDS = [
    "monthly_investment",
    "visible_progress",
    "visible_stage",
    "registered_in_statistics",
    "statistics_registered_on",
]
MAX_PROBLEMS = 20
MAX_PHOTOS = 12


class ReportError(KaigongError):
    """A report that cannot be written as asked (wrong month, locked, out of scope)."""


def _move(report: ProgressReport, status: str) -> None:
    if status not in REPORT_TRANSITIONS[report.status]:
        raise TransitionNotAllowed(
            gettext_noop("月报状态“%(from)s”不能变为“%(to)s”"),
            params={"from": report.get_status_display(), "to": ReportStatus(status).label},
        )
    report.status = status


def _check_month(project: Project, month: dt.date, today: dt.date, settings: ProgressSettings) -> None:
    if month > selectors.current_month(today):
        raise ReportError(gettext_noop("不能报送未来月份的进度"), field="month")
    opens = settings.window(month)[0]
    if today < opens:
        raise ReportError(
            gettext_noop("%(month)s的月报自%(opens)s起报送"),
            params={"month": f"{month:%Y-%m}", "opens": f"{opens:%Y-%m-%d}"},
            field="month",
        )
    if not Project.objects.filter(selectors.reporting_scope(month), pk=project.pk).exists():
        raise ReportError(
            gettext_noop("该项目%(month)s不在月报范围内(须为新开工、在建或当年竣工的项目,且已开工)"),
            params={"month": f"{month:%Y-%m}"},
            field="month",
        )


def _problem_list(problems: Iterable) -> list[tuple[str, str]]:
    """Normalise problems given as text or (kind, text) pairs; blank ones are dropped."""
    result = []
    for entry in problems or ():
        kind, text = (ProblemKind.OTHER, entry) if isinstance(entry, str) else entry
        text = (text or "").strip()
        if not text:
            continue
        if kind not in ProblemKind.values:
            raise ReportError(gettext_noop("问题类型“%(kind)s”不存在"), params={"kind": kind}, field="problems")
        if len(text) > 1000:
            raise ReportError(gettext_noop("每条问题不超过1000字"), field="problems")
        result.append((kind, text))
    if len(result) > MAX_PROBLEMS:
        raise ReportError(gettext_noop("每份月报最多 %(max)s 条问题"), params={"max": MAX_PROBLEMS}, field="problems")
    return result


def _set_report_fields(report: ProgressReport, data: dict, settings: ProgressSettings) -> None:
    for name in REPORT_FIELDS:
        if name in data:
            setattr(report, name, data[name])
    if report.monthly_investment is None:
        raise ReportError(gettext_noop("请填写本月完成投资"), field="monthly_investment")
    report.visible_progress = (report.visible_progress or "").strip()
    if report.visible_stage and report.visible_stage not in settings.visible_stages:
        raise ReportError(
            gettext_noop("形象进度阶段“%(stage)s”不在设置的列表中"),
            params={"stage": report.visible_stage},
            field="visible_stage",
        )
    if report.statistics_registered_on and not report.registered_in_statistics:
        report.registered_in_statistics = True


def _add_photos(report: ProgressReport, photos: Sequence[ProcessedPhoto], actor) -> list[ReportPhoto]:
    if report.photos.count() + len(photos) > MAX_PHOTOS:
        raise ReportError(gettext_noop("每份月报最多 %(max)s 张照片"), params={"max": MAX_PHOTOS}, field="photos")
    saved = []
    for photo in photos:
        row = ReportPhoto(
            report=report,
            original_name=photo.filename[:255],
            original_format=photo.original_format,
            width=photo.width,
            height=photo.height,
            taken_at=photo.taken_at,
            latitude=photo.latitude,
            longitude=photo.longitude,
            sha256=photo.sha256,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        stem = photo.sha256[:16]
        row.image.save(f"{stem}.{photo.image_ext}", ContentFile(photo.image_bytes), save=False)
        row.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(photo.thumbnail_bytes), save=False)
        row.save()
        saved.append(row)
    return saved


def _raise_problems(report: ProgressReport, problems: list[tuple[str, str]], actor, actor_label: str) -> None:
    now = timezone.now()
    for kind, text in problems:
        Problem.objects.create(
            project=report.project,
            report=report,
            source=ProblemSource.REPORT,
            kind=kind,
            description=text,
            raised_by=actor if getattr(actor, "is_authenticated", False) else None,
            raised_by_label=actor_label or str(actor or ""),
            raised_at=now,
        )


def recount_cumulatives(project: Project, *, since: dt.date | None = None) -> None:
    """Recompute 1–N月累计 and 开工以来累计 of the project's current reports (from ``since`` on): a report's figures
    follow from the months before it, so changing one month changes every later one."""
    opening = ProjectProgress.objects.filter(project=project).values_list("opening_cumulative", "opening_month").first()
    opening_amount, opening_month = opening or (Decimal("0"), None)
    reports = list(ProgressReport.objects.filter(selectors.CURRENT, project=project).order_by("month"))
    changed = []
    year, year_total, since_start = None, Decimal("0"), opening_amount
    for report in reports:
        if report.month.year != year:
            year, year_total = report.month.year, Decimal("0")
        year_total += report.monthly_investment
        if opening_month is None or report.month > opening_month:
            since_start += report.monthly_investment
        figures = (year_total, since_start if opening_month is None or report.month > opening_month else opening_amount)
        if since is not None and report.month < since:
            continue
        if (report.year_to_date, report.since_start) != figures:
            report.year_to_date, report.since_start = figures
            changed.append(report)
    ProgressReport.objects.bulk_update(changed, ["year_to_date", "since_start"])


def plausibility_checks(report: ProgressReport, settings: ProgressSettings) -> list[dict]:
    """Warnings that do not block (the office checks the figure): year to date above the annual plan, cumulative above
    the total investment, a month far above the project's usual, no progress for several months. Each is
    ``{"code", "params"}``; ``plausibility_message`` words it."""
    project = report.project
    warnings = []
    if project.annual_planned_investment and report.year_to_date > project.annual_planned_investment:
        warnings.append(
            {
                "code": "ytd_above_plan",
                "params": {"ytd": str(report.year_to_date), "plan": str(project.annual_planned_investment)},
            }
        )
    if project.total_investment and report.since_start > project.total_investment:
        warnings.append(
            {
                "code": "cumulative_above_total",
                "params": {"cumulative": str(report.since_start), "total": str(project.total_investment)},
            }
        )
    earlier = selectors.previous_reports(project.pk, report.month, count=max(settings.stalled_months, 6))
    amounts = [r.monthly_investment for r in earlier if r.monthly_investment > 0]
    if len(amounts) >= 2:
        usual = sum(amounts) / len(amounts)
        if report.monthly_investment > usual * settings.unusual_month_factor:
            warnings.append(
                {
                    "code": "unusual_month",
                    "params": {"amount": str(report.monthly_investment), "usual": str(usual.quantize(Decimal("0.01")))},
                }
            )
    window = [report, *earlier[: settings.stalled_months - 1]]
    consecutive = all(months_between(b.month, a.month) == 1 for a, b in itertools.pairwise(window))
    if (
        project.stage in selectors.IN_CONSTRUCTION
        and len(window) == settings.stalled_months
        and consecutive
        and all(r.monthly_investment == 0 for r in window)
        and len({r.visible_progress for r in window}) == 1
    ):
        warnings.append({"code": "stalled", "params": {"months": settings.stalled_months}})
    return warnings


PLAUSIBILITY_MESSAGES = {
    "ytd_above_plan": gettext_noop("1–N月累计完成投资 %(ytd)s 万元超过年度计划投资 %(plan)s 万元,请核实"),
    "cumulative_above_total": gettext_noop("开工以来累计完成投资 %(cumulative)s 万元超过总投资 %(total)s 万元,请核实"),
    "unusual_month": gettext_noop("本月完成投资 %(amount)s 万元远高于该项目以往月均 %(usual)s 万元,请核实"),
    "stalled": gettext_noop("在建项目连续 %(months)s 个月无投资、形象进度无变化,请核实"),
}


def _refresh_plausibility(report: ProgressReport, settings: ProgressSettings) -> None:
    report.refresh_from_db(fields=["year_to_date", "since_start"])
    report.plausibility = plausibility_checks(report, settings)
    report.save(update_fields=["plausibility"])


@transaction.atomic
def submit_report(
    *,
    project: Project,
    month: dt.date,
    data: dict,
    problems: Iterable = (),
    photos: Sequence[ProcessedPhoto] = (),
    actor=None,
    actor_label: str = "",
    today: dt.date | None = None,
) -> ProgressReport:
    """Report (or report again) a project's month: a new report, or the edit of one not yet accepted (a returned
    report goes back to review). An accepted report is locked: use ``correct_report``."""
    if actor is not None and not permissions.can_report(actor, project):
        raise PermissionDeniedError(gettext_noop("您无权报送该项目的月度进度"))
    month = first_of_month(month)
    today = today or timezone.localdate()
    settings = selectors.get_settings()
    _check_month(project, month, today, settings)
    problems = _problem_list(problems)
    report = ProgressReport.objects.select_for_update().filter(selectors.CURRENT, project=project, month=month).first()
    now = timezone.now()
    if report is None:
        report = ProgressReport(project=project, month=month)
        before, code, action = {}, ProgressEvent.SUBMITTED, AuditAction.CREATE
    elif report.status == ReportStatus.ACCEPTED:
        raise ReportError(gettext_noop("该月报已审核锁定,如需修改请提交更正并说明原因"))
    else:
        before = snapshot(report, REPORT_FIELDS)
        code, action = ProgressEvent.RESUBMITTED, AuditAction.UPDATE
        if report.status == ReportStatus.RETURNED:
            _move(report, ReportStatus.SUBMITTED)
    _set_report_fields(report, data, settings)
    report.is_late = today > settings.window(month)[1]
    report.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
    report.submitted_at = now
    report.return_reason = ""
    report.full_clean()
    report.save()
    recount_cumulatives(project, since=month)
    _refresh_plausibility(report, settings)
    _add_photos(report, photos, actor)
    _raise_problems(report, problems, actor, actor_label)
    changes = diff(before, snapshot(report, REPORT_FIELDS)) if before else snapshot(report, REPORT_FIELDS)
    if problems:
        changes["problems"] = [text for _kind, text in problems]
    if photos:
        changes["photos"] = [photo.filename for photo in photos]
    record_event(
        action=action,
        actor=actor,
        actor_label=actor_label,
        obj=report,
        project=project,
        changes=changes,
        code=code,
        note=gettext_noop("逾期报送") if report.is_late else "",
    )
    return report


@transaction.atomic
def correct_report(
    *,
    report: ProgressReport,
    reason: str,
    data: dict,
    problems: Iterable = (),
    photos: Sequence[ProcessedPhoto] = (),
    actor=None,
    actor_label: str = "",
) -> ProgressReport:
    """A correction after acceptance: a new version, with the reason, back to review; the accepted one is kept."""
    report = ProgressReport.objects.select_for_update().select_related("project").get(pk=report.pk)
    project = report.project
    if actor is not None and not permissions.can_report(actor, project):
        raise PermissionDeniedError(gettext_noop("您无权报送该项目的月度进度"))
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(gettext_noop("更正已审核的月报须说明原因"), field="reason")
    if report.status != ReportStatus.ACCEPTED:
        raise ReportError(gettext_noop("只有已审核的月报需要更正;未审核的月报可直接修改"))
    settings = selectors.get_settings()
    problems = _problem_list(problems)
    before = snapshot(report, REPORT_FIELDS)
    _move(report, ReportStatus.SUPERSEDED)
    report.save(update_fields=["status", "updated_at"])
    new = ProgressReport(
        project=project,
        month=report.month,
        version=report.version + 1,
        supersedes=report,
        correction_reason=reason[:300],
        is_late=report.is_late,
        **{name: getattr(report, name) for name in REPORT_FIELDS},
    )
    _set_report_fields(new, data, settings)
    new.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
    new.submitted_at = timezone.now()
    new.full_clean()
    new.save()
    for photo in report.photos.all():  # the same files: a correction changes figures, not the site's pictures
        photo.pk, photo.report = None, new
        photo.save()
    recount_cumulatives(project, since=new.month)
    _refresh_plausibility(new, settings)
    _add_photos(new, photos, actor)
    _raise_problems(new, problems, actor, actor_label)
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=new,
        project=project,
        changes={"version": [report.version, new.version], **diff(before, snapshot(new, REPORT_FIELDS))},
        code=ProgressEvent.CORRECTED,
        note=reason,
    )
    return new


def _reviewable(report: ProgressReport, actor) -> ProgressReport:
    report = ProgressReport.objects.select_for_update().select_related("project").get(pk=report.pk)
    settings = selectors.get_settings()
    if actor is not None and not permissions.can_review(actor, report.project, reviewer=settings.reviewer):
        raise PermissionDeniedError(gettext_noop("您无权审核该月报"))
    return report


@transaction.atomic
def accept_report(*, report: ProgressReport, actor=None, actor_label: str = "", note: str = "") -> ProgressReport:
    """Accept (审核通过) a submitted report: it is locked, and the project's light is recomputed for its month."""
    report = _reviewable(report, actor)
    _move(report, ReportStatus.ACCEPTED)
    report.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    report.reviewed_at = timezone.now()
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=report,
        project=report.project,
        changes={"status": [ReportStatus.SUBMITTED, ReportStatus.ACCEPTED]},
        code=ProgressEvent.ACCEPTED,
        note=note[:500],
    )
    _register_in_statistics(report, actor)
    # Lit for the month it reports, or for a later month the project was already measured in (a correction of
    # September accepted in November keeps November's light, recomputed with the corrected figures).
    measured = ProjectProgress.objects.filter(project_id=report.project_id).values_list("measured_month", flat=True)
    month = max(report.month, measured.first() or report.month)
    refresh_lights(month=month, project_ids=[report.project_id], actor=actor, actor_label=actor_label)
    return report


def _register_in_statistics(report: ProgressReport, actor) -> None:
    """An accepted report that says the project is registered in the statistics (入库纳统, "先入库，后有数") registers
    the project, through the projects service (audited there, its change announced, so its light follows)."""
    project = Project.objects.get(pk=report.project_id)
    if not report.registered_in_statistics or project.registered_in_statistics:
        return
    update_project(
        project=project,
        data={
            "registered_in_statistics": True,
            "statistics_registered_on": report.statistics_registered_on or report.month,
        },
        actor=None,  # the reviewer accepted the report; the project's own editors are others
        actor_label=str(actor) if actor is not None else "",
        note="月报审核通过:已入库纳统",
    )


@transaction.atomic
def return_report(*, report: ProgressReport, reason: str, actor=None, actor_label: str = "") -> ProgressReport:
    """Return (退回) a submitted report with the reason; those who report for the project are told."""
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(gettext_noop("退回月报须说明原因"), field="reason")
    report = _reviewable(report, actor)
    _move(report, ReportStatus.RETURNED)
    report.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    report.reviewed_at = timezone.now()
    report.return_reason = reason[:300]
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "return_reason", "updated_at"])
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=report,
        project=report.project,
        changes={"status": [ReportStatus.SUBMITTED, ReportStatus.RETURNED]},
        code=ProgressEvent.RETURNED,
        note=reason,
    )
    recipients = permissions.report_recipients([report.project]).get(report.project_id, set())
    if report.submitted_by_id:
        recipients.add(report.submitted_by_id)
    _notify(
        recipients,
        project_id=report.project_id,
        month=report.month,
        kind=NoticeKind.RETURNED,
        detail=reason[:500],
        fresh=True,
    )
    return report


def _notify(recipients, *, project_id: int, month: dt.date, kind: str, level: str = "", detail: str = "", fresh=False):
    """One notice per person (unique per person, project, month, kind and level; ``fresh`` replaces an earlier one,
    so a report returned twice is told twice)."""
    if fresh:
        ProgressNotice.objects.filter(
            recipient_id__in=recipients, project_id=project_id, month=month, kind=kind, level=level
        ).delete()
    ProgressNotice.objects.bulk_create(
        [
            ProgressNotice(recipient_id=pk, project_id=project_id, month=month, kind=kind, level=level, detail=detail)
            for pk in sorted(recipients)
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def raise_problem(
    *,
    project: Project,
    description: str,
    kind: str = ProblemKind.OTHER,
    source: str = ProblemSource.DEPARTMENT,
    report: ProgressReport | None = None,
    actor=None,
    actor_label: str = "",
) -> Problem:
    """Record a problem a project needs help with (存在问题及需协调事项), for the dispatch work to pick up."""
    if actor is not None and not permissions.can_report(actor, project):
        raise PermissionDeniedError(gettext_noop("您无权为该项目反映问题"))
    ((kind, text),) = _problem_list([(kind, description)]) or [(kind, "")]
    if not text:
        raise ReportError(gettext_noop("请填写问题及需协调事项"), field="description")
    if source not in ProblemSource.values:
        raise ReportError(gettext_noop("问题来源“%(source)s”不存在"), params={"source": source}, field="source")
    problem = Problem.objects.create(
        project=project,
        report=report,
        source=source,
        kind=kind,
        description=text,
        raised_by=actor if getattr(actor, "is_authenticated", False) else None,
        raised_by_label=actor_label or str(actor or ""),
        raised_at=timezone.now(),
    )
    record_event(
        action=AuditAction.CREATE,
        actor=actor,
        actor_label=actor_label,
        obj=problem,
        project=project,
        changes={"description": [None, text], "kind": [None, kind], "source": [None, source]},
        code=ProgressEvent.PROBLEM_RAISED,
    )
    return problem


@transaction.atomic
def add_report_photos(
    *, report: ProgressReport, photos: Sequence[ProcessedPhoto], actor=None, actor_label: str = ""
) -> list[ReportPhoto]:
    """Add site photos to a report not yet accepted (an accepted report is locked)."""
    report = ProgressReport.objects.select_for_update().select_related("project").get(pk=report.pk)
    if actor is not None and not permissions.can_report(actor, report.project):
        raise PermissionDeniedError(gettext_noop("您无权报送该项目的月度进度"))
    if report.status not in (ReportStatus.SUBMITTED, ReportStatus.RETURNED):
        raise ReportError(gettext_noop("该月报已审核锁定,如需修改请提交更正并说明原因"))
    saved = _add_photos(report, photos, actor)
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=report,
        project=report.project,
        changes={"photos": [None, [photo.original_name for photo in saved]]},
        code=ProgressEvent.PHOTO_ADDED,
    )
    return saved


@transaction.atomic
def remove_report_photo(*, photo: ReportPhoto, actor=None, actor_label: str = "") -> None:
    report = ProgressReport.objects.select_for_update().select_related("project").get(pk=photo.report_id)
    if actor is not None and not permissions.can_report(actor, report.project):
        raise PermissionDeniedError(gettext_noop("您无权报送该项目的月度进度"))
    if report.status not in (ReportStatus.SUBMITTED, ReportStatus.RETURNED):
        raise ReportError(gettext_noop("该月报已审核锁定,如需修改请提交更正并说明原因"))
    name = photo.original_name
    photo.delete()  # the files stay: an earlier version may show them
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=report,
        project=report.project,
        changes={"photos": [name, None]},
        code=ProgressEvent.PHOTO_REMOVED,
    )


@transaction.atomic
def set_opening_balance(
    *, project: Project, amount: Decimal, month: dt.date | None, actor=None, actor_label: str = ""
) -> ProjectProgress:
    """开工以来累计 before Kaigong's first report (a 续建 project started years ago), up to ``month`` inclusive."""
    if actor is not None and not permissions.can_configure_progress(actor):
        raise PermissionDeniedError()
    if amount is None or amount < 0:
        raise ReportError(gettext_noop("期初累计完成投资不能为负数"), field="opening_cumulative")
    state, _created = ProjectProgress.objects.select_for_update().get_or_create(project=project)
    before = snapshot(state, ["opening_cumulative", "opening_month"])
    state.opening_cumulative = amount
    state.opening_month = first_of_month(month) if month else None
    state.full_clean()
    state.save(update_fields=["opening_cumulative", "opening_month"])
    recount_cumulatives(project)
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=project,
        project=project,
        changes=diff(before, snapshot(state, ["opening_cumulative", "opening_month"])),
        code=ProgressEvent.OPENING_SET,
    )
    return state


SETTINGS_FIELDS = [
    "window_opens_on_day",
    "window_closes_on_day",
    "remind_days_before_close",
    "time_progress_counts_reporting_month",
    "reviewer",
    "visible_stages",
    "unusual_month_factor",
    "stalled_months",
]


@transaction.atomic
def update_settings(*, data: dict, actor=None, actor_label: str = "") -> ProgressSettings:
    if actor is not None and not permissions.can_configure_progress(actor):
        raise PermissionDeniedError()
    settings, _created = ProgressSettings.objects.select_for_update().get_or_create(pk=1)
    before = snapshot(settings, SETTINGS_FIELDS)
    for name in SETTINGS_FIELDS:
        if name in data:
            setattr(settings, name, data[name])
    settings.full_clean()
    settings.save()
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=settings,
        changes=diff(before, snapshot(settings, SETTINGS_FIELDS)),
        code=ProgressEvent.SETTINGS_CHANGED,
    )
    return settings


@transaction.atomic
def save_preset(
    *,
    preset: WarningPreset | None = None,
    code: str,
    name: str,
    description: str = "",
    rule_list: list,
    actor=None,
    actor_label: str = "",
) -> WarningPreset:
    """Create or change a warning preset; its rules are validated (every error with its path) before saving."""
    if actor is not None and not permissions.can_configure_progress(actor):
        raise PermissionDeniedError()
    if preset is None:
        preset, before, action = WarningPreset(), {}, AuditAction.CREATE
    else:
        preset = WarningPreset.objects.select_for_update().get(pk=preset.pk)
        before, action = snapshot(preset, ["code", "name", "description", "rules"]), AuditAction.UPDATE
    preset.code, preset.name, preset.description, preset.rules = code, name, description, rule_list
    preset.full_clean()
    preset.save()
    record_event(
        action=action,
        actor=actor,
        actor_label=actor_label,
        obj=preset,
        changes=diff(before, snapshot(preset, ["code", "name", "description", "rules"])),
        code=ProgressEvent.PRESET_CHANGED,
    )
    return preset


@transaction.atomic
def activate_preset(*, preset: WarningPreset, actor=None, actor_label: str = "") -> ProgressSettings:
    """Switch the lights to ``preset``; they are recomputed at the next refresh (the page offers one at once)."""
    if actor is not None and not permissions.can_configure_progress(actor):
        raise PermissionDeniedError()
    settings, _created = ProgressSettings.objects.select_for_update().get_or_create(pk=1)
    before = settings.active_preset.code if settings.active_preset_id else None
    settings.active_preset = preset
    settings.save(update_fields=["active_preset", "updated_at"])
    record_event(
        action=AuditAction.UPDATE,
        actor=actor,
        actor_label=actor_label,
        obj=settings,
        changes={"active_preset": [before, preset.code]},
        code=ProgressEvent.PRESET_ACTIVATED,
    )
    return settings


# --- lights ----------------------------------------------------------------------------------------------------


LIGHT_FIELDS = [
    "warning_level",
    "warning_reasons",
    "measured_month",
    "year_to_date",
    "completion_rate",
    "time_progress",
    "gap_points",
    "light_changed_at",
    "computed_at",
]
BATCH = 2000


def _facts_rows(month: dt.date, project_ids, today: dt.date, settings: ProgressSettings):
    """Per project in the light scope: the project's own values and its facts for ``month``, read in batches."""
    queryset = Project.objects.filter(selectors.light_scope(month))
    if project_ids is not None:
        queryset = queryset.filter(pk__in=list(project_ids))
    queryset = (
        queryset.annotate(
            ytd=selectors.ytd_subquery(month),
            reported=selectors.reported_exists(month),
            owes=_flag(selectors.reporting_scope(month)),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "stage",
            "annual_planned_investment",
            "planned_start_date",
            "actual_start_date",
            "registered_in_statistics",
            "statistics_registered_on",
            "ytd",
            "reported",
            "owes",
            "responsible_department_id",
            "liaison_leader",
        )
    )
    window_closed = today > settings.window(month)[1]
    for row in queryset.iterator(chunk_size=BATCH):
        pk, stage, plan, planned, actual, registered, registered_on, ytd, reported, owes, dept, leader = row
        yield (
            pk,
            stage,
            dept,
            leader,
            ProjectFacts(
                month=month,
                stage=stage,
                annual_plan=plan,
                year_to_date=ytd,
                reported=reported,
                in_reporting_scope=bool(owes),
                window_closed=window_closed,
                planned_start=planned,
                actual_start=actual,
                started=stage not in selectors.NOT_STARTED,
                registered_in_statistics=registered,
                statistics_registered_on=registered_on,
            ),
        )


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


@transaction.atomic
def refresh_lights(
    *,
    month: dt.date,
    project_ids: Iterable[int] | None = None,
    actor=None,
    actor_label: str = "",
    today: dt.date | None = None,
) -> dict:
    """Recompute the lights of ``month`` (all projects in its light scope, or ``project_ids``) under the active preset.

    A project whose level changes gets an audit event; one that turns yellow or red (or redder) makes a notice for its
    responsible department's officers and its liaison leader. Projects that left the scope lose their light. Returns
    counts: {"projects", "changed", "green", "yellow", "red", "notices"}."""
    month = first_of_month(month)
    today = today or timezone.localdate()
    settings = selectors.get_settings()
    _preset, rule_list = selectors.active_rules(settings)
    now = timezone.now()
    states = {
        state.project_id: state
        for state in ProjectProgress.objects.filter(
            **({"project_id__in": list(project_ids)} if project_ids is not None else {})
        )
    }
    if project_ids is not None:
        project_ids = list(project_ids)
    seen, to_create, to_update, events, worsened = set(), [], [], [], []
    counts = {"projects": 0, "changed": 0, "green": 0, "yellow": 0, "red": 0, "notices": 0}
    for pk, stage, dept, leader, facts in _facts_rows(month, project_ids, today, settings):
        seen.add(pk)
        measures = measure(facts, counts_reporting_month=settings.time_progress_counts_reporting_month)
        level, reasons = rules.light(rule_list, measures.facts(stage))
        counts["projects"] += 1
        counts[level] += 1
        state = states.get(pk)
        if state is None:
            state = ProjectProgress(project_id=pk)
            to_create.append(state)
        else:
            to_update.append(state)
        before = state.warning_level
        state.warning_level, state.warning_reasons = level, reasons
        state.measured_month, state.year_to_date = month, measures.year_to_date
        state.completion_rate, state.time_progress = measures.completion_rate, measures.time_progress
        state.gap_points, state.computed_at = measures.gap_points, now
        if before != level:
            state.light_changed_at = now
            counts["changed"] += 1
            events.append(
                {
                    "action": AuditAction.UPDATE,
                    "actor": actor,
                    "actor_label": actor_label,
                    "project": Project(pk=pk),
                    "changes": {"warning_level": [before or None, level], "month": f"{month:%Y-%m}"},
                    "code": ProgressEvent.LIGHT_CHANGED,
                    "note": "；".join(reason["label"] for reason in reasons)[:500],
                }
            )
            if LEVEL_RANK[level] > max(LEVEL_RANK[before], LEVEL_RANK[WarningLevel.GREEN]):
                worsened.append((pk, dept, leader, level, reasons))
    left = [state for pk, state in states.items() if pk not in seen and state.warning_level]
    for state in left:  # out of the scope now (completed last year, withdrawn, paused): no light
        events.append(
            {
                "action": AuditAction.UPDATE,
                "actor": actor,
                "actor_label": actor_label,
                "project": Project(pk=state.project_id),
                "changes": {"warning_level": [state.warning_level, None], "month": f"{month:%Y-%m}"},
                "code": ProgressEvent.LIGHT_CHANGED,
            }
        )
        state.warning_level, state.warning_reasons, state.light_changed_at, state.computed_at = "", [], now, now
        to_update.append(state)
    ProjectProgress.objects.bulk_create(to_create, batch_size=BATCH)
    ProjectProgress.objects.bulk_update(to_update, LIGHT_FIELDS, batch_size=BATCH)
    record_events(events)
    counts["notices"] = _light_notices(worsened, month)
    return counts


def _light_notices(worsened: list, month: dt.date) -> int:
    if not worsened:
        return 0
    projects = [
        Project(pk=pk, responsible_department_id=dept, liaison_leader=leader) for pk, dept, leader, *_ in worsened
    ]
    recipients = permissions.light_recipients(projects)
    notices = [
        ProgressNotice(
            recipient_id=user_id,
            project_id=pk,
            month=month,
            kind=NoticeKind.LIGHT,
            level=level,
            detail="；".join(reason["label"] for reason in reasons)[:500],
        )
        for pk, _dept, _leader, level, reasons in worsened
        for user_id in sorted(recipients.get(pk, ()))
    ]
    ProgressNotice.objects.bulk_create(notices, batch_size=BATCH, ignore_conflicts=True)
    return len(notices)


@transaction.atomic
def send_reminders(*, month: dt.date | None = None, today: dt.date | None = None) -> int:
    """催报: in the last days before the close (ProgressSettings.remind_days_before_close), a notice to whoever owes a
    report that is still missing. Once per person, project and month; returns how many notices were made."""
    today = today or timezone.localdate()
    month = first_of_month(month or today)
    settings = selectors.get_settings()
    _opens, closes = settings.window(month)
    if not (closes - dt.timedelta(days=settings.remind_days_before_close) <= today <= closes):
        return 0
    missing = list(
        Project.objects.filter(selectors.reporting_scope(month))
        .exclude(pk__in=ProgressReport.objects.filter(selectors.CURRENT, month=month).values("project_id"))
        .only("pk", "owner_id", "responsible_department_id")
    )
    recipients = permissions.report_recipients(missing)
    notices = [
        ProgressNotice(
            recipient_id=user_id, project_id=project.pk, month=month, kind=NoticeKind.REMINDER, detail=f"{closes:%m-%d}"
        )
        for project in missing
        for user_id in sorted(recipients.get(project.pk, ()))
    ]
    before = ProgressNotice.objects.filter(kind=NoticeKind.REMINDER, month=month).count()
    ProgressNotice.objects.bulk_create(notices, batch_size=BATCH, ignore_conflicts=True)
    return ProgressNotice.objects.filter(kind=NoticeKind.REMINDER, month=month).count() - before


@transaction.atomic
def mark_notices_read(*, user, notice_ids: Iterable[int] | None = None) -> int:
    queryset = ProgressNotice.objects.filter(recipient=user, read_at__isnull=True)
    if notice_ids is not None:
        queryset = queryset.filter(pk__in=list(notice_ids))
    return queryset.update(read_at=timezone.now())


LIGHT_INPUTS = (
    "stage",
    "annual_planned_investment",
    "planned_start_date",
    "actual_start_date",
    "actual_completion_date",
    "registered_in_statistics",
    "statistics_registered_on",
)


def follow_changed_projects(change) -> None:
    """The project-change handler: projects already lit whose light inputs changed are lit again for the month they
    were measured in, inside the change's transaction (their audit events and notices commit or roll back with it).
    Projects not yet lit wait for the monthly job, which lights the whole scope."""
    projects = change.changed(*LIGHT_INPUTS)
    if not projects:
        return
    by_month: dict[dt.date, list[int]] = {}
    for project_id, month in ProjectProgress.objects.filter(
        project_id__in=[project.pk for project in projects], measured_month__isnull=False
    ).values_list("project_id", "measured_month"):
        by_month.setdefault(month, []).append(project_id)
    for month, project_ids in sorted(by_month.items()):
        refresh_lights(month=month, project_ids=project_ids, actor=change.actor, actor_label=change.label)
