"""Heritage pages: the sites, their import, the approval chain and a project's heritage panel.

Reads via selectors, writes via services; pages hold no business rules.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaigong.core.exceptions import KaigongError
from kaigong.core.forms import add_service_error, service_error_message
from kaigong.heritage import geojson, permissions, selectors, services
from kaigong.heritage.choices import Opinion
from kaigong.heritage.drawing import draw_sites
from kaigong.heritage.forms import HeritageImportForm, HeritageRoutingForm, RoutingForwardForm, RoutingReplyForm
from kaigong.heritage.geojson import GeoJSONImportError

SITES_PER_PAGE = 50
# What a multipart form adds around the file (boundary, headers, the CSRF token) before a body is too large.
FORM_OVERHEAD_BYTES = 64 * 1024


def _require_manager(user) -> None:
    if not permissions.can_manage_heritage(user):
        raise PermissionDenied(_("只有系统管理员可以导入文物保护范围或修改文物审批路径"))


@login_required
def site_list(request):
    page = Paginator(selectors.list_sites(user=request.user), SITES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "heritage/site_list.html",
        {
            "sites": page.object_list,
            "page_obj": page,
            "routing": selectors.get_routing(),
            "can_manage": permissions.can_manage_heritage(request.user),
        },
    )


@login_required
def site_detail(request, pk: int):
    site = selectors.get_site(user=request.user, pk=pk)
    return render(
        request,
        "heritage/site_detail.html",
        {"site": site, "drawing": draw_sites([site]), "can_manage": permissions.can_manage_heritage(request.user)},
    )


@login_required
@require_POST
def site_delete(request, pk: int):
    _require_manager(request.user)
    site = selectors.get_site(user=request.user, pk=pk, full=True)
    services.delete_site(site=site, actor=request.user)
    messages.success(request, _("文物保护单位“%(name)s”已删除。") % {"name": site.name})
    return redirect("heritage:site-list")


@login_required
@require_http_methods(["GET", "POST"])
def site_import(request):
    _require_manager(request.user)
    problems = []
    if request.method == "POST":
        declared = geojson.declared_length(request.META)
        # A body declared over the limit is refused before its upload is opened (the CSRF check has already
        # streamed it to a temporary file, never into memory).
        try:
            geojson.check_size(None if declared is None else declared - FORM_OVERHEAD_BYTES)
        except GeoJSONImportError as exc:
            problems = list(zip(exc.messages, exc.messages_en, strict=True))
            context = {"form": HeritageImportForm(), "problems": problems}
            return render(request, "heritage/site_import.html", context, status=400)
    form = HeritageImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            geojson.check_size(upload.size)
            result = services.import_sites(content=upload.read(), actor=request.user, source_name=upload.name)
        except GeoJSONImportError as exc:
            problems = list(zip(exc.messages, exc.messages_en, strict=True))
        else:
            messages.success(
                request,
                _(
                    "导入完成:新增 %(created)s 处,更新 %(updated)s 处,未变 %(unchanged)s 处;"
                    "重新生成 %(regenerated_checklists)s 个项目的审批清单。"
                )
                % result.summary,
            )
            return redirect("heritage:site-list")
    return render(
        request, "heritage/site_import.html", {"form": form, "problems": problems}, status=400 if problems else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def routing(request):
    can_manage = permissions.can_manage_heritage(request.user)
    if request.method == "POST":
        _require_manager(request.user)
    current = selectors.get_routing()
    form = HeritageRoutingForm(request.POST or None, instance=current) if can_manage else None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_routing(actor=request.user, data=form.cleaned_data)
        except (KaigongError, ValidationError) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("文物审批路径已保存。"))
            return redirect("heritage:routing")
    return render(
        request,
        "heritage/routing.html",
        {"routing": current, "chain": current.chain(), "form": form, "can_manage": can_manage},
    )


@login_required
def project_heritage(request, project_pk: int):
    view = selectors.get_project_heritage(user=request.user, project_pk=project_pk)
    return render(
        request,
        "heritage/project_heritage.html",
        {"view": view, "project": view.project, "opinions": Opinion.choices},
    )


def _require_recorder(user) -> None:
    if not permissions.can_record_routing(user):
        raise PermissionDenied(_(services.RECORDER_REQUIRED))


@login_required
@require_POST
def routing_forward(request, project_pk: int):
    project = selectors.get_heritage_project(user=request.user, project_pk=project_pk)
    _require_recorder(request.user)
    form = RoutingForwardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("输入有误: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("heritage:project", project_pk=project.pk)
    try:
        step = services.forward_routing_step(project=project, actor=request.user, on=form.cleaned_data["sent_on"])
    except (KaigongError, ValidationError) as exc:
        messages.error(request, _("未能报送: %(error)s") % {"error": service_error_message(exc)})
    else:
        messages.success(request, _("已报送%(authority)s。") % {"authority": step.authority})
    return redirect("heritage:project", project_pk=project.pk)


@login_required
@require_POST
def routing_reply(request, project_pk: int, step_pk: int):
    step = selectors.get_routing_step(user=request.user, project_pk=project_pk, step_pk=step_pk)
    _require_recorder(request.user)
    form = RoutingReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("输入有误: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("heritage:project", project_pk=project_pk)
    data = form.cleaned_data
    try:
        services.record_routing_reply(
            step=step,
            actor=request.user,
            opinion=data["opinion"],
            on=data["replied_on"],
            opinion_text=data["opinion_text"],
            document_number=data["document_number"],
        )
    except (KaigongError, ValidationError) as exc:
        messages.error(request, _("未能登记答复: %(error)s") % {"error": service_error_message(exc)})
    else:
        messages.success(request, _("已登记%(authority)s的答复。") % {"authority": step.authority})
    return redirect("heritage:project", project_pk=project_pk)
