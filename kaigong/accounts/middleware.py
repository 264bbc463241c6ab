"""Session limits and the forced change of a known password.

SessionLimitMiddleware: a session ends KAIGONG_SESSION_MAX_AGE after the login, whatever the activity (the login
time is stored in the session when it starts), and SESSION_COOKIE_AGE after the last request: the middleware
renews the idle deadline at most once a minute (a session write per request would serialize the site's writers
on SQLite for nothing).

DemoPasswordMiddleware: whoever logged in with the demo city's published password outside the demo (DEBUG off and
KAIGONG_DEMO unset) is sent to the password page until they have chosen their own.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kaigong.accounts.choices import AccountEvent
from kaigong.accounts.lockout import record_access_event

LOGIN_AT = "kaigong_login_at"
SEEN_AT = "kaigong_seen_at"
MUST_CHANGE_PASSWORD = "kaigong_must_change_password"
RENEW_EVERY = 60  # seconds between two renewals of the idle deadline


def start_session_clock(sender, request, user, **kwargs):
    """user_logged_in: the session's absolute limit counts from now."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LOGIN_AT] = session[SEEN_AT] = int(time.time())


def connect_signals() -> None:
    user_logged_in.connect(start_session_clock, dispatch_uid="kaigong_start_session_clock")


class SessionLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.setdefault(LOGIN_AT, now)  # a session older than this rule starts its clock now
            if now - login_at > settings.KAIGONG_SESSION_MAX_AGE:
                return self._expire(request)
            if now - session.get(SEEN_AT, 0) >= RENEW_EVERY:
                session[SEEN_AT] = now  # the session is saved, and its idle deadline moves on
        return self.get_response(request)

    def _expire(self, request):
        user = request.user
        record_access_event(code=AccountEvent.SESSION_EXPIRED, user=user, actor=user)
        logout(request)
        if request.path.startswith("/api/"):
            return self.get_response(request)  # answered as anyone not logged in: 401/403 in the error shape
        messages.info(
            request,
            _("登录已超过 %(hours)s 小时，请重新登录。") % {"hours": settings.KAIGONG_SESSION_MAX_AGE // 3600},
        )
        return redirect_to_login(request.get_full_path())


class DemoPasswordMiddleware:
    """Until a user who logged in with the demo password has changed it, every page leads to the password page."""

    ALLOWED = ("accounts:password-change", "accounts:logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and request.session.get(MUST_CHANGE_PASSWORD):
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith(("/" + settings.STATIC_URL, "/api/")):
                messages.warning(request, _("您仍在使用公开的演示密码，请先修改密码。"))
                return redirect("accounts:password-change")
        return self.get_response(request)
