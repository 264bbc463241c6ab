"""One FilterSet for checklist items, shared by the warning list, the inbox, the API and the Excel export."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.models import Department
from kaigong.approvals.choices import ApprovalStage, ItemStatus, WarningLevel
from kaigong.approvals.models import ApprovalMatter, ChecklistItem
from kaigong.core.text import fold
from kaigong.projects.models import Project
from kaigong.projects.search import search_projects


class ChecklistItemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("项目"), method="filter_q", help_text=_("项目名称、项目代码、建设单位或拼音首字母")
    )
    project = django_filters.NumberFilter(label=_("项目ID"), field_name="checklist__project_id")
    status = django_filters.MultipleChoiceFilter(
        label=_("状态"), choices=ItemStatus.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    warning_level = django_filters.MultipleChoiceFilter(
        label=_("预警"), choices=WarningLevel.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    department = django_filters.ModelChoiceFilter(
        label=_("审批部门"), field_name="matter__department", queryset=Department.objects.all(), method="filter_matters"
    )
    approval_stage = django_filters.ChoiceFilter(
        label=_("审批阶段"), field_name="matter__approval_stage", choices=ApprovalStage.choices, method="filter_matters"
    )
    matter = django_filters.ModelChoiceFilter(label=_("审批事项"), queryset=ApprovalMatter.objects.all())

    class Meta:
        model = ChecklistItem
        fields: list = []

    def filter_q(self, queryset, name, value):
        """The project list's own search (name, code, owner, pinyin initials), as a subquery on projects."""
        if not fold(value or ""):
            return queryset
        return queryset.filter(checklist__project__in=search_projects(Project.objects.all(), value))

    def filter_matters(self, queryset, name, value):
        """By approving department or approval stage, as the list of the catalogue's matters that qualify (a few
        dozen rows): the items' own matter column, no join, so the warning list's index answers it."""
        matters = ApprovalMatter.objects.filter(**{name.removeprefix("matter__"): value}).values_list("pk", flat=True)
        return queryset.filter(matter_id__in=list(matters))
