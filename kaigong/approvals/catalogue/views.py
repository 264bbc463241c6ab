"""Catalogue pages: the approval matters and the checklist rules; administrators edit them.

Reads via the catalogue's selectors, writes via its services; pages hold no business rules.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kaigong.approvals.catalogue import selectors, services
from kaigong.approvals.catalogue.forms import ApprovalMatterForm, ChecklistRuleForm
from kaigong.approvals.models import ApprovalMatter, ChecklistRule
from kaigong.approvals.permissions import can_edit_catalogue, can_read_rules
from kaigong.approvals.rules import attribute_options, describe
from kaigong.core.exceptions import KaigongError
from kaigong.core.forms import add_service_error


def _require_catalogue_editor(user) -> None:
    if not can_edit_catalogue(user):
        raise PermissionDenied(_("只有系统管理员可以修改审批事项目录和清单规则"))


@login_required
def matter_list(request):
    matters = list(selectors.list_matters(user=request.user))
    return render(
        request,
        "approvals/matter_list.html",
        {"matters": matters, "can_edit": can_edit_catalogue(request.user)},
    )


@login_required
def matter_detail(request, pk: int):
    matter = selectors.get_matter(user=request.user, pk=pk)
    rules = None
    if can_read_rules(request.user):
        rules = [(rule, describe(rule.condition)) for rule in selectors.list_rules(user=request.user, matter_id=pk)]
    return render(
        request,
        "approvals/matter_detail.html",
        {"matter": matter, "rules": rules, "can_edit": can_edit_catalogue(request.user)},
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
        except (KaigongError, ValidationError) as exc:
            add_service_error(form, exc)  # a refusal of permission answers 403
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
        {"rules": rules, "can_edit": can_edit_catalogue(request.user)},
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
        except (KaigongError, ValidationError) as exc:
            add_service_error(form, exc)  # a refusal of permission answers 403
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
