"""Writing audit events. Every state-changing service calls record_event inside its own transaction."""

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

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
    note: str = "",
) -> AuditEvent:
    """Append one audit event. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must be called inside the transaction of the change it records")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        action=action,
        actor=actor,
        actor_label=actor_label or (str(actor) if actor else SYSTEM_ACTOR),
        changes=changes or {},
        note=note[:500],
    )
    if obj is not None:
        event.content_type = ContentType.objects.get_for_model(obj)
        event.object_id = str(obj.pk)
        event.object_repr = str(obj)[:200]
    if project is not None:
        event.project_id = project.pk
    event.save()
    return event


def record_events(events: list[dict], *, batch_size: int = 1000) -> list[AuditEvent]:
    """Append many audit events at once (the ledger import's bulk path); each dict takes record_event's
    arguments. Must run inside the transaction of the changes it records, like record_event."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_events must be called inside the transaction of the changes it records")
    content_types: dict[type, ContentType] = {}
    rows = []
    for item in events:
        actor = item.get("actor")
        if actor is not None and not getattr(actor, "is_authenticated", False):
            actor = None
        event = AuditEvent(
            action=item["action"],
            actor=actor,
            actor_label=item.get("actor_label") or (str(actor) if actor else SYSTEM_ACTOR),
            changes=item.get("changes") or {},
            note=(item.get("note") or "")[:500],
        )
        obj = item.get("obj")
        if obj is not None:
            model = type(obj)
            if model not in content_types:
                content_types[model] = ContentType.objects.get_for_model(obj)
            event.content_type = content_types[model]
            event.object_id = str(obj.pk)
            event.object_repr = str(obj)[:200]
        if item.get("project") is not None:
            event.project_id = item["project"].pk
        rows.append(event)
    return AuditEvent.objects.bulk_create(rows, batch_size=batch_size)
