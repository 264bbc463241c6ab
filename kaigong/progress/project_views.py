"""A project's progress pages (月度进度): its light and this year's measures, its monthly curve against the plan, its
reports with their versions, photos and problems; the monthly report form (报送, or 更正 once accepted); the review
actions on a report; the site photos, served only to those who see the project.

Reads start from Project.objects.visible_to (a project the user does not see is a 404, like one that does not exist);
writes go through progress.services, whose PermissionDeniedError answers the 403 page (core.middleware).
"""

import datetime as dt
import mimetypes
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kaigong.core.exceptions import KaigongError, PermissionDeniedError
from kaigong.core.forms import add_service_error, service_error_message
from kaigong.core.money import format_wan
from kaigong.progress import measures, permissions, selectors, services
from kaigong.progress.choices import ProblemKind, ReportStatus
from kaigong.progress.forms import OpeningBalanceForm, ReportForm, parse_month
from kaigong.progress.models import ProgressReport, ProjectProgress, ReportPhoto
from kaigong.progress.photos import PhotoError, process_photo
from kaigong.projects.models import Project

REPORTABLE_SPAN = 24  # months offered in the report form's month choice, back from the current month
WAN = Decimal("0.01")
TWELVE = Decimal(12)
NOT_REPORTER = gettext_noop("您无权报送该项目的月度进度")


def _project(user, pk: int) -> Project:
    queryset = Project.objects.visible_to(user).select_related("category", "level", "owner", "responsible_department")
    return get_object_or_404(queryset, pk=pk)


def _state(project: Project) -> ProjectProgress | None:
    return ProjectProgress.objects.filter(project=project).first()


def _shift(month: dt.date, months: int) -> dt.date:
    index = measures.month_index(month) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_label(month: dt.date) -> str:
    return _("%(year)s年%(month)s月") % {"year": month.year, "month": month.month}


def _back(request, default: str) -> str:
    """Where a POST came from (its ``next``), if it is a page of this site; else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _warnings(report: ProgressReport) -> list[str]:
    """The report's plausibility warnings worded in the page's language."""
    worded = []
    for warning in report.plausibility or []:
        msgid = services.PLAUSIBILITY_MESSAGES.get(warning.get("code"))
        if msgid:
            worded.append(_(msgid) % warning.get("params", {}))
    return worded


# --- the progress page -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    """This year's measures of one project, as the progress page shows them."""

    year: int
    plan: Decimal
    month: dt.date | None  # the latest month reported in the year: the N of 1–N月
    year_to_date: Decimal | None
    completion_percent: Decimal | None
    time_progress_percent: Decimal | None
    gap_points: Decimal | None
    since_start: Decimal | None

    @property
    def gap_sentence(self) -> str:
        if self.gap_points is None:
            return ""
        if self.gap_points > 0:
            return _("超序时进度%(points)s个百分点") % {"points": self.gap_points}
        if self.gap_points < 0:
            return _("低于序时进度%(points)s个百分点") % {"points": -self.gap_points}
        return _("与序时进度持平")

    @property
    def period(self) -> str:
        if self.month is None:
            return ""
        return _("1–%(month)s月累计") % {"month": self.month.month}


def _year_figures(project, year, reports, state, settings) -> YearFigures:
    plan = project.annual_planned_investment or Decimal("0")
    last = max(reports, key=lambda report: report.month, default=None)
    if last is None:
        since = state.opening_cumulative if state is not None and state.opening_cumulative else None
        return YearFigures(year, plan, None, None, None, None, None, since)
    rate = measures.completion_rate(last.year_to_date, plan)
    progress = measures.time_progress(last.month, counts_reporting_month=settings.time_progress_counts_reporting_month)
    return YearFigures(
        year=year,
        plan=plan,
        month=last.month,
        year_to_date=last.year_to_date,
        completion_percent=measures.as_percent(rate),
        time_progress_percent=measures.as_percent(progress),
        gap_points=measures.gap_points(rate, progress),
        since_start=last.since_start,
    )


