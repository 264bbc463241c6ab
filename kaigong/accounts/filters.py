"""One FilterSet for organizations, shared by the office's list page and the API's ?field= parameters."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.choices import OrganizationKind
from kaigong.accounts.models import Organization


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=OrganizationKind.choices)
    missing_credit_code = django_filters.BooleanFilter(
        label=_("缺统一社会信用代码"), field_name="credit_code", lookup_expr="isnull"
    )

    class Meta:
        model = Organization
        fields = ["q", "kind", "missing_credit_code"]

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__icontains=value.upper()))
