"""One FilterSet for checklist items, shared by the warning list, the inbox, the API and the Excel export."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.models import Department
from kaigong.approvals.choices import ApprovalStage, ItemStatus, WarningLevel
from kaigong.approvals.models import ApprovalMatter, ChecklistItem
from kaigong.core.text import fold


class ChecklistItemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("项目"), method="filter_q", help_text=_("项目名称或项目代码"))
    project = django_filters.NumberFilter(label=_("项目ID"), field_name="checklist__project_id")
    status = django_filters.MultipleChoiceFilter(
        label=_("状态"), choices=ItemStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    warning_level = django_filters.MultipleChoiceFilter(
        label=_("预警"), choices=WarningLevel.choices, widget=forms.CheckboxSelectMultiple
    )
    department = django_filters.ModelChoiceFilter(
        label=_("审批部门"), field_name="matter__department", queryset=Department.objects.all()
    )
    approval_stage = django_filters.ChoiceFilter(
        label=_("审批阶段"), field_name="matter__approval_stage", choices=ApprovalStage.choices
    )
    matter = django_filters.ModelChoiceFilter(label=_("审批事项"), queryset=ApprovalMatter.objects.all())

    class Meta:
        model = ChecklistItem
        fields: list = []

    def filter_q(self, queryset, name, value):
        text = fold(value or "")
        if not text:
            return queryset
        return queryset.filter(
            Q(checklist__project__name__icontains=text) | Q(checklist__project__project_code__icontains=text)
        )
