"""The audit table becomes append-only in the database and its events a hash chain (issue 10 §12).

- ``recorded_actor_id``: the actor's id as written (``actor`` becomes NULL when the user is deleted; the chain
  hashes this one); ``prev_hash`` and ``chain_hash``: the chain (kaigong/audit/chain.py). The events already
  stored are chained here, in id order. ``occurred_at`` is set by the writer (a default instead of auto_now_add)
  so the hash covers the stored time. No two events may link to the same one (unique ``prev_hash``).
- Triggers refuse UPDATE and DELETE of an event, and TRUNCATE of the table (PostgreSQL), unless the transaction
  turned the maintenance switch on (kaigong/audit/maintenance.py: the setting ``kaigong.audit_maintenance`` on
  PostgreSQL, a row in the table ``audit_maintenance`` on SQLite). The one UPDATE let through is a user's deletion
  setting ``actor_id`` to NULL and nothing else.

SQLite drops a table's triggers when Django remakes the table (most schema changes to it): a later migration that
alters audit_auditevent must create them again (``create_triggers`` below, with its list of columns brought up to
date). kaigong/audit/tests/test_tamper.py fails if they are missing.

The hash is frozen here as it was on 2026-12-04 (a migration must not import the app's modules); a test holds it
equal to kaigong.audit.chain.event_hash."""

import datetime as dt
import hashlib
import json
from decimal import Decimal

import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Cast

# As kaigong.audit.chain.CONTENT, with the changes read as JSON text.
CONTENT = (
    "action",
    "code",
    "occurred_at",
    "recorded_actor_id",
    "actor_label",
    "content_type_id",
    "object_id",
    "object_repr",
    "project_id",
    "changes_text",
    "note",
)


def event_hash(prev_hash, content):
    action, code, occurred_at, actor_id, actor_label, content_type_id, object_id, object_repr, project, changes, note = (
        content
    )
    payload = [
        prev_hash,
        str(action),
        code,
        occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        actor_id,
        actor_label,
        content_type_id,
        object_id,
        object_repr,
        project,
        changes,
        note,
    ]
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def decode_changes(text):
    return json.loads(text, parse_float=_number)


def _number(text):
    exact = Decimal(text)
    return int(exact) if exact == exact.to_integral_value() else float(text)


def chain_stored_events(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = AuditEvent.objects.using(schema_editor.connection.alias).annotate(
        changes_text=Cast("changes", models.TextField())
    )
    events.update(recorded_actor_id=models.F("actor_id"))
    table = schema_editor.quote_name(AuditEvent._meta.db_table)
    sql = f"UPDATE {table} SET prev_hash = %s, chain_hash = %s WHERE id = %s"
    prev_hash, last = "", 0
    with schema_editor.connection.cursor() as cursor:
        while True:  # in id order, a batch at a time (not a cursor left open on the table it updates)
            rows = list(events.filter(id__gt=last).order_by("id").values_list("id", *CONTENT)[:5000])
            batch = []
            for pk, *content in rows:
                content[-2] = decode_changes(content[-2])
                chain_hash = event_hash(prev_hash, content)
                batch.append((prev_hash, chain_hash, pk))
                prev_hash = chain_hash
            if batch:
                cursor.executemany(sql, batch)
            if len(rows) < 5000:
                return
            last = rows[-1][0]


POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION audit_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('kaigong.audit_maintenance', true) = 'on' THEN
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END IF;
        -- A deleted user's events lose their actor (on_delete=SET_NULL); the chain hashes recorded_actor_id.
        IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
           AND to_jsonb(NEW) - 'actor_id' = to_jsonb(OLD) - 'actor_id' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit events are append-only: % on audit_auditevent refused', TG_OP
            USING ERRCODE = 'restrict_violation',
                  HINT = 'see docs/operations.md, the audit log; kaigong audit verify checks the chain';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only()
    """,
    """
    CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_append_only()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER audit_auditevent_no_truncate ON audit_auditevent",
    "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
    "DROP FUNCTION audit_auditevent_append_only()",
]

# Every column but actor_id: the only change let through is actor_id becoming NULL.
SQLITE_UNCHANGED = " AND ".join(
    f"NEW.{column} IS OLD.{column}"
    for column in (
        "id",
        "action",
        "occurred_at",
        "actor_label",
        "content_type_id",
        "object_id",
        "object_repr",
        "project_id",
        "changes",
        "code",
        "note",
        "recorded_actor_id",
        "prev_hash",
        "chain_hash",
    )
)
SQLITE_TRIGGERS = [
    "CREATE TABLE audit_maintenance (reason text NOT NULL)",
    f"""
    CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance)
     AND NOT (OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND {SQLITE_UNCHANGED})
    BEGIN
        SELECT RAISE(ABORT, 'audit events are append-only: UPDATE on audit_auditevent refused');
    END
    """,
    """
    CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance)
    BEGIN
        SELECT RAISE(ABORT, 'audit events are append-only: DELETE on audit_auditevent refused');
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER audit_auditevent_no_delete",
    "DROP TRIGGER audit_auditevent_no_update",
    "DROP TABLE audit_maintenance",
]


def create_triggers(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        schema_editor.execute(sql, params=None)


def drop_triggers(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_event_code'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='occurred_at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False, verbose_name='时间'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='recorded_actor_id',
            field=models.BigIntegerField(blank=True, editable=False, help_text='记录时操作人的编号,删除该用户后仍保留', null=True, verbose_name='操作人编号'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='前一事件哈希'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain_hash',
            field=models.CharField(default='', editable=False, help_text='本事件内容与前一事件哈希的 SHA-256', max_length=64, verbose_name='链哈希'),
            preserve_default=False,
        ),
        migrations.RunPython(chain_stored_events, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='auditevent',
            constraint=models.UniqueConstraint(fields=('prev_hash',), name='audit_auditevent_one_successor'),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
