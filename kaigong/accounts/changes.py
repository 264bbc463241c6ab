"""The one place that announces "this organization changed", for the apps built on accounts to follow.

An organization's attributes feed other apps: the projects app keeps the owner's name in its projects' search
text, and later apps may keep their own derived rows. Those apps build on accounts, so accounts never imports them:
each registers a *handler* from its ``AppConfig.ready``, and ``update_organization`` announces its changes here,
once per write, inside the write's transaction. A handler's own writes therefore commit or roll back with the
change that caused them. Handlers run in the order they were registered (INSTALLED_APPS order).

Side effects outside the database (notices, e-mail) do not belong in a handler: register them with
``transaction.on_commit`` from inside it.
"""

from collections.abc import Callable, Iterable

from django.db import transaction

# A handler is told the organization as saved and the names of its audited fields whose value changed.
OrganizationChangeHandler = Callable[[object, frozenset[str]], None]

_handlers: dict[str, OrganizationChangeHandler] = {}


def register_organization_change_handler(name: str, handler: OrganizationChangeHandler) -> None:
    """Add (or replace, by ``name``: ready() may run twice in tests) a handler."""
    _handlers[name] = handler


def announce_organization_changed(*, organization, fields: Iterable[str]) -> None:
    """Tell every registered handler that ``organization`` changed (``fields``: the changed field names).
    Must run inside the transaction of the change; an empty change is not announced."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("announce_organization_changed must run inside the transaction of the change")
    changed = frozenset(fields)
    if not changed:
        return
    for handler in _handlers.values():
        handler(organization, changed)
