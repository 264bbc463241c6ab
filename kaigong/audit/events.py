"""Typed audit events: what an event's ``code`` may be and how it reads, and how system actors are named.

An event's ``action`` says what kind of change it records (新建, 修改, 阶段变更 …: AuditAction). Many events also
record a *step*: a checklist item was accepted, a plan's baseline was set, a heritage routing was forwarded. The
step is the event's ``code``, a value of a TextChoices enum the app that records it declares (approvals.choices
.ItemAction, heritage.choices.RoutingEvent, …) and registers here from its AppConfig.ready. The audit log shows
a code by its translated name and filters by it; the event's ``note`` is free text only (a reason, a file name).

Commands and jobs act without a user: their ``actor_label`` is stored in Chinese, one form for all of them
(``command_actor("load-demo")`` → "命令 load-demo"), and shown in the reader's language by ``actor_display``.
"""

from django.db.models import TextChoices
from django.utils.translation import gettext, gettext_noop

_labels: dict[str, object] = {}


def register_event_codes(*enums: type[TextChoices]) -> None:
    """Declare the codes an app records (from its AppConfig.ready). A code is one step wherever it is recorded: the
    same code registered twice must carry the same name."""
    for enum in enums:
        for code, label in enum.choices:
            known = _labels.get(code)
            if known is not None and str(known) != str(label):
                raise ValueError(f"audit event code {code!r} is already registered as {known!r}, not {label!r}")
            _labels[code] = label


def is_event_code(code: str) -> bool:
    return code in _labels


def event_label(code: str) -> str:
    """The code's name in the active language (an unknown code as written: nothing is hidden)."""
    label = _labels.get(code)
    return str(label) if label is not None else code


def event_choices() -> list[tuple[str, str]]:
    """(code, name) of every registered code, sorted by name in the active language: the audit log's filter."""
    return sorted(((code, str(label)) for code, label in _labels.items()), key=lambda pair: pair[1])


# --- system actors --------------------------------------------------------------------------------------------

COMMAND = gettext_noop("命令 %(command)s")
ROUTING = gettext_noop("文物审批流转 · %(who)s")
ROUTING_ALONE = gettext_noop("文物审批流转")
LEDGER_API = gettext_noop("API 台账导入")
_PREFIXES = {"命令 ": COMMAND, "文物审批流转 · ": ROUTING}
_WHO = {COMMAND: "command", ROUTING: "who"}


def command_actor(command: str) -> str:
    """The stored label of a command or job ("命令 approvals seed"): the one form every command uses."""
    return COMMAND % {"command": command}


def routing_actor(who: str) -> str:
    """The stored label of a checklist step the heritage routing takes on someone's behalf."""
    return ROUTING % {"who": who} if who else ROUTING_ALONE


def actor_display(label: str) -> str:
    """A stored system actor label in the active language (a user's name, or an unknown label, as written)."""
    for prefix, msgid in _PREFIXES.items():
        if label.startswith(prefix):
            return gettext(msgid) % {_WHO[msgid]: label[len(prefix) :]}
    return gettext(label) if label in (ROUTING_ALONE, LEDGER_API) else label
