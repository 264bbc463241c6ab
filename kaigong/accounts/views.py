"""Log in, log out and change one's password (Django's auth views with Kaigong's templates, audited); the office's
list of organizations and its unlocking of accounts locked by failed logins.
The 字典别名 pages (the aliases of categories, levels and departments) are the projects app's."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kaigong.accounts import services
from kaigong.accounts.choices import AccountEvent
from kaigong.accounts.filters import OrganizationFilterSet
from kaigong.accounts.forms import KaigongPasswordChangeForm, LoginForm, OrganizationForm
from kaigong.accounts.lockout import client_address, record_access_event
from kaigong.accounts.middleware import MUST_CHANGE_PASSWORD
from kaigong.accounts.models import Organization
from kaigong.accounts.passwords import demo_password_allowed, is_demo_password
from kaigong.accounts.selectors import list_lockouts, list_organizations
from kaigong.core.exceptions import KaigongError

PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    """Log in (failures counted and locked out by axes: accounts/lockout.py). A login is an audit event; whoever
    logs in with the demo city's published password outside the demo must change it first."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        record_access_event(code=AccountEvent.LOGIN, user=user, actor=user, note=_address_note(self.request))
        if is_demo_password(form.cleaned_data.get("password", "")) and not demo_password_allowed():
            self.request.session[MUST_CHANGE_PASSWORD] = True
            return redirect("accounts:password-change")
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link cannot log anyone out. A logout is an audit event."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            user = request.user
            record_access_event(code=AccountEvent.LOGOUT, user=user, actor=user, note=_address_note(request))
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (the old one, the new one twice, AUTH_PASSWORD_VALIDATORS). The user's API tokens
    and other sessions end with the old password (accounts/tokens.py); this session goes on."""

    template_name = "accounts/password_change.html"
    form_class = KaigongPasswordChangeForm
    success_url = reverse_lazy("projects:overview")

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.pop(MUST_CHANGE_PASSWORD, None)
        user = self.request.user
        record_access_event(code=AccountEvent.PASSWORD_CHANGED, user=user, actor=user)
        messages.success(self.request, _("密码已修改。"))
        return response


def _address_note(request) -> str:
    return client_address(request) or ""


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


@login_required
@require_GET
def lockout_list(request):
    """The accounts and addresses locked out by failed logins now, for the office to unlock one it trusts."""
    _require_office(request.user)
    return render(request, "accounts/lockout_list.html", {"lockouts": list_lockouts()})


@login_required
@require_http_methods(["POST"])
def lockout_unlock(request):
    """Unlock one account or address (accounts.services.unlock_account, audited)."""
    _require_office(request.user)
    username, address = request.POST.get("username", "").strip(), request.POST.get("address", "").strip()
    try:
        services.unlock_account(username=username, address=address, actor=request.user)
    except KaigongError as exc:
        messages.error(request, exc.message_active)
    else:
        messages.success(request, _("已解锁“%(who)s”。") % {"who": username or address})
    return redirect("accounts:lockout-list")