def _curve(year: int, plan: Decimal, reports) -> dict:
    """The chart's data: each month's investment (bars), the cumulative actual up to the last month reported, and the
    plan line (annual plan × N/12), all in 万元 as strings (exact decimals; the script reads them as numbers)."""
    by_month = {report.month.month: report for report in reports}
    last = max(by_month, default=0)
    monthly, cumulative, planned, rows = [], [], [], []
    running = Decimal("0")
    for number in range(1, 13):
        report = by_month.get(number)
        if report is not None:
            running = report.year_to_date
        plan_line = (plan * number / TWELVE).quantize(WAN, ROUND_HALF_UP)
        monthly.append(str(report.monthly_investment) if report is not None else None)
        cumulative.append(str(running) if number <= last else None)
        planned.append(str(plan_line))
        rows.append(
            {
                "label": _("%(month)s月") % {"month": number},
                "monthly": report.monthly_investment if report is not None else None,
                "cumulative": running if number <= last else None,
                "planned": plan_line,
            }
        )
    return {
        "chart": {
            "year": year,
            "months": [row["label"] for row in rows],
            "monthly": monthly,
            "cumulative": cumulative,
            "planned": planned,
            "labels": {
                "monthly": _("本月完成投资"),
                "cumulative": _("累计完成投资"),
                "planned": _("计划进度(年度计划×N/12)"),
                "unit": _("万元"),
            },
        },
        "rows": rows,
    }


def _with_history(project: Project, reports: list[ProgressReport]) -> None:
    """Give each current report its earlier versions (``history``, newest first), read in one query for all months."""
    months = [report.month for report in reports if report.version > 1]
    earlier = defaultdict(list)
    if months:
        for version in (
            ProgressReport.objects.filter(project=project, month__in=months, status=ReportStatus.SUPERSEDED)
            .select_related("submitted_by", "reviewed_by")
            .order_by("-version")
        ):
            earlier[version.month].append(version)
    for report in reports:
        report.history = [report, *earlier.get(report.month, [])] if report.version > 1 else []
        for version in report.history:
            version.warning_texts = _warnings(version)
        report.warning_texts = _warnings(report)


def _progress_context(request, project: Project, *, opening_form=None) -> dict:
    user = request.user
    settings = selectors.get_settings()
    today = timezone.localdate()
    years = {day.year for day in ProgressReport.objects.filter(project=project).dates("month", "year")}
    years.add(today.year)
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and int(year) in years else today.year
    reports = list(selectors.list_project_reports(user=user, project=project).filter(month__year=year))
    _with_history(project, reports)
    state = _state(project)
    can_configure = permissions.can_configure_progress(user)
    if can_configure and opening_form is None:
        opening_form = OpeningBalanceForm(
            initial={
                "opening_cumulative": state.opening_cumulative if state else "",
                "opening_month": f"{state.opening_month:%Y-%m}" if state and state.opening_month else "",
            }
        )
    figures = _year_figures(project, year, reports, state, settings)
    curve = _curve(year, figures.plan, reports)
    return {
        "project": project,
        "state": state,
        "light_reasons": state.warning_reasons if state and state.warning_level else [],
        "year": year,
        "years": sorted(years, reverse=True),
        "figures": figures,
        "chart": curve["chart"],
        "curve_rows": curve["rows"],
        "reports": reports,
        "can_report": permissions.can_report(user, project),
        "can_review": permissions.can_review(user, project, reviewer=settings.reviewer),
        "can_configure": can_configure,
        "opening_form": opening_form if can_configure else None,
        "latest_month": f"{_default_month(settings, today):%Y-%m}",
    }


@login_required
@require_GET
def project_progress(request, pk: int):
    project = _project(request.user, pk)
    return render(request, "progress/project/progress.html", _progress_context(request, project))


@login_required
@require_POST
def opening_balance(request, pk: int):
    project = _project(request.user, pk)
    if not permissions.can_configure_progress(request.user):
        raise PermissionDeniedError()
    form = OpeningBalanceForm(request.POST)
    if form.is_valid():
        try:
            services.set_opening_balance(
                project=project,
                amount=form.cleaned_data["opening_cumulative"],
                month=form.cleaned_data["opening_month"],
                actor=request.user,
            )
        except (KaigongError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("期初开工以来累计已保存,各月累计已重新计算。"))
            return redirect("progress:project", pk=project.pk)
    return render(request, "progress/project/progress.html", _progress_context(request, project, opening_form=form))


