"""A person's access gets its own action (issue 10 §11): the events of logins, logouts, failed logins, lockouts,
unlocks, API tokens, revoked credentials and password changes were recorded as 修改 (update) with their step as
the code; they become 登录与访问 (access), so the audit log filters them apart from changes to data.

The action is part of each event's chain hash (migration 0003), so the events from the first one rewritten on are
chained again, in id order, inside the maintenance switch (kaigong/audit/maintenance.py) and, on PostgreSQL, under
the chain's lock. Each of those events is checked as stored before it is rewritten: on a chain already broken the
migration stops and names the event (run ``kaigong audit verify``), so re-chaining never hides a tampered row.
The chain head changes: a head recorded outside the database before this migration is replaced by the one
``kaigong audit verify`` prints after it. Reversible (access back to update, chained again)."""

import importlib

from django.db import migrations, models
from django.db.models.functions import Cast

frozen = importlib.import_module("kaigong.audit.migrations.0003_append_only_chain")

# AccountEvent's codes on 2026-12-05: every step of a person's access.
ACCESS_CODES = (
    "login",
    "logout",
    "session_expired",
    "login_failed",
    "locked_out",
    "unlocked",
    "token_issued",
    "credentials_revoked",
    "password_changed",
    "password_set",
)
LOCK_KEY = 0x6B6169676F6E67  # kaigong.audit.chain.LOCK_KEY
BATCH = 5000


class BrokenChainError(RuntimeError):
    pass


def _switch(cursor, vendor, *, on):
    if vendor == "postgresql":
        cursor.execute("SELECT set_config('kaigong.audit_maintenance', %s, true)", ["on" if on else "off"])
    elif on:
        cursor.execute("INSERT INTO audit_maintenance (reason) VALUES (%s)", ["migration audit 0004"])
    else:
        cursor.execute("DELETE FROM audit_maintenance")


def rechain_access_events(apps, schema_editor, *, old="update", new="access"):
    """Set ``new`` as the action of the access events recorded as ``old``, and chain every event from the first
    of them on again."""
    connection = schema_editor.connection
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = AuditEvent.objects.using(connection.alias)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        first = events.filter(action=old, code__in=ACCESS_CODES).order_by("id").values_list("id", flat=True).first()
        if first is None:
            return
        start = events.filter(id__lt=first).order_by("-id").values_list("chain_hash", flat=True).first() or ""
        rows = events.filter(id__gte=first).order_by("id").annotate(changes_text=Cast("changes", models.TextField()))
        table = schema_editor.quote_name(AuditEvent._meta.db_table)
        sql = f"UPDATE {table} SET action = %s, prev_hash = %s, chain_hash = %s WHERE id = %s"
        stored_prev, new_prev, last = start, start, first - 1
        _switch(cursor, connection.vendor, on=True)
        while True:
            batch = list(
                rows.filter(id__gt=last).values_list("id", "actor_id", "prev_hash", "chain_hash", *frozen.CONTENT)[
                    :BATCH
                ]
            )
            updates = []
            for pk, actor_id, prev_hash, chain_hash, *content in batch:
                content[-2] = frozen.decode_changes(content[-2])
                intact = (
                    prev_hash == stored_prev
                    and frozen.event_hash(prev_hash, content) == chain_hash
                    and actor_id in (None, content[3])
                )
                if not intact:
                    raise BrokenChainError(
                        f"audit event {pk} does not verify as stored: the chain is broken there. Run `kaigong audit "
                        "verify`, settle the break (docs/operations.md, the audit log), then migrate again."
                    )
                if content[0] == old and content[1] in ACCESS_CODES:
                    content[0] = new
                new_hash = frozen.event_hash(new_prev, content)
                updates.append((content[0], new_prev, new_hash, pk))
                stored_prev, new_prev = chain_hash, new_hash
            if updates:
                cursor.executemany(sql, updates)
            if len(batch) < BATCH:
                break
            last = batch[-1][0]
        _switch(cursor, connection.vendor, on=False)


def back_to_update(apps, schema_editor):
    rechain_access_events(apps, schema_editor, old="access", new="update")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_append_only_chain"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "新建"),
                    ("update", "修改"),
                    ("stage_change", "阶段变更"),
                    ("delete", "删除"),
                    ("import", "导入"),
                    ("export", "导出"),
                    ("access", "登录与访问"),
                ],
                max_length=20,
                verbose_name="操作",
            ),
        ),
        migrations.RunPython(rechain_access_events, back_to_update),
    ]
