"""API tokens that expire and are revoked; a password or role change ends the user's tokens and sessions.

DRF's authtoken model is kept (one token per user, its ``created`` time), with three rules on top:
- a token is refused KAIGONG_TOKEN_MAX_AGE seconds after it was issued (ExpiringTokenAuthentication);
- each ``POST /api/auth/token/`` issues a new key (services.issue_token), so an old one stops working;
- a change of password or role revokes the user's tokens and sessions, whichever path saved it (the admin,
  ``changepassword``, the password page, a service): a pre_save/post_save pair on User compares the stored
  password hash and role (Django's upgrade of a password's hash at login counts as a change: rare, and safe).
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from kaigong.accounts.choices import AccountEvent
from kaigong.audit.choices import AuditAction
from kaigong.audit.services import record_event

_REVOKING_FIELDS = {"password", "role"}


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused (401) once the token is older than KAIGONG_TOKEN_MAX_AGE."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        return user, token


def token_expired(token: Token) -> bool:
    return token.created < timezone.now() - dt.timedelta(seconds=settings.KAIGONG_TOKEN_MAX_AGE)


def revoke_credentials(user) -> tuple[int, int]:
    """Delete the user's API tokens and sessions: (tokens, sessions) deleted."""
    tokens, _detail = Token.objects.filter(user=user).delete()
    sessions = 0
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        user_id = str(user.pk)
        stale = [
            session.session_key
            for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if session.get_decoded().get("_auth_user_id") == user_id
        ]
        sessions, _detail = Session.objects.filter(session_key__in=stale).delete()
    return tokens, sessions


def _remember_credentials(sender, instance, raw=False, update_fields=None, **kwargs):
    """Before a user is saved: the stored password hash and role, to compare after the save."""
    instance._kaigong_stored = None
    if raw or instance.pk is None or (update_fields is not None and not _REVOKING_FIELDS & set(update_fields)):
        return
    instance._kaigong_stored = sender.objects.filter(pk=instance.pk).values("password", "role").first()


def _revoke_on_change(sender, instance, created=False, raw=False, **kwargs):
    stored = getattr(instance, "_kaigong_stored", None)
    instance._kaigong_stored = None
    if created or raw or stored is None:
        return
    changed = sorted(name for name in _REVOKING_FIELDS if stored[name] != getattr(instance, name))
    if not changed:
        return
    with transaction.atomic():
        tokens, sessions = revoke_credentials(instance)
        if not (tokens or sessions):
            return
        record_event(
            action=AuditAction.ACCESS,
            obj=instance,
            code=AccountEvent.CREDENTIALS_REVOKED,
            note=f"{'+'.join(changed)}: tokens {tokens}, sessions {sessions}",
        )


def connect_signals() -> None:
    user_model = get_user_model()
    pre_save.connect(_remember_credentials, sender=user_model, dispatch_uid="kaigong_remember_credentials")
    post_save.connect(_revoke_on_change, sender=user_model, dispatch_uid="kaigong_revoke_credentials")
