"""Approvals pages: the catalogue, the rules, a project's 前期手续 (checklist), the warning list and the inbox.

Reads via selectors, writes via services; pages hold no business rules.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaigong.approvals import exporters, selectors, services
from kaigong.approvals.choices import ItemAction
from kaigong.approvals.forms import ApprovalMatterForm, ChecklistRuleForm, ItemActionForm
from kaigong.approvals.models import ApprovalMatter, ChecklistRule
from kaigong.approvals.rules import attribute_options, describe
from kaigong.core.exceptions import KaigongError, PermissionDeniedError
from kaigong.core.pagination import DeferredJoinPaginator
from kaigong.projects.models import Project

PAGE_SIZE = 50


def _message(exc: KaigongError) -> str:
    text = _(exc.msgid)
    return text % exc.params if exc.params else text


def _add_service_error(form, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc)
    else:
        form.add_error(None, _message(exc))


def _require_catalogue_editor(user) -> None:
    if not services.can_edit_catalogue(user):
        raise PermissionDenied(_("只有系统管理员可以修改审批事项目录和清单规则"))


# --- catalogue ----------------------------------------------------------------------------------------------


@login_required
def matter_list(request):
    matters = list(selectors.list_matters(user=request.user))
    return render(
        request,
        "approvals/matter_list.html",
        {"matters": matters, "can_edit": services.can_edit_catalogue(request.user)},
    )


@login_required
def matter_detail(request, pk: int):
    matter = selectors.get_matter(user=request.user, pk=pk)
    rules = None
    if selectors.can_read_rules(request.user):
        rules = [(rule, describe(rule.condition)) for rule in selectors.list_rules(user=request.user, matter_id=pk)]
    return render(
        request,
        "approvals/matter_detail.html",
        {"matter": matter, "rules": rules, "can_edit": services.can_edit_catalogue(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def matter_edit(request, pk: int | None = None):
    _require_catalogue_editor(request.user)
    matter = selectors.get_matter(user=request.user, pk=pk) if pk else None
    instance = ApprovalMatter.objects.get(pk=matter.pk) if matter else None
    form = ApprovalMatterForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            if matter:
                matter = services.update_matter(
                    matter=matter, actor=request.user, data=form.service_data(), prerequisites=form.prerequisites()
                )
            else:
                matter = services.create_matter(
                    actor=request.user, data=form.service_data(), prerequisites=form.prerequisites()
                )
        except PermissionDeniedError as exc:
            raise PermissionDenied(_message(exc)) from exc
        except (KaigongError, ValidationError) as exc:
            _add_service_error(form, exc)
        else:
            messages.success(request, _("审批事项“%(name)s”已保存。") % {"name": matter.name})
            return redirect("approvals:matter-detail", pk=matter.pk)
    return render(request, "approvals/matter_form.html", {"form": form, "matter": matter})


@login_required
def rule_list(request):
    rules = [(rule, describe(rule.condition)) for rule in selectors.list_rules(user=request.user)]
    return render(
        request,
        "approvals/rule_list.html",
        {"rules": rules, "can_edit": services.can_edit_catalogue(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int | None = None):
    _require_catalogue_editor(request.user)
    rule = selectors.get_rule(user=request.user, pk=pk) if pk else None
    instance = ChecklistRule.objects.get(pk=rule.pk) if rule else None
    initial = {"condition": {"all": []}} if rule is None else None
    form = ChecklistRuleForm(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if rule:
                rule = services.update_rule(rule=rule, actor=request.user, data=form.service_data())
            else:
                rule = services.create_rule(actor=request.user, data=form.service_data())
        except PermissionDeniedError as exc:
            raise PermissionDenied(_message(exc)) from exc
        except (KaigongError, ValidationError) as exc:
            _add_service_error(form, exc)
        else:
            messages.success(request, _("清单规则“%(name)s”已保存。") % {"name": rule.name})
            return redirect("approvals:rule-list")
    return render(request, "approvals/rule_form.html", {"form": form, "rule": rule, "attributes": attribute_options()})


@login_required
@require_POST
def rule_delete(request, pk: int):
    _require_catalogue_editor(request.user)
    rule = selectors.get_rule(user=request.user, pk=pk)
    services.delete_rule(rule=rule, actor=request.user)
    messages.success(request, _("清单规则“%(name)s”已删除。") % {"name": rule.name})
    return redirect("approvals:rule-list")


# --- checklists ---------------------------------------------------------------------------------------------


@login_required
def project_checklist(request, project_pk: int):
    view = selectors.get_project_checklist(user=request.user, project_pk=project_pk)
    can_generate = Project.objects.editable_by(request.user).filter(pk=project_pk).exists()
    return render(
        request,
        "approvals/project_checklist.html",
        {"view": view, "project": view.project, "can_generate": can_generate, "action_form": ItemActionForm()},
    )


@login_required
@require_POST
def checklist_generate(request, project_pk: int):
    view = selectors.get_project_checklist(user=request.user, project_pk=project_pk)
    try:
        services.generate_checklist(project=view.project, actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(_message(exc)) from exc
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
        except PermissionDeniedError as exc:
            raise PermissionDenied(_message(exc)) from exc
        except (KaigongError, ValidationError) as exc:
            text = _message(exc) if isinstance(exc, KaigongError) else "; ".join(exc.messages)
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
            actions = services.available_actions(request.user, item)
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
