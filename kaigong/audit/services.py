"""Writing audit events. Every state-changing service calls record_event inside its own transaction."""

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, transaction
from django.utils import timezone

from kaigong.audit import chain
from kaigong.audit.events import is_event_code
from kaigong.audit.models import SYSTEM_ACTOR, AuditEvent


def audit_value(value):
    """A JSON-safe, human-readable form of a field value for the before/after record."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [audit_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): audit_value(v) for k, v in value.items()}
    return str(value)


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The audited values of ``fields`` on ``instance`` (foreign keys by their display name)."""
    data = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted(str(o) for o in getattr(instance, name).all()) if instance.pk else []
        else:
            data[name] = audit_value(getattr(instance, name))
    return data


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record_event(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    obj: models.Model | None = None,
    project=None,
    changes: dict | None = None,
    code: str = "",
    note: str = "",
) -> AuditEvent:
    """Append one audit event. Must run inside the transaction of the change it records. ``code``: the step, a
    registered event code (audit.events); ``note``: free text (a reason, a file name).

    The event is linked to the chain's head (audit/chain.py); on PostgreSQL the chain stays locked for other
    writers until this transaction ends."""
    _check_code(code)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must be called inside the transaction of the change it records")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        action=action,
        occurred_at=timezone.now(),
        actor=actor,
        recorded_actor_id=actor.pk if actor is not None else None,
        actor_label=actor_label or (str(actor) if actor else SYSTEM_ACTOR),
        changes=chain.stored_json(changes or {}),
        code=code,
        note=note[:500],
    )
    if obj is not None:
        event.content_type = ContentType.objects.get_for_model(obj)
        event.object_id = str(obj.pk)
        event.object_repr = str(obj)[:200]
    if project is not None:
        event.project_id = project.pk
    event.prev_hash = chain.head(connections[AuditEvent.objects.db])
    event.chain_hash = chain.event_hash(event.prev_hash, [getattr(event, name) for name in chain.CONTENT])
    event.save()
    return event


def record_events(events: list[dict], *, batch_size: int = 1000) -> int:
    """Append many audit events at once (the ledger import's bulk path); each dict takes record_event's
    arguments. Must run inside the transaction of the changes it records, like record_event. Returns how many.

    The rows go in with one COPY (PostgreSQL) or executemany (SQLite), their values prepared once per column as
    save() would: Django's bulk_create spends most of a 10k-event import preparing values one by one (and on
    SQLite caps a statement at 999 parameters). The events of one call share one time, as one change does, and
    are chained in the order given (hashing 10k events takes a few tens of milliseconds)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_events must be called inside the transaction of the changes it records")
    if not events:
        return 0
    connection = connections[AuditEvent.objects.db]
    field = AuditEvent._meta.get_field
    now = timezone.now()
    occurred_at = field("occurred_at").get_db_prep_save(now, connection)
    prepare_changes = field("changes").get_db_prep_save
    content_type_ids: dict[type, int] = {}
    rows = []
    prev_hash = chain.head(connection)
    for item in events:
        actor = item.get("actor")
        if actor is not None and not getattr(actor, "is_authenticated", False):
            actor = None
        obj = item.get("obj")
        content_type_id, object_id, object_repr = None, "", ""
        if obj is not None:
            model = type(obj)
            if model not in content_type_ids:
                content_type_ids[model] = ContentType.objects.get_for_model(obj).pk
            content_type_id, object_id, object_repr = content_type_ids[model], str(obj.pk), str(obj)[:200]
        project = item.get("project")
        action, actor_id = str(item["action"]), actor.pk if actor is not None else None
        actor_label = item.get("actor_label") or (str(actor) if actor else SYSTEM_ACTOR)
        project_id = project.pk if project is not None else None
        changes = chain.stored_json(item.get("changes") or {})
        code, note = _check_code(item.get("code") or ""), (item.get("note") or "")[:500]
        content = (action, code, now, actor_id, actor_label, content_type_id, object_id, object_repr, project_id)
        chain_hash = chain.event_hash(prev_hash, (*content, changes, note))
        rows.append(
            (
                action,
                occurred_at,
                actor_id,
                actor_id,
                actor_label,
                content_type_id,
                object_id,
                object_repr,
                project_id,
                prepare_changes(changes, connection),
                code,
                note,
                prev_hash,
                chain_hash,
            )
        )
        prev_hash = chain_hash
    quote = connection.ops.quote_name
    table = quote(AuditEvent._meta.db_table)  # table and column names come from the model
    columns = ", ".join(quote(field(name).column) for name in _EVENT_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with connection.wrap_database_errors, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_EVENT_COLUMNS))})"
            for start in range(0, len(rows), batch_size):
                cursor.executemany(sql, rows[start : start + batch_size])
    return len(rows)


# The columns record_events writes, in the order of its rows.
_EVENT_COLUMNS = (
    "action",
    "occurred_at",
    "actor",
    "recorded_actor_id",
    "actor_label",
    "content_type",
    "object_id",
    "object_repr",
    "project",
    "changes",
    "code",
    "note",
    "prev_hash",
    "chain_hash",
)


def _check_code(code: str) -> str:
    """A code must be registered (audit.events), so the log can name it in both languages."""
    if code and not is_event_code(code):
        raise ValueError(f"unregistered audit event code {code!r}: declare it in an enum and register it")
    return code
