"""Checklist pages: a project's 前期手续 (checklist) and its items' steps, the warning list, the inbox, the notices.

Reads via selectors, writes via services; pages hold no business rules.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaigong.approvals.checklists import exporters, selectors, services
from kaigong.approvals.checklists.forms import ItemActionForm
from kaigong.approvals.choices import ItemAction
from kaigong.approvals.permissions import available_actions, can_edit_checklist
from kaigong.core.exceptions import KaigongError
from kaigong.core.forms import service_error_message
from kaigong.core.pagination import DeferredJoinPaginator

PAGE_SIZE = 50


@login_required
def project_checklist(request, project_pk: int):
    view = selectors.get_project_checklist(user=request.user, project_pk=project_pk)
    can_generate = can_edit_checklist(request.user, view.project)
    return render(
        request,
        "approvals/project_checklist.html",
        {"view": view, "project": view.project, "can_generate": can_generate, "action_form": ItemActionForm()},
    )


@login_required
@require_POST
def checklist_generate(request, project_pk: int):
    view = selectors.get_project_checklist(user=request.user, project_pk=project_pk)
    services.generate_checklist(project=view.project, actor=request.user)  # a refusal: the 403 page (middleware)
    messages.success(request, _("审批清单已按规则生成。"))
    return redirect("approvals:project-checklist", project_pk=project_pk)


@login_required
@require_POST
def item_transition(request, pk: int):
    item = selectors.get_item(user=request.user, pk=pk)
    form = ItemActionForm(request.POST)
    project_pk = item.checklist.project_id
    if not form.is_valid():
        messages.error(request, _("输入有误: %(errors)s") % {"errors": form.errors.as_text()})
    else:
        data = form.cleaned_data
        try:
            services.transition_item(
                item=item,
                action=data["action"],
                actor=request.user,
                on=data["on"],
                reason=data["reason"],
                decision=data["decision"],
                document_number=data["document_number"],
                use_commitment=data["use_commitment"],
            )
        except (KaigongError, ValidationError) as exc:
            text = service_error_message(exc)  # a refusal of permission answers 403
            messages.error(request, _("“%(matter)s”未能办理: %(error)s") % {"matter": item.matter.name, "error": text})
        else:
            messages.success(request, _("“%(matter)s”已更新。") % {"matter": item.matter.name})
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("approvals:project-checklist", project_pk=project_pk)


def _item_list_page(request, queryset, filterset, title: str, extra: dict | None = None, with_actions: bool = False):
    if request.GET.get("format") == "xlsx":
        params = {k: request.GET.getlist(k) for k in request.GET if k != "format"}
        handle, _rows = exporters.export_items(queryset=queryset, title=title, actor=request.user, params=params)
        filename = f"{title}-{timezone.localdate().isoformat()}.xlsx"
        return FileResponse(handle, as_attachment=True, filename=filename)
    page = DeferredJoinPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    if with_actions:  # the inbox: act on each item where it is listed
        for item in page:
            actions = available_actions(request.user, item)
            item.row = {"item": item, "actions": [(action, ItemAction(action).label) for action in actions]}
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "approvals/item_list.html",
        {
            "page_obj": page,
            "title": title,
            "filter_form": filterset.form,
            "query_string": query.urlencode(),
            "with_actions": with_actions,
            **(extra or {}),
        },
    )


@login_required
def warning_list(request):
    """The office-wide list of yellow and red items (only the items the user may see), filterable, exportable."""
    queryset, filterset = selectors.list_warnings(user=request.user, params=request.GET)
    return _item_list_page(request, queryset, filterset, _("黄灯、红灯事项"))


@login_required
def department_inbox(request):
    """Items waiting on the user's department."""
    queryset, filterset = selectors.list_department_inbox(user=request.user, params=request.GET)
    return _item_list_page(request, queryset, filterset, _("本部门待办事项"), with_actions=True)


@login_required
@require_http_methods(["GET", "POST"])
def notice_list(request):
    """The user's warning notices (an item turned yellow or red); POST marks them all read."""
    if request.method == "POST":
        services.mark_notices_read(user=request.user)
        return redirect("approvals:notice-list")
    page = DeferredJoinPaginator(selectors.list_notices(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "approvals/notice_list.html", {"page_obj": page})
