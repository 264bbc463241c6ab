"""Users, departments and organizations in /admin/, saved through accounts.services so every change is audited like
one made on a page: a user created (新建用户), a role or privilege changed (变更角色或权限, ending the user's tokens
and sessions), an account deactivated or activated, a password set by the administrator, a department renamed
(keeping its former name as an alias). Users and organizations are never deleted (deactivate a user: the audit log
still names them); a department is, one at a time and audited."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from kaigong.accounts import services
from kaigong.accounts.models import Department, Organization, User
from kaigong.core.admin import AdministratorOnlyAdmin, form_data


@admin.register(User)
class UserAdmin(AdministratorOnlyAdmin, DjangoUserAdmin):
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
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        data = form_data(User, form)
        if change:
            services.update_user(user=User.objects.get(pk=obj.pk), data=data, actor=request.user)
        else:
            data.pop("password", None)
            password = form.cleaned_data.get("password1") if form.cleaned_data.get("set_usable_password") else None
            obj.pk = services.create_user(data=data, password=password, actor=request.user).pk

    def save_related(self, request, form, formsets, change):
        # The groups and permissions were set by the service, which audits them; only inlines are left to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the account's events keep naming it

    def user_change_password(self, request, id, form_url=""):
        """The administrator sets a user's password through services.set_user_password (audited: 管理员设置密码);
        what Django's view does otherwise (the form, its errors, the permission check) is left to it."""
        user = self.get_object(request, unquote(id)) if request.method == "POST" else None
        if user is None or not self.has_change_permission(request, user):
            return super().user_change_password(request, id, form_url)
        form = self.change_password_form(user, request.POST)
        if not form.is_valid() or not (form.cleaned_data["set_usable_password"] or "unset-password" in request.POST):
            return super().user_change_password(request, id, form_url)
        password = form.cleaned_data.get("password1") if form.cleaned_data["set_usable_password"] else None
        services.set_user_password(user=user, password=password, actor=request.user)
        self.log_change(request, user, self.construct_change_message(request, form, None))
        messages.success(
            request,
            gettext("Password changed successfully.")
            if password
            else gettext("Password-based authentication was disabled."),
        )
        update_session_auth_hash(request, user)
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:accounts_user_change", args=[user.pk]))


@admin.register(Department)
class DepartmentAdmin(AdministratorOnlyAdmin, admin.ModelAdmin):
    list_display = ["name", "short_name", "aliases", "kind", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "aliases"]

    def save_model(self, request, obj, form, change):
        data = form_data(Department, form)
        if change:
            services.update_department(department=Department.objects.get(pk=obj.pk), data=data, actor=request.user)
        else:
            obj.pk = services.create_department(data=data, actor=request.user).pk

    def delete_model(self, request, obj):
        services.delete_department(department=obj, actor=request.user)


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
class OrganizationAdmin(AdministratorOnlyAdmin, admin.ModelAdmin):
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


# Not in the admin: Django's groups (Kaigong's roles say who may do what, and a group would grant permissions no
# service checks) and DRF's tokens (issued by /api/auth/token/ after the login checks, revoked through
# accounts.services, each audited; a token made here would let the administrator act as anyone, unrecorded).
for _model in (Group, TokenProxy):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
