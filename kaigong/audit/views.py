"""The administrator's audit log: read-only, filterable. No page edits or deletes an audit event."""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kaigong.audit.choices import AuditAction
from kaigong.audit.events import event_choices
from kaigong.audit.models import AuditEvent

PAGE_SIZE = 50


class DateInput(forms.DateInput):
    input_type = "date"


def _code_choices():
    """Every registered step (audit.events), named in the page's language."""
    return [("", _("全部")), *event_choices()]


class AuditLogFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部")), *AuditAction.choices])
    code = forms.ChoiceField(label=_("步骤"), required=False, choices=_code_choices)
    actor = forms.CharField(label=_("操作人"), required=False)
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DateInput)
    q = forms.CharField(label=_("对象/项目"), required=False, help_text=_("对象名称,或项目编号 ID"))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return data

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("action"):
            queryset = queryset.filter(action=data["action"])
        if data.get("code"):
            queryset = queryset.filter(code=data["code"])
        if actor := (data.get("actor") or "").strip():
            queryset = queryset.filter(
                Q(actor__username__icontains=actor)
                | Q(actor__display_name__icontains=actor)
                | Q(actor_label__icontains=actor)
            )
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            queryset = queryset.filter(occurred_at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tz))
        if data.get("date_to"):
            end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tz)
            queryset = queryset.filter(occurred_at__lt=end)
        if q := (data.get("q") or "").strip():
            condition = Q(object_repr__icontains=q)
            if q.isdigit():
                condition |= Q(project_id=int(q)) | Q(object_id=q)
            queryset = queryset.filter(condition)
        return queryset


@login_required
@require_GET
def audit_log(request):
    if not request.user.is_kaigong_admin:
        raise PermissionDenied(_("只有系统管理员可以查看审计日志"))
    form = AuditLogFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor", "content_type").order_by("-occurred_at", "-id")
    if form.is_bound:
        events = form.filter(events) if form.is_valid() else events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/audit_log.html", {"form": form, "page_obj": page})
