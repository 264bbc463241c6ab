"""Plan pages (一方案): a project's plan with the critical path, forecast, baseline comparison and Gantt chart;
editing an item's duration and target dates (with the reason once a baseline exists); recompute; save baseline;
the list of plans whose planned groundbreaking date cannot be met, with its Excel export.

Reads via the plan's selectors, writes via its services; the pages hold no business rules. Everyone who sees the
project reads its plan; the office, administrators and the project's responsible department edit it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaigong.approvals.plans import exporters, selectors, services
from kaigong.approvals.plans.forms import PlanItemForm
from kaigong.core.exceptions import KaigongError
from kaigong.core.forms import service_error_message

PAGE_SIZE = 50


def _text(exc: Exception) -> str:
    """A service's refusal as one line in the page's language (a refusal of permission answers 403). The plan's
    services raise ValidationErrors with marked msgids: translated here."""
    if isinstance(exc, ValidationError):
        return "; ".join(_(m) for m in exc.messages)
    return service_error_message(exc)


def _back(project_pk: int):
    return redirect("approvals:project-plan", project_pk=project_pk)


@login_required
def project_plan(request, project_pk: int):
    view = services.read_project_plan(user=request.user, project_pk=project_pk)
    chart = view.chart()
    chart["labels"] = {
        "baseline": _("基线"),
        "plan": _("计划"),
        "actual": _("实际"),
        "today": _("今天"),
        "planned": _("计划开工"),
        "forecast": _("预测开工"),
    }
    return render(request, "approvals/plan/project_plan.html", {"view": view, "project": view.project, "chart": chart})


def _editable(request, project_pk: int):
    view = selectors.get_project_plan(user=request.user, project_pk=project_pk)
    if not view.can_edit:
        raise PermissionDenied(_("您无权修改该项目的方案"))
    return view


def _plan_action(request, project_pk: int, service, success: str):
    """Run a plan service for an editor of the project; its refusal becomes a message (or a 403)."""
    view = _editable(request, project_pk)
    try:
        service(project=view.project, actor=request.user)
    except KaigongError as exc:
        messages.error(request, _text(exc))
    else:
        messages.success(request, success)
    return _back(project_pk)


@login_required
@require_POST
def plan_recompute(request, project_pk: int):
    return _plan_action(request, project_pk, services.recompute_plan, _("方案已重新计算。"))


@login_required
@require_POST
def plan_baseline(request, project_pk: int):
    return _plan_action(request, project_pk, services.save_baseline, _("已将当前目标日期保存为基线。"))


@login_required
@require_POST
def plan_item_edit(request, project_pk: int):
    view = _editable(request, project_pk)
    form = PlanItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("输入有误: %(errors)s") % {"errors": form.errors.as_text()})
        return _back(project_pk)
    data = form.cleaned_data
    try:
        services.update_plan_item(
            project=view.project,
            item_id=data["item"],
            actor=request.user,
            duration_workdays=data["duration_workdays"],
            target_start=data["target_start"],
            target_finish=data["target_finish"],
            reason=data["reason"],
        )
    except (KaigongError, ValidationError) as exc:
        messages.error(request, _("未能保存: %(error)s") % {"error": _text(exc)})
    else:
        messages.success(request, _("方案事项已更新。"))
    return _back(project_pk)


@login_required
def late_plan_list(request):
    """Projects (those the user sees) whose planned groundbreaking date cannot be met: forecast, margin and the items
    that make it so, from the stored forecast summary; filterable, sortable by margin, exportable."""
    queryset, filterset = selectors.list_late_plans(user=request.user, params=request.GET)
    title = _("计划开工日期无法实现的项目")
    if request.GET.get("format") == "xlsx":
        params = {k: request.GET.getlist(k) for k in request.GET if k != "format"}
        handle, _rows = exporters.export_late_plans(queryset=queryset, title=title, actor=request.user, params=params)
        filename = f"{title}-{timezone.localdate().isoformat()}.xlsx"
        return FileResponse(handle, as_attachment=True, filename=filename)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ordering = query.get("ordering") or "margin"
    sort = query.copy()  # the margin column's header flips the order, keeping the filters
    sort["ordering"] = "-margin" if ordering == "margin" else "margin"
    return render(
        request,
        "approvals/plan/late_list.html",
        {
            "page_obj": page,
            "title": title,
            "filter_form": filterset.form,
            "query_string": query.urlencode(),
            "sort_query": sort.urlencode(),
            "ordering": ordering,
        },
    )
