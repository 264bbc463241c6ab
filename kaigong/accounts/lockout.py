"""Login throttling with django-axes: who is locked out, how the lockout answers, and its audit events.

Axes counts failed logins per account and per address (settings.AXES_LOCKOUT_PARAMETERS) wherever
``django.contrib.auth.authenticate`` runs: the login page, the admin's login and ``POST /api/auth/token/``. At
AXES_FAILURE_LIMIT failures both the account and the address are refused for AXES_COOLOFF_TIME, even with the right
password. This module answers that refusal (the login page with a message in the reader's language; the API's one
error shape, code ``locked_out``) and writes the audit events of failed logins and lockouts; unlocking is
``accounts.services.unlock_account``.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_noop

from kaigong.accounts.choices import AccountEvent
from kaigong.accounts.forms import LoginForm
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event
from kaigong.core.exceptions import KaigongError

LOCKED_OUT = gettext_noop("登录失败次数过多，该账号或地址已被锁定，请 %(minutes)s 分钟后再试，或请项目办解锁。")


class AccountLockedError(KaigongError):
    """Too many failed logins for this account or from this address (answered 429 by the API)."""

    code = "locked_out"
    status = 429

    def __init__(self):
        super().__init__(LOCKED_OUT, params={"minutes": lockout_minutes()})


class LockoutBackend(AxesStandaloneBackend):
    """Axes' backend (AUTHENTICATION_BACKENDS, first): refuses a locked-out account or address before any password
    is checked. A call without a request is no login over HTTP (the test client's ``login()``, a script): there is
    no address to count, so it is left to the next backend instead of failing."""

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def client_address(request) -> str | None:
    """The address a login comes from. Behind the reverse proxy (BEHIND_PROXY, which sets SECURE_PROXY_SSL_HEADER)
    it is the last X-Forwarded-For entry, the one the proxy appended; otherwise the socket's address, so a client
    cannot pick a new address for each guess by sending the header itself."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the answer to a request refused by a lockout. The API answers its error shape; a page
    shows the login form again with the lockout message (never a bare 403 page)."""
    error = AccountLockedError()
    if request.path.startswith("/api/"):
        body = {"error": {"code": error.code, "message": error.message, "message_en": error.message_en}}
        return JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    context = {"form": form, "next": request.POST.get("next", ""), "lockout_message": error.message_active}
    return render(request, "accounts/login.html", context, status=error.status)


def _note(username, request) -> str:
    """The username typed and the address, as the audit note of a failed login or a lockout."""
    address = getattr(request, "axes_ip_address", None) or (client_address(request) if request is not None else "")
    return f"{(username or '')[:150]} @ {address or '?'}"


def _account(username):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


def record_access_event(*, code: str, user=None, actor=None, note: str = "") -> None:
    """One audit event about a person's access (login, failure, lockout …), about their account when it exists."""
    with transaction.atomic():
        record_event(action=AuditAction.ACCESS, actor=actor, obj=user, code=code, note=note)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username")
    record_access_event(code=AccountEvent.LOGIN_FAILED, user=_account(username), note=_note(username, request))


def _on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    # Axes signals a lockout when it begins (the failure that reached the limit was counted) and again for each
    # attempt refused during it; only its beginning is an event (each refused attempt is a failed login already).
    if request is not None and getattr(request, "axes_failures_since_start", None) is None:
        return
    record_access_event(code=AccountEvent.LOCKED_OUT, user=_account(username), note=_note(username, request))


def connect_signals() -> None:
    from axes.signals import user_locked_out

    # After axes' own receiver (axes is installed before accounts), so the request carries axes' verdict.
    user_login_failed.connect(_on_login_failed, dispatch_uid="kaigong_audit_login_failed")
    user_locked_out.connect(_on_locked_out, dispatch_uid="kaigong_audit_locked_out")
