"""Domain errors raised by services; pages, API and CLI each turn them into their own kind of answer."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override


def bilingual(message: str) -> str:
    """'中文 (English)': the Chinese message with its English translation, for CLI output and API errors.

    ``message`` is the Chinese msgid (already formatted); its English comes from the en catalogue.
    """
    with override("en"):
        english = _(message)
    return message if english == message else f"{message} ({english})"


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
        with override("zh-hans"):  # params may be lazy (choice labels): formatted in the same language
            text = _(self.msgid)
            return text % self.params if self.params else text

    @property
    def message_en(self) -> str:
        with override("en"):
            text = _(self.msgid)
            return text % self.params if self.params else text

    def __str__(self) -> str:
        zh, en = self.message, self.message_en
        return zh if zh == en else f"{zh} ({en})"


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