# --- the report form -------------------------------------------------------------------------------------------


def _default_month(settings, today: dt.date) -> dt.date:
    """The latest month open for reporting: this month once its window has opened, else last month (late)."""
    current = selectors.current_month(today)
    opens, _closes = settings.window(current)
    return current if today >= opens else _shift(current, -1)


def _reportable_months(project: Project, latest: dt.date) -> list[dt.date]:
    """The months (newest first, from the latest open for reporting back REPORTABLE_SPAN) for which the project owes a
    report, in one query."""
    months = [_shift(latest, -n) for n in range(REPORTABLE_SPAN)]
    flags = (
        Project.objects.filter(pk=project.pk)
        .values(
            **{
                f"m{n}": ExpressionWrapper(selectors.reporting_scope(month), output_field=BooleanField())
                for n, month in enumerate(months)
            }
        )
        .first()
    )
    return [month for n, month in enumerate(months) if flags and flags[f"m{n}"]]


def _month_choices(project: Project, months: list[dt.date], chosen: dt.date) -> list[dict]:
    statuses = dict(
        ProgressReport.objects.filter(selectors.CURRENT, project=project, month__in=months).values_list(
            "month", "status"
        )
    )
    if chosen not in months:
        months = sorted([*months, chosen], reverse=True)
    return [
        {
            "value": f"{month:%Y-%m}",
            "label": month_label(month),
            "status": ReportStatus(statuses[month]).label if month in statuses else _("未报送"),
            "selected": month == chosen,
        }
        for month in months
    ]


def _initial(report: ProgressReport | None, project: Project) -> dict:
    if report is None:
        return {
            "registered_in_statistics": project.registered_in_statistics,
            "statistics_registered_on": project.statistics_registered_on,
        }
    return {
        "monthly_investment": format_wan(report.monthly_investment, unit=False).replace(",", ""),
        "visible_progress": report.visible_progress,
        "visible_stage": report.visible_stage,
        "registered_in_statistics": report.registered_in_statistics,
        "statistics_registered_on": report.statistics_registered_on,
    }


def _processed_photos(form: ReportForm):
    """Every uploaded photo checked and cleaned; a refused one puts its name and reason on the field, and then nothing
    is saved (None)."""
    processed, refused = [], False
    for upload in form.cleaned_data.get("photos") or []:
        try:
            processed.append(process_photo(upload, filename=upload.name))
        except PhotoError as exc:
            refused = True
            form.add_error("photos", _("“%(name)s”:%(error)s") % {"name": upload.name, "error": exc.message_active})
    return None if refused else processed


def _saved_message(report: ProgressReport, corrected: bool) -> str:
    figures = {
        "month": month_label(report.month),
        "n": report.month.month,
        "ytd": format_wan(report.year_to_date, unit=False),
        "since": format_wan(report.since_start, unit=False),
    }
    text = _("%(month)s月报更正已提交,待重新审核。") if corrected else _("%(month)s月报已报送。")
    text = text % figures
    text += _("1–%(n)s月累计完成投资 %(ytd)s 万元,开工以来累计 %(since)s 万元。") % figures
    if report.is_late:
        text += _("本月报已过报送截止日,标记为逾期报送。")
    return text


@login_required
@require_GET
def report_latest(request, pk: int):
    """The report form of the month asked (``?month=2024-10``, the form's month choice) or of the latest month open."""
    project = _project(request.user, pk)
    month = parse_month(request.GET.get("month", "")) or _default_month(selectors.get_settings(), timezone.localdate())
    return redirect("progress:report", pk=project.pk, month=f"{month:%Y-%m}")


