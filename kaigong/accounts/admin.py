from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from kaigong.accounts import services
from kaigong.accounts.models import Department, Organization, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "department", "organization", "is_active"]
    list_filter = ["role", "is_active", "department"]
    search_fields = ["username", "display_name", "phone"]
    autocomplete_fields = ["department", "organization"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("开工"), {"fields": ["display_name", "role", "department", "organization", "phone"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("开工"), {"fields": ["display_name", "role", "department", "organization"]}),
    ]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "aliases", "kind", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "aliases"]


class MissingCreditCodeFilter(admin.SimpleListFilter):
    title = _("统一社会信用代码")
    parameter_name = "missing_credit_code"

    def lookups(self, request, model_admin):
        return [("true", _("缺统一社会信用代码")), ("false", _("已填写"))]

    def queryset(self, request, queryset):
        if self.value() == "true":
            return queryset.filter(credit_code__isnull=True)
        if self.value() == "false":
            return queryset.filter(credit_code__isnull=False)
        return queryset


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Saved through the services, so every change is audited like one made on a page."""

    list_display = ["name", "credit_code", "kind", "contact_person", "contact_phone"]
    list_filter = ["kind", MissingCreditCodeFilter]
    search_fields = ["name", "credit_code"]
    fields = ["name", "credit_code", "kind", "contact_person", "contact_phone", "address"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in self.fields}
        if change:
            services.update_organization(
                organization=Organization.objects.get(pk=obj.pk), data=data, actor=request.user
            )
        else:
            saved = services.create_organization(data=data, actor=request.user)
            obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False
