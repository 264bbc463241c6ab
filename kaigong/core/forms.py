"""Forms glue shared by every app's pages: a service's refusal shown on the form that sent the input."""

from django.core.exceptions import PermissionDenied, ValidationError

from kaigong.core.exceptions import KaigongError, PermissionDeniedError


def service_error_message(exc: Exception) -> str:
    """The error a service raised as one line in the page's language, for pages that answer with a flash message
    instead of a form. A PermissionDeniedError becomes Django's PermissionDenied (the 403 page)."""
    if isinstance(exc, PermissionDeniedError):
        raise PermissionDenied(exc.message_active) from exc
    if isinstance(exc, KaigongError):
        return exc.message_active
    return "; ".join(exc.messages)


def add_service_error(form, exc: Exception) -> None:
    """Put the error a service raised on ``form``, in the page's language.

    A ValidationError with fields goes on each field (those the form lacks on the form as a whole), a plain one on
    the form; a KaigongError on its ``field`` when the form has it, else on the form. A PermissionDeniedError is
    not a mistake in the input: it becomes Django's PermissionDenied (the 403 page).
    """
    if isinstance(exc, PermissionDeniedError):
        raise PermissionDenied(exc.message_active) from exc
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc)
    elif isinstance(exc, KaigongError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message_active)
    else:
        raise TypeError(f"not a service error: {exc!r}")
