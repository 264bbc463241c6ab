"""One FilterSet for projects, shared by the list page, the API's ?field= parameters and the ledger export."""

import django_filters
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.models import Department
from kaigong.projects.choices import Pool, Stage
from kaigong.projects.models import Category, GroundbreakingBatch, Level, Project
from kaigong.projects.search import search_projects


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    category = django_filters.ModelChoiceFilter(label=_("项目类别"), queryset=Category.objects.all())
    level = django_filters.ModelChoiceFilter(label=_("项目级别"), queryset=Level.objects.all())
    stage = django_filters.MultipleChoiceFilter(label=_("项目阶段"), choices=Stage.choices, distinct=False)
    responsible_department = django_filters.ModelChoiceFilter(label=_("责任单位"), queryset=Department.objects.all())
    batch = django_filters.ModelChoiceFilter(
        label=_("开工批次"), field_name="batches", queryset=GroundbreakingBatch.objects.all()
    )
    township = django_filters.CharFilter(label=_("所在乡镇(街道)"), lookup_expr="exact")
    year = django_filters.NumberFilter(label=_("计划年度"))
    pool = django_filters.ChoiceFilter(label=_("项目库"), choices=Pool.choices)
    registered_in_statistics = django_filters.BooleanFilter(label=_("已入库纳统"))
    ordering = django_filters.OrderingFilter(
        label=_("排序"),
        fields=(
            ("name", "name"),
            ("project_code", "project_code"),
            ("total_investment", "total_investment"),
            ("annual_planned_investment", "annual_planned_investment"),
            ("year", "year"),
            ("planned_start_date", "planned_start_date"),
            ("stage", "stage"),
            ("updated_at", "updated_at"),
            ("id", "id"),
        ),
        field_labels={
            "name": _("项目名称"),
            "project_code": _("项目代码"),
            "total_investment": _("总投资"),
            "annual_planned_investment": _("年度计划投资"),
            "year": _("计划年度"),
            "planned_start_date": _("计划开工时间"),
            "stage": _("项目阶段"),
            "updated_at": _("更新时间"),
            "id": _("登记顺序"),
        },
    )

    class Meta:
        model = Project
        fields = [
            "q",
            "category",
            "level",
            "stage",
            "responsible_department",
            "batch",
            "township",
            "year",
            "pool",
            "registered_in_statistics",
        ]

    def filter_q(self, queryset, name, value):
        return search_projects(queryset, value)
