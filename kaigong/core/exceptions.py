"""Domain errors raised by services; pages, API and CLI each turn them into their own kind of answer."""

from django.utils.translation import get_language, gettext, gettext_noop, override


def translated(msgid: str, params: dict | None = None, *, language: str) -> str:
    """``msgid`` in ``language``, formatted with ``params``.

    Formatted inside the override so lazy params (choice labels) follow the same language.
    """
    with override(language):
        text = gettext(msgid)
        return text % params if params else text


def bilingual(msgid: str, params: dict | None = None) -> str:
    """'中文 (English)' for CLI output; just the Chinese when the English is the same."""
    zh, en = translated(msgid, params, language="zh-hans"), translated(msgid, params, language="en")
    return zh if zh == en else f"{zh} ({en})"


class KaigongError(Exception):
    """Base for errors a user can act on. ``message`` is Chinese (a gettext msgid). ``field`` names the input it is
    about, where there is one: a page puts the message on that field, the API lists it under ``fields``."""

    code = "error"
    status = 400
    field = ""

    def __init__(self, message: str, *, params: dict | None = None, field: str = ""):
        self.msgid = message
        self.params = params or {}
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return translated(self.msgid, self.params, language="zh-hans")

    @property
    def message_en(self) -> str:
        return translated(self.msgid, self.params, language="en")

    @property
    def message_active(self) -> str:
        """The message in the active language (a page's)."""
        return translated(self.msgid, self.params, language=get_language())

    def __str__(self) -> str:
        return bilingual(self.msgid, self.params)


class StaleVersionError(KaigongError):
    code = "stale_version"
    status = 409

    def __init__(self):
        super().__init__(gettext_noop("该项目已被他人修改,请刷新后重试"))


class TransitionNotAllowed(KaigongError):
    code = "transition_not_allowed"
    status = 400


class PermissionDeniedError(KaigongError):
    code = "permission_denied"
    status = 403

    def __init__(self, message: str = gettext_noop("您没有执行此操作的权限")):
        super().__init__(message)
