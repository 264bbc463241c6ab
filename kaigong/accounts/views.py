"""Log in and log out (Django's auth views with Kaigong's templates); the office's list of organizations.
The 字典别名 pages (the aliases of categories, levels and departments) are the projects app's."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kaigong.accounts import services
from kaigong.accounts.filters import OrganizationFilterSet
from kaigong.accounts.forms import OrganizationForm
from kaigong.accounts.models import Organization
from kaigong.accounts.selectors import list_organizations

PAGE_SIZE = 50


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget = forms.PasswordInput(attrs={"autocomplete": "current-password"})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot log anyone out."""


def _require_office(user) -> None:
    if not user.can_edit_all_projects:
        raise PermissionDenied


@login_required
@require_GET
def organization_list(request):
    """The office's list of organizations (建设单位, investors), to find and complete those a ledger registered
    without a credit code (?missing_credit_code=true)."""
    _require_office(request.user)
    filterset = OrganizationFilterSet(
        request.GET or None, queryset=list_organizations(user=request.user).order_by("name", "id")
    )
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    form = filterset.form
    form.fields["missing_credit_code"].widget = forms.Select(
        choices=[("", _("全部")), ("true", _("缺统一社会信用代码")), ("false", _("已填写"))]
    )
    form.fields["kind"].empty_label = _("全部")
    form.fields["kind"].widget.choices = form.fields["kind"].choices
    context = {
        "page_obj": page,
        "filter_form": form,
        "missing_count": Organization.objects.filter(credit_code__isnull=True).count(),
    }
    return render(request, "accounts/organization_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk: int):
    """Change an organization, above all fill in the credit code it lacks; saved (and audited) by the service."""
    _require_office(request.user)
    organization = get_object_or_404(list_organizations(user=request.user), pk=pk)
    form = OrganizationForm(request.POST or None, instance=Organization.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        services.update_organization(organization=organization, data=form.cleaned_data, actor=request.user)
        messages.success(request, _("已保存“%(name)s”。") % {"name": organization.name})
        return redirect(f"{reverse('accounts:organization-list')}?missing_credit_code=true")
    return render(request, "accounts/organization_form.html", {"form": form, "organization": organization})
