"""Project pages (htmx-enhanced, fully usable without JavaScript) and the office's 字典别名 pages (the aliases of
categories, levels and departments). Reads via selectors, writes via services."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kaigong.accounts.models import Department
from kaigong.core.exceptions import KaigongError, StaleVersionError
from kaigong.core.forms import add_service_error
from kaigong.core.pagination import DeferredJoinPaginator
from kaigong.projects import selectors, services
from kaigong.projects.choices import Stage, allowed_next_stages
from kaigong.projects.forms import DictionaryAliasesForm, ProjectForm, StageChangeForm
from kaigong.projects.models import Category, Level, Project
from kaigong.projects.templatetags.kaigong_tags import change_rows, yi

PAGE_SIZE = 50
HISTORY_PER_PAGE = 20

# Detail page: fields shown besides the editable ones, in this order after them.
DETAIL_EXTRA_FIELDS = ["stage", "actual_start_date", "actual_completion_date", "withdrawal_reason", "version"]


def _year_param(request) -> int | None:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() else None


@login_required
def overview(request):
    year = _year_param(request)
    data = selectors.get_overview(user=request.user, year=year)
    chart = {
        "categories": [row["category__name"] for row in data.by_category],
        "category_total": [yi(row["total"]) for row in data.by_category],
        "category_annual": [yi(row["annual"]) for row in data.by_category],
        "stages": [str(row["label"]) for row in data.by_stage],
        "stage_count": [row["count"] for row in data.by_stage],
        "stage_total": [yi(row["total"]) for row in data.by_stage],
        "labels": {
            "total": _("总投资(亿元)"),
            "annual": _("年度计划投资(亿元)"),
            "count": _("项目数(个)"),
            "yi": _("亿元"),
        },
    }
    return render(
        request,
        "projects/overview.html",
        {
            "overview": data,
            "year": year,
            "years": selectors.list_project_years(user=request.user),
            "chart": chart,
        },
    )


@login_required
def project_list(request):
    queryset, filterset = selectors.list_projects(user=request.user, params=request.GET)
    # The count and the sums of the filtered set in one aggregate (the paginator takes its count from it); then
    # the page's keys, then those rows with their related rows joined.
    totals = selectors.get_project_totals(queryset)
    paginator = DeferredJoinPaginator(queryset, PAGE_SIZE)
    paginator.count = totals.count
    page = paginator.get_page(request.GET.get("page"))
    form = _filter_form(filterset.form)
    context = {
        "page_obj": page,
        "totals": totals,
        "filter_form": form,
        "filter_errors": filterset.errors if filterset.is_bound else {},
        "query_string": request.GET.urlencode(),
        "export_query": _without(request.GET, "page"),
        "can_create": request.user.can_create_projects,
        "can_import": request.user.can_import,
    }
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "projects/_project_results.html", context)
    else:
        response = render(request, "projects/project_list.html", context)
    patch_vary_headers(response, ["HX-Request"])  # the same URL answers htmx with a fragment
    return response


def _filter_form(form):
    """The filter form as the page shows it: "全部" for no choice, stages as checkboxes."""
    for field in form.fields.values():
        if isinstance(field, forms.NullBooleanField):
            field.widget = forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])
        elif getattr(field, "empty_label", None) is not None:
            field.empty_label = _("全部")
            field.widget.choices = field.choices  # the widget may still iterate the class-level field
    form.fields["stage"].widget = forms.CheckboxSelectMultiple(choices=form.fields["stage"].choices)
    return form


def _without(params, *names) -> str:
    params = params.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _field_rows(project: Project) -> list[dict]:
    """Every field of the project as (label, value) for the detail page."""
    rows = []
    for name in [*services.PROJECT_EDITABLE_FIELDS, *DETAIL_EXTRA_FIELDS]:
        field = Project._meta.get_field(name)
        value = getattr(project, name)
        if field.choices and value not in (None, ""):
            value = getattr(project, f"get_{name}_display")()
        elif isinstance(value, dt.date):
            value = value.isoformat()
        rows.append({"name": name, "label": field.verbose_name, "value": value})
    return rows


@login_required
def project_detail(request, pk: int):
    project = selectors.get_project(user=request.user, pk=pk)
    editable = Project.objects.editable_by(request.user).filter(pk=project.pk).exists()
    # The project's own changes and those of its checklist, plan and heritage routing, newest first, a page at a
    # time; each event's fields are labelled by its own model.
    history_page = Paginator(selectors.list_project_history(project=project), HISTORY_PER_PAGE).get_page(
        request.GET.get("history_page")
    )
    history = [{"event": event, "rows": change_rows(event)} for event in history_page.object_list]
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "editable": editable,
            "field_rows": _field_rows(project),
            "next_stages": [Stage(s).label for s in allowed_next_stages(project.stage)],
            "history": history,
            "history_page": history_page,
            "project_type_id": ContentType.objects.get_for_model(Project).pk,  # other objects' events name them
            "memberships": list(project.batch_memberships.all()),
            "investors": list(project.investors.all()),
        },
    )


def _editable_project(request, pk: int) -> Project:
    """The project if the user may edit it: 404 if not visible, 403 if visible but not editable."""
    project = selectors.get_project(user=request.user, pk=pk)
    if not Project.objects.editable_by(request.user).filter(pk=project.pk).exists():
        raise PermissionDenied(_("您无权修改该项目"))
    return project


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    if not request.user.can_create_projects:
        raise PermissionDenied(_("您无权新建项目"))
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.create_project(data=form.service_data(), actor=request.user)
        except (KaigongError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("项目“%(name)s”已登记。") % {"name": project.name})
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": None})


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk: int):
    project = _editable_project(request, pk)
    # The form works on its own copy so the service compares against the stored values.
    form = ProjectForm(request.POST or None, instance=Project.objects.get(pk=project.pk), user=request.user)
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_project(
                project=project,
                data=form.service_data(),
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersionError:
            stale = _stale_differences(form, project.pk)
        except (KaigongError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("项目已保存。"))
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": project, "stale": stale})


def _stale_differences(form: ProjectForm, pk: int) -> dict:
    """After a refused stale save: what the other editor saved where it differs from this user's input.

    The user's input stays in the form untouched. The hidden version moves to the stored one, so a second
    submit, made after seeing the differences, is a deliberate choice and not a silent overwrite.
    """
    current = Project.objects.get(pk=pk)
    differences = []
    for name in form.service_data():
        field = Project._meta.get_field(name)
        if field.many_to_many:
            stored = sorted(str(o) for o in getattr(current, name).all())
            mine = sorted(str(o) for o in form.cleaned_data[name])
        else:
            stored, mine = getattr(current, name), form.cleaned_data[name]
        if stored == mine or (stored in (None, "", []) and mine in (None, "", [])):
            continue
        if field.choices:
            labels = dict(field.flatchoices)
            stored, mine = labels.get(stored, stored), labels.get(mine, mine)
        differences.append({"label": field.verbose_name, "stored": stored, "mine": mine})
    data = form.data.copy()
    data["version"] = str(current.version)
    form.data = data
    form.add_error(None, StaleVersionError().message_active)
    return {"differences": differences, "version": current.version}


@login_required
@require_http_methods(["GET", "POST"])
def project_stage(request, pk: int):
    project = _editable_project(request, pk)
    form = StageChangeForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_project_stage(
                project=project,
                stage=form.cleaned_data["stage"],
                reason=form.cleaned_data["reason"],
                effective_date=form.cleaned_data["effective_date"],
                expected_version=form.cleaned_data["version"],
                actor=request.user,
            )
        except (KaigongError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("项目阶段已变更为“%(stage)s”。") % {"stage": project.get_stage_display()})
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/project_stage.html", {"form": form, "project": project})


@login_required
def batch_list(request):
    return render(request, "projects/batch_list.html", {"batches": selectors.list_batches(user=request.user)})


@login_required
def batch_detail(request, pk: int):
    batch = selectors.get_batch(user=request.user, pk=pk)
    summary = selectors.get_batch_summary(batch=batch, user=request.user)
    return render(
        request,
        "projects/batch_detail.html",
        {"batch": batch, "summary": summary},
    )


# -- 字典别名: the aliases the office gives categories, levels and departments ---------------------------------

# The dictionaries whose aliases the office edits, by the kind their edit page's URL names.
DICTIONARIES = {"category": Category, "level": Level, "department": Department}


def _require_office(user) -> None:
    if not user.can_edit_all_projects:
        raise PermissionDenied


@login_required
@require_GET
def dictionary_list(request):
    """字典别名: the categories, levels and departments, each with the aliases the importer and search match it by."""
    _require_office(request.user)
    sections = []
    for kind, model in DICTIONARIES.items():
        second = model.NAME_FIELDS[1]  # the code or short name
        sections.append(
            {
                "kind": kind,
                "title": model._meta.verbose_name_plural,
                "second_label": model._meta.get_field(second).verbose_name,
                "rows": [(entry, getattr(entry, second)) for entry in model.objects.all()],
            }
        )
    return render(request, "projects/dictionary_list.html", {"sections": sections})


@login_required
@require_http_methods(["GET", "POST"])
def dictionary_edit(request, kind: str, pk: int):
    """Change the aliases of one category, level or department; saved (checked and audited) by the service."""
    _require_office(request.user)
    model = DICTIONARIES.get(kind)
    if model is None:
        raise Http404
    entry = get_object_or_404(model, pk=pk)
    form = DictionaryAliasesForm(request.POST or None, initial={"aliases": entry.aliases})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_dictionary_aliases(entry=entry, aliases=form.cleaned_data["aliases"], actor=request.user)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已保存“%(name)s”的别名。") % {"name": entry})
            return redirect(f"{reverse('projects:dictionaries')}#dictionary-{kind}")
    context = {"form": form, "entry": entry, "title": model._meta.verbose_name}
    return render(request, "projects/dictionary_form.html", context)
