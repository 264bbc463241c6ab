"""The office's pages of the monthly cycle: the monthly view (headline figures, reporting status, review queue,
lights, aggregation table), the list behind each reporting-status number, the settings, the warning presets and the
notices.

Every figure starts from ``Project.objects.visible_to(user)`` narrowed by ProjectFilterSet, so a department sees its
own projects only and any filtered list gets the same figures. Writes go through progress.services; the queries of a
page are bounded whatever the number of projects (grouped counts, paged lists).
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaigong.accounts.choices import Role
from kaigong.core.exceptions import KaigongError
from kaigong.core.forms import add_service_error, service_error_message
from kaigong.core.money import format_yi, strip_zeros, wan_to_yi
from kaigong.core.pagination import DeferredJoinPaginator
from kaigong.progress import aggregations, measures, permissions, rules, selectors, services
from kaigong.progress.choices import ReportStatus, Reviewer, WarningLevel
from kaigong.progress.models import ProgressNotice, ProgressReport, ProjectProgress, WarningPreset
from kaigong.progress.office_forms import (
    GROUP_LABELS,
    GroupForm,
    ProgressSettingsForm,
    RefreshLightsForm,
    WarningPresetForm,
    parse_month,
)
from kaigong.projects.filters import ProjectFilterSet
from kaigong.projects.models import Project

PAGE_SIZE = 50
QUEUE_PAGE_SIZE = 20
LIGHTS_PAGE_SIZE = 20
DEFAULT_GROUP = "category"

# The reporting-status numbers, in the order the page shows them; each links to its list (report_status_list).
STATUSES = ("due", "reported", "on_time", "late", "submitted", "returned", "accepted", "not_reported")


def _status_labels() -> dict[str, str]:
    return {
        "due": _("应报"),
        "reported": _("已报"),
        "on_time": _("按时报送"),
        "late": _("逾期报送"),
        "submitted": _("待审核"),
        "returned": _("已退回"),
        "accepted": _("已审核"),
        "not_reported": _("未报送"),
    }


def _require_monthly_view(user) -> None:
    if not permissions.can_see_monthly_view(user):
        raise PermissionDenied(_("月度进度仅向政府部门开放"))


def _require_configure(user) -> None:
    if not permissions.can_configure_progress(user):
        raise PermissionDenied(_("只有项目办可以设置月度进度"))


def _chosen_month(request) -> dt.date:
    """The month asked for (?month=2024-10); else the latest month with reports the user sees (the demo city's data
    is of an earlier year than today); else the current month."""
    month = parse_month(request.GET.get("month"))
    if month is not None:
        return month
    latest = selectors.visible_reports(request.user).filter(selectors.CURRENT).aggregate(latest=Max("month"))
    return latest["latest"] or selectors.current_month()


def _filtered_projects(request):
    filterset = ProjectFilterSet(request.GET, queryset=Project.objects.visible_to(request.user), request=request)
    return filterset.qs, filterset


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _report_filter(month: dt.date, status: str) -> Q:
    """The Q over Project of a reporting-status list (the projects that owe a report and stand at ``status``)."""
    report = ProgressReport.objects.filter(selectors.CURRENT, project=OuterRef("pk"), month=month)
    due = selectors.reporting_scope(month)
    match status:
        case "reported":
            return due & Exists(report)
        case "on_time":
            return due & Exists(report.filter(is_late=False))
        case "late":
            return due & Exists(report.filter(is_late=True))
        case "submitted" | "returned" | "accepted":
            return due & Exists(report.filter(status=status))
        case "not_reported":
            return due & ~Exists(report)
    return due


def _reporting_status(projects, month: dt.date) -> dict[str, int]:
    """Counts of the month's reporting (two queries): who owes a report, who reported (on time, late), and where the
    reports stand (awaiting review, returned, accepted)."""
    due = projects.filter(selectors.reporting_scope(month))
    counts = ProgressReport.objects.filter(selectors.CURRENT, month=month, project__in=due.values("pk")).aggregate(
        reported=Count("pk"),
        late=Count("pk", filter=Q(is_late=True)),
        submitted=Count("pk", filter=Q(status=ReportStatus.SUBMITTED)),
        returned=Count("pk", filter=Q(status=ReportStatus.RETURNED)),
        accepted=Count("pk", filter=Q(status=ReportStatus.ACCEPTED)),
    )
    counts["due"] = due.count()
    counts["on_time"] = counts["reported"] - counts["late"]
    counts["not_reported"] = counts["due"] - counts["reported"]
    return counts


def _reviewable_reports(user, projects, month: dt.date, settings):
    """The month's submitted reports ``user`` may review (permissions.can_review, as a query)."""
    queue = ProgressReport.objects.filter(status=ReportStatus.SUBMITTED, month=month, project__in=projects.values("pk"))
    if not user.can_edit_all_projects:
        if settings.reviewer == Reviewer.DEPARTMENT and user.role == Role.DEPARTMENT and user.department_id:
            queue = queue.filter(project__responsible_department_id=user.department_id)
        else:
            return queue.none()
    return queue.select_related("project", "project__responsible_department", "submitted_by").order_by(
        "submitted_at", "pk"
    )