@login_required
@require_http_methods(["GET", "POST"])
def report_month(request, pk: int, month: str):
    project = _project(request.user, pk)
    month = parse_month(month)
    today = timezone.localdate()
    if month is None or month > selectors.current_month(today):
        raise Http404
    if not permissions.can_report(request.user, project):
        raise PermissionDeniedError(NOT_REPORTER)
    settings = selectors.get_settings()
    report = selectors.current_report(project, month)
    correction = report is not None and report.status == ReportStatus.ACCEPTED
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        visible_stages=settings.visible_stages,
        correction=correction,
        initial=_initial(report, project),
    )
    if request.method == "POST" and form.is_valid():
        photos = _processed_photos(form)
        if photos is not None:
            data = form.cleaned_data
            try:
                if correction:
                    saved = services.correct_report(
                        report=report,
                        reason=data["reason"],
                        data=form.service_data(),
                        problems=data["problems"],
                        photos=photos,
                        actor=request.user,
                    )
                else:
                    saved = services.submit_report(
                        project=project,
                        month=month,
                        data=form.service_data(),
                        problems=data["problems"],
                        photos=photos,
                        actor=request.user,
                    )
            except (KaigongError, ValidationError) as exc:
                add_service_error(form, exc)  # a refusal of permission answers 403
            else:
                messages.success(request, _saved_message(saved, correction))
                return redirect("progress:report", pk=project.pk, month=f"{month:%Y-%m}")
    if report is not None:
        report.warning_texts = _warnings(report)
    opens, closes = settings.window(month)
    months = _reportable_months(project, _default_month(settings, today))
    return render(
        request,
        "progress/project/report_form.html",
        {
            "project": project,
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "month_name": month_label(month),
            "month_choices": _month_choices(project, months, month),
            "in_scope": month in months,
            "report": report,
            "correction": correction,
            "form": form,
            "problem_kinds": ProblemKind.choices,
            "window_opens": opens,
            "window_closes": closes,
            "late": today > closes,
            "photos_deletable": report is not None and report.status in (ReportStatus.SUBMITTED, ReportStatus.RETURNED),
        },
    )


# --- review and photos ------------------------------------------------------------------------------------------


def _visible_report(user, pk: int) -> ProgressReport:
    return get_object_or_404(selectors.visible_reports(user).select_related("project"), pk=pk)


@login_required
@require_POST
def report_accept(request, pk: int):
    report = _visible_report(request.user, pk)
    try:
        services.accept_report(report=report, actor=request.user, note=request.POST.get("note", "").strip())
    except KaigongError as exc:
        if isinstance(exc, PermissionDeniedError):
            raise
        messages.error(request, service_error_message(exc))
    else:
        messages.success(request, _("%(month)s月报已审核通过。") % {"month": month_label(report.month)})
    return redirect(_back(request, reverse("progress:project", args=[report.project_id])))


@login_required
@require_POST
def report_return(request, pk: int):
    report = _visible_report(request.user, pk)
    try:
        services.return_report(report=report, reason=request.POST.get("reason", ""), actor=request.user)
    except KaigongError as exc:
        if isinstance(exc, PermissionDeniedError):
            raise
        messages.error(request, service_error_message(exc))
    else:
        messages.success(request, _("%(month)s月报已退回,报送单位会收到通知。") % {"month": month_label(report.month)})
    return redirect(_back(request, reverse("progress:project", args=[report.project_id])))


def _visible_photo(user, pk: int) -> ReportPhoto:
    photos = ReportPhoto.objects.filter(report__project__in=Project.objects.visible_to(user).values("pk"))
    return get_object_or_404(photos.select_related("report"), pk=pk)


@login_required
@require_POST
def photo_delete(request, pk: int):
    photo = _visible_photo(request.user, pk)
    report = photo.report
    name = photo.original_name
    try:
        services.remove_report_photo(photo=photo, actor=request.user)
    except KaigongError as exc:
        if isinstance(exc, PermissionDeniedError):
            raise
        messages.error(request, service_error_message(exc))
    else:
        messages.success(request, _("照片“%(name)s”已删除。") % {"name": name})
    default = reverse("progress:report", args=[report.project_id, f"{report.month:%Y-%m}"])
    return redirect(_back(request, default))


def _photo_response(request, pk: int, field: str):
    """A photo's file, to those who see its project only: media are not served publicly."""
    photo = _visible_photo(request.user, pk)
    stored = getattr(photo, field)
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(stored.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, filename=photo.original_name)
    patch_cache_control(response, private=True, max_age=3600)
    return response


@login_required
@require_GET
def photo_image(request, pk: int):
    return _photo_response(request, pk, "image")


@login_required
@require_GET
def photo_thumbnail(request, pk: int):
    return _photo_response(request, pk, "thumbnail")
