"""Forms of the project pages (and of the 字典别名 pages). They parse and check input; the writes are the services'."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.models import ALIASES_HELP, Department, Organization
from kaigong.core.money import MoneyError, parse_amount
from kaigong.projects.choices import STAGES_NEEDING_REASON, Stage, allowed_next_stages
from kaigong.projects.models import Category, Level, Project
from kaigong.projects.services import PROJECT_EDITABLE_FIELDS


class MoneyField(forms.DecimalField):
    """An amount in 万元 as people type it: "1,234.5", full-width digits, "1.2亿" (read by parse_amount)."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value)
        except MoneyError as exc:
            raise ValidationError(exc.message, code="invalid") from exc  # in the page's language


class GeoJSONField(forms.JSONField):
    """A GeoJSON geometry typed as text: a project without one shows an empty box (not the JSON text "null")."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


# Pickers over a city's enterprises: kaigong.js adds a box above them that narrows the options as one types.
FILTERABLE = {"data-filterable": "", "data-filter-placeholder": _("输入名称筛选")}


class ProjectForm(forms.ModelForm):
    """Create or edit a project. ``version`` is the version the user started from (optimistic concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Project
        fields = [*PROJECT_EDITABLE_FIELDS, "investors"]
        field_classes = {
            "total_investment": MoneyField,
            "annual_planned_investment": MoneyField,
            "site_polygon": GeoJSONField,
        }
        widgets = {
            "planned_start_date": DateInput(),
            "planned_completion_date": DateInput(),
            "statistics_registered_on": DateInput(),
            "construction_content": forms.Textarea(attrs={"rows": 4}),
            "remarks": forms.Textarea(attrs={"rows": 3}),
            "site_polygon": forms.Textarea(attrs={"rows": 3, "class": "mono"}),
            "owner": forms.Select(attrs=FILTERABLE),
            "investors": forms.SelectMultiple(attrs={"size": 6, **FILTERABLE}),
        }
        help_texts = {
            "total_investment": _("单位:万元。可输入 1,234.5、全角数字,或带单位如“1.2亿”。"),
            "annual_planned_investment": _("单位:万元。"),
            "site_polygon": _("可选。GeoJSON Polygon 或 MultiPolygon,WGS84 经纬度。"),
            "investors": _("可多选:按住 Ctrl(苹果电脑按 ⌘)点击。"),
        }

    # Groups of fields as the form page shows them.
    SECTIONS = [
        (_("基本信息"), ["name", "project_code", "category", "level", "year", "pool", "is_supplement"]),
        (
            _("单位与联系人"),
            ["owner", "investors", "responsible_department", "liaison_leader", "contact_person", "contact_phone"],
        ),
        (
            _("投资与计划"),
            [
                "total_investment",
                "annual_planned_investment",
                "planned_start_date",
                "planned_completion_date",
                "registered_in_statistics",
                "statistics_registered_on",
            ],
        ),
        (
            _("建设地点与内容"),
            ["address", "township", "latitude", "longitude", "site_polygon", "construction_content", "remarks"],
        ),
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].queryset = Category.objects.filter(is_active=True) | Category.objects.filter(
            pk=self.instance.category_id or 0
        )
        self.fields["level"].queryset = Level.objects.all()
        self.fields["owner"].queryset = Organization.objects.all()
        self.fields["investors"].queryset = Organization.objects.all()
        department = self.fields["responsible_department"]
        if user.can_edit_all_projects:
            department.queryset = Department.objects.all()
        else:
            # A department officer registers projects of its own department only (the service enforces it).
            department.queryset = Department.objects.filter(pk=user.department_id)
            department.required = True
            department.empty_label = None
            department.initial = user.department_id
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year
        else:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True

    @property
    def sections(self):
        """[(title, [bound fields])]; fields not placed in SECTIONS (added later) go into a last group."""
        placed = {name for _title, names in self.SECTIONS for name in names}
        rest = [name for name in self.fields if name not in placed and name != "version"]
        groups = [*self.SECTIONS, (_("其他属性"), rest)] if rest else self.SECTIONS
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in groups]

    def service_data(self) -> dict:
        """The cleaned values the services take (everything but the version)."""
        return {name: self.cleaned_data[name] for name in [*PROJECT_EDITABLE_FIELDS, "investors"]}


class StageChangeForm(forms.Form):
    """Move a project to one of the stages allowed from where it is."""

    stage = forms.ChoiceField(label=_("新阶段"), widget=forms.RadioSelect)
    effective_date = forms.DateField(label=_("生效日期"), widget=DateInput())
    reason = forms.CharField(
        label=_("原因"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("暂停或退库时必填。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, Stage(s).label) for s in allowed_next_stages(project.stage)]
        self.fields["effective_date"].initial = timezone.localdate()
        self.fields["version"].initial = project.version
        self.needs_reason = sorted(STAGES_NEEDING_REASON)


class DictionaryAliasesForm(forms.Form):
    """The aliases of a category, level or department, one a line; the service checks none names another entry."""

    aliases = forms.CharField(
        label=_("别名"),
        required=False,
        help_text=ALIASES_HELP,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