def plausibility_messages(report: ProgressReport) -> list[str]:
    texts = []
    for warning in report.plausibility or []:
        msgid = services.PLAUSIBILITY_MESSAGES.get(warning.get("code"))
        if msgid:
            texts.append(_(msgid) % warning.get("params", {}))
    return texts


def gap_words(points) -> str:
    """'超序时进度13.8个百分点' / '低于序时进度5个百分点' / '与序时进度持平'; empty when there is no plan to measure."""
    if points is None:
        return ""
    if points > 0:
        return _("超序时进度%(points)s个百分点") % {"points": strip_zeros(points)}
    if points < 0:
        return _("低于序时进度%(points)s个百分点") % {"points": strip_zeros(-points)}
    return _("与序时进度持平")


def _chart_data(rows, group_label: str) -> dict:
    return {
        "labels": [str(row.label) or _("(未填)") for row in rows],
        "annual_plan": [str(wan_to_yi(row.annual_plan)) for row in rows],
        "year_to_date": [str(wan_to_yi(row.year_to_date)) for row in rows],
        "completion": [str(row.completion_percent) if row.completion_percent is not None else None for row in rows],
        "names": {
            "group": group_label,
            "annual_plan": _("年度计划投资"),
            "year_to_date": _("累计完成投资"),
            "completion": _("完成率(%)"),
            "yi": _("亿元"),
            "percent": "%",
        },
    }


@login_required
def monthly_view(request):
    _require_monthly_view(request.user)
    month = _chosen_month(request)
    projects, filterset = _filtered_projects(request)
    settings = selectors.get_settings()

    figures = aggregations.totals(projects=projects, month=month)
    group_form = GroupForm(request.GET)
    group = group_form.cleaned_data["group"] if group_form.is_valid() and group_form.cleaned_data["group"] else None
    group = group or DEFAULT_GROUP
    rows = aggregations.aggregate(projects=projects, month=month, group_by=group)
    group_label = str(GROUP_LABELS[group])

    status_counts = _reporting_status(projects, month)
    status_query = _query_without(request, "page", "queue_page", "lights_page", "group", "status", "month")
    labels = _status_labels()
    reporting = [{"key": key, "label": labels[key], "count": status_counts[key]} for key in STATUSES]

    queue = DeferredJoinPaginator(_reviewable_reports(request.user, projects, month, settings), QUEUE_PAGE_SIZE)
    queue_page = queue.get_page(request.GET.get("queue_page"))
    for report in queue_page:
        report.warnings = plausibility_messages(report)
        report.may_review = permissions.can_review(request.user, report.project, reviewer=settings.reviewer)

    lights = (
        ProjectProgress.objects.filter(
            measured_month=month,
            warning_level__in=[WarningLevel.RED, WarningLevel.YELLOW],
            project__in=projects.values("pk"),
        )
        .select_related("project", "project__responsible_department")
        .order_by("warning_level", "gap_points", "project__name", "pk")  # red before yellow, furthest behind first
    )
    lights_page = DeferredJoinPaginator(lights, LIGHTS_PAGE_SIZE).get_page(request.GET.get("lights_page"))

    return render(
        request,
        "progress/office/monthly.html",
        {
            "month": month,
            "filter_form": filterset.form,
            "figures": figures,
            "time_progress_percent": measures.as_percent(figures.time_progress),
            "gap_words": gap_words(figures.gap_points),
            "ytd_large": abs(figures.year_to_date) >= 10000,
            "plan_large": abs(figures.annual_plan) >= 10000,
            "ytd_yi": format_yi(figures.year_to_date, unit=False),
            "reporting": reporting,
            "status_query": status_query,
            "queue_page": queue_page,
            "lights_page": lights_page,
            "group": group,
            "group_form": group_form,
            "group_label": group_label,
            "rows": rows,
            "chart": _chart_data(rows, group_label),
            "can_configure": permissions.can_configure_progress(request.user),
            "settings": settings,
        },
    )


@login_required
def report_status_list(request):
    """The projects behind one reporting-status number (?status=not_reported …): project, responsible department,
    owner, contact, and the month's report where there is one. The same filters as the monthly view."""
    _require_monthly_view(request.user)
    month = _chosen_month(request)
    status = request.GET.get("status", "due")
    if status not in STATUSES:
        status = "due"
    projects, filterset = _filtered_projects(request)
    queryset = (
        projects.filter(_report_filter(month, status))
        .select_related("responsible_department", "owner")
        .order_by("responsible_department__name", "name", "pk")
    )
    page = DeferredJoinPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    reports = {
        report.project_id: report
        for report in ProgressReport.objects.filter(
            selectors.CURRENT, month=month, project_id__in=[project.pk for project in page]
        )
    }
    for project in page:
        project.month_report = reports.get(project.pk)
    labels = _status_labels()
    return render(
        request,
        "progress/office/status_list.html",
        {
            "month": month,
            "status": status,
            "status_label": labels[status],
            "statuses": [(key, labels[key]) for key in STATUSES],
            "page_obj": page,
            "filter_form": filterset.form,
            "status_query": _query_without(request, "page", "status"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    _require_configure(request.user)
    current = selectors.get_settings()
    form = ProgressSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(data=form.settings_data(), actor=request.user)
        except (KaigongError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("月报设置已保存。"))
            return redirect("progress:settings")
    preset, _rules = selectors.active_rules(current)
    return render(request, "progress/office/settings.html", {"form": form, "active_preset": preset})


@login_required
def preset_list(request):
    _require_configure(request.user)
    settings = selectors.get_settings()
    active, _rules = selectors.active_rules(settings)
    presets = list(WarningPreset.objects.order_by("name", "pk"))
    for preset in presets:
        preset.is_active = active is not None and preset.pk == active.pk
    return render(
        request,
        "progress/office/preset_list.html",
        {
            "presets": presets,
            "active": active,
            "refresh_form": RefreshLightsForm(initial={"month": _chosen_month(request)}),
        },
    )


def _described_rules(rule_list) -> list[dict]:
    """Each valid rule with a readable sentence of its condition (rules.describe_rule)."""
    if rules.rules_errors(rule_list):
        return []
    levels = dict(WarningLevel.choices)
    return [
        {"rule": rule, "level_label": levels.get(rule["level"], rule["level"]), "text": rules.describe_rule(rule)}
        for rule in rule_list
    ]


@login_required
@require_http_methods(["GET", "POST"])
def preset_edit(request, pk: int | None = None):
    """A preset's page and editor (``pk`` None: a new preset). Invalid rules show every error with its path and
    nothing is saved."""
    _require_configure(request.user)
    preset = get_object_or_404(WarningPreset, pk=pk) if pk is not None else None
    form = WarningPresetForm(request.POST or None, preset=preset)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_preset(
                preset=preset,
                code=data["code"],
                name=data["name"],
                description=data["description"],
                rule_list=data["rules"],
                actor=request.user,
            )
        except (KaigongError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("预警方案“%(name)s”已保存。") % {"name": saved.name})
            return redirect("progress:preset-detail", pk=saved.pk)
    settings = selectors.get_settings()
    return render(
        request,
        "progress/office/preset_edit.html",
        {
            "preset": preset,
            "form": form,
            "described": _described_rules(preset.rules) if preset is not None else [],
            "attributes": rules.attribute_options(),
            "is_active": preset is not None and settings.active_preset_id == preset.pk,
            "refresh_form": RefreshLightsForm(initial={"month": _chosen_month(request)}),
        },
    )


@login_required
@require_POST
def preset_activate(request, pk: int):
    _require_configure(request.user)
    preset = get_object_or_404(WarningPreset, pk=pk)
    try:
        services.activate_preset(preset=preset, actor=request.user)
    except (KaigongError, ValidationError) as exc:
        messages.error(request, service_error_message(exc))
    else:
        messages.success(request, _("已启用预警方案“%(name)s”,请重新测算红黄绿灯。") % {"name": preset.name})
    return redirect("progress:preset-list")


@login_required
@require_POST
def lights_refresh(request):
    """Recompute the lights of the chosen month now, under the active preset; the counts in a message."""
    _require_configure(request.user)
    form = RefreshLightsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要测算的月份。"))
        return redirect("progress:preset-list")
    month = form.cleaned_data["month"].replace(day=1)
    try:
        counts = services.refresh_lights(month=month, actor=request.user)
    except (KaigongError, ValidationError) as exc:
        messages.error(request, service_error_message(exc))
    else:
        messages.success(
            request,
            _(
                "%(month)s红黄绿灯已重新测算: 共%(projects)s个项目,红灯%(red)s个、黄灯%(yellow)s个、绿灯%(green)s个,"
                "变化%(changed)s个,发出通知%(notices)s条。"
            )
            % {"month": f"{month:%Y-%m}", **counts},
        )
    return redirect(f"{reverse('progress:monthly')}?month={month:%Y-%m}")


@login_required
def notice_list(request):
    notices = (
        ProgressNotice.objects.filter(recipient=request.user).select_related("project").order_by("-created_at", "-pk")
    )
    page = DeferredJoinPaginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = ProgressNotice.objects.filter(recipient=request.user, read_at__isnull=True).count()
    return render(request, "progress/office/notice_list.html", {"page_obj": page, "unread": unread})


@login_required
@require_POST
def notices_mark_read(request):
    count = services.mark_notices_read(user=request.user)
    messages.success(request, _("已将%(count)s条通知标为已读。") % {"count": count})
    return redirect("progress:notices")
