"""The audit log behind the application's back (issue 10 §12): the database refuses to change, delete or truncate
events, and when someone who can drop the triggers does it anyway, `kaigong audit verify` names the first event
changed, removed or inserted. Written for both databases (connection.vendor where the SQL differs)."""

import importlib
import json
import threading
import time
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from kaigong.accounts.choices import Role
from kaigong.audit import chain
from kaigong.audit.maintenance import audit_maintenance
from kaigong.audit.models import AuditEvent, ImmutableError
from kaigong.audit.services import record_event, record_events
from kaigong.projects.tests.factories import ProjectFactory

migration = importlib.import_module("kaigong.audit.migrations.0003_append_only_chain")

TABLE = "audit_auditevent"


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", "--batch-size", "2", stdout=out)  # small batches: the walk crosses them
    return out.getvalue()


def broken() -> str:
    with pytest.raises(CommandError) as caught:
        verify()
    return str(caught.value)


def execute(sql: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def drop_triggers() -> None:
    """What a database superuser can do; the test's transaction brings them back."""
    if connection.vendor == "postgresql":
        execute(f"DROP TRIGGER audit_auditevent_append_only ON {TABLE}")
        execute(f"DROP TRIGGER audit_auditevent_no_truncate ON {TABLE}")
    else:
        execute("DROP TRIGGER audit_auditevent_no_update")
        execute("DROP TRIGGER audit_auditevent_no_delete")


def leave_gap() -> None:
    """The next event's id skips one, as a rolled-back insert leaves on PostgreSQL."""
    if connection.vendor == "postgresql":
        execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), (SELECT max(id) FROM {TABLE}) + 1)")
    else:
        execute(f"UPDATE sqlite_sequence SET seq = seq + 1 WHERE name = '{TABLE}'")


def forge_copy(of: AuditEvent, *, at: int, prev_hash: str, chain_hash: str) -> None:
    """Insert a copy of ``of`` with id ``at`` and the given hashes."""
    copied = "action, occurred_at, actor_id, recorded_actor_id, actor_label, content_type_id, object_id, object_repr, "
    copied += "project_id, changes, code, note"
    select = f"SELECT %s, {copied}, %s, %s FROM {TABLE} WHERE id = %s"
    execute(f"INSERT INTO {TABLE} (id, {copied}, prev_hash, chain_hash) {select}", [at, prev_hash, chain_hash, of.pk])


@pytest.fixture
def events(users):
    """Five chained events: four written one by one, and a bulk pair in the middle."""
    office = users[Role.OFFICE]
    project = ProjectFactory(name="审计链项目")
    with transaction.atomic():
        record_event(action="update", actor=office, obj=project, project=project, changes={"总投资": ["1.00", "2.50"]})
        record_events(
            [
                {"action": "import", "actor": office, "obj": project, "project": project, "note": "台账.xlsx"},
                {"action": "update", "actor_label": "命令 import-ledger", "changes": {"ratio": 0.5, "n": 1.0}},
            ]
        )
        record_event(action="stage_change", actor=office, obj=project, project=project, note="开工")
        record_event(action="export", actor_label="命令 export-ledger", note="导出")
    return list(AuditEvent.objects.order_by("id"))


# --- the database refuses ------------------------------------------------------------------------------------


def test_raw_update_and_delete_are_refused_by_the_database(events):
    event = events[2]
    with pytest.raises(IntegrityError), transaction.atomic():
        execute(f"UPDATE {TABLE} SET note = %s WHERE id = %s", ["篡改", event.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        execute(f"DELETE FROM {TABLE}")  # what a flush does on SQLite
    assert list(AuditEvent.objects.order_by("id")) == events
    assert AuditEvent.objects.get(pk=event.pk).note == event.note
    assert "审计链完整" in verify()


def test_truncate_is_refused_by_the_database(events):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE: its DELETE without WHERE is refused like any DELETE")
    connection.check_constraints()  # TRUNCATE waits for no deferred foreign-key check of the events just written
    with pytest.raises(IntegrityError), transaction.atomic():
        execute(f"TRUNCATE {TABLE}")
    assert AuditEvent.objects.count() == len(events)


def test_a_deleted_user_leaves_the_chain_intact(users, events):
    office = users[Role.OFFICE]
    office_id = office.pk
    office.delete()  # on_delete=SET_NULL: the one UPDATE the triggers let through
    assert not AuditEvent.objects.filter(actor__isnull=False).exists()
    assert AuditEvent.objects.filter(recorded_actor_id=office_id).count() == 3
    assert "审计链完整:5 个事件" in verify()
    # … but only when nothing else changes with it
    with pytest.raises(IntegrityError), transaction.atomic():
        execute(f"UPDATE {TABLE} SET actor_id = NULL, note = %s WHERE id = %s", ["篡改", events[0].pk])


def test_the_maintenance_switch_lets_its_transaction_through(events):
    with audit_maintenance():
        execute(f"DELETE FROM {TABLE} WHERE id = %s", [events[-1].pk])
    assert AuditEvent.objects.count() == len(events) - 1
    with pytest.raises(IntegrityError), transaction.atomic():  # and only that transaction
        execute(f"DELETE FROM {TABLE} WHERE id = %s", [events[-2].pk])


def test_two_events_cannot_link_to_the_same_one(events):
    """A fork is refused by the database (unique prev_hash) even from a writer that forgot the lock."""
    leave_gap()
    with pytest.raises(IntegrityError), transaction.atomic():
        forge_copy(events[2], at=events[-1].pk + 1, prev_hash=events[2].prev_hash, chain_hash="f" * 64)


def test_an_unchained_event_is_refused():
    with pytest.raises(ImmutableError, match="record_event"):
        AuditEvent.objects.create(action="update", actor_label="绕过", note="无链")


# --- verify finds what got past ------------------------------------------------------------------------------


def test_verify_reports_an_intact_chain(events):
    out = verify()
    assert "审计链完整:5 个事件" in out
    assert f"#{events[-1].pk} {events[-1].chain_hash}" in out  # the head, to be recorded elsewhere


def test_verify_on_an_empty_log(db):
    assert "审计链完整:0 个事件" in verify()


def test_an_edited_event_is_named(events):
    drop_triggers()
    execute(f"UPDATE {TABLE} SET note = %s WHERE id = %s", ["篡改的说明", events[3].pk])
    assert f"审计事件 #{events[3].pk} 被改动" in broken()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("changes", '{"总投资": ["1.00", "9.99"]}'),
        ("occurred_at", None),  # set below: a day earlier
        ("actor_label", "别人"),
        ("object_id", "999"),
    ],
)
def test_each_hashed_column_is_covered(events, column, value):
    drop_triggers()
    if column == "occurred_at":
        value = AuditEvent._meta.get_field("occurred_at").get_db_prep_save(
            events[0].occurred_at - timezone.timedelta(days=1), connection
        )
    execute(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, events[0].pk])
    assert f"#{events[0].pk} 被改动" in broken()


def test_an_event_given_to_another_actor_is_named(users, events):
    drop_triggers()
    execute(f"UPDATE {TABLE} SET actor_id = %s WHERE id = %s", [users[Role.LEADER].pk, events[0].pk])
    assert f"#{events[0].pk} 被改动" in broken()


def test_a_deleted_event_is_named(events):
    drop_triggers()
    execute(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])
    assert f"审计事件 #{events[3].pk} 不再接续 #{events[1].pk}" in broken()


def test_deleting_the_first_events_is_named(events):
    drop_triggers()
    execute(f"DELETE FROM {TABLE} WHERE id <= %s", [events[1].pk])
    assert f"审计事件 #{events[2].pk} 是第一个事件,却不是链首" in broken()


def test_a_rewritten_event_with_its_hash_recomputed_is_named(events):
    """Recomputing the changed event's own hash moves the break to the link after it."""
    drop_triggers()
    target = events[1]
    content = [*AuditEvent.objects.filter(pk=target.pk).values_list(*chain.CONTENT).get()]
    content[-1] = "改写的说明"
    rehashed = chain.event_hash(target.prev_hash, content)
    execute(f"UPDATE {TABLE} SET note = %s, chain_hash = %s WHERE id = %s", ["改写的说明", rehashed, target.pk])
    assert f"审计事件 #{events[2].pk} 不再接续 #{target.pk}" in broken()


def test_an_event_inserted_with_a_forged_hash_is_named(events):
    drop_triggers()
    leave_gap()
    record_event(action="export", actor_label="命令 export-ledger", note="之后")  # in the test's transaction
    after = AuditEvent.objects.order_by("-id").first()
    gap = after.pk - 1
    assert not AuditEvent.objects.filter(pk=gap).exists()
    forge_copy(events[0], at=gap, prev_hash="0" * 64, chain_hash="1" * 64)
    assert f"审计事件 #{gap} 是插入的:#{after.pk} 越过它接续前一事件" in broken()


def test_an_event_inserted_with_a_well_made_hash_is_named(events):
    """A forger who knows the algorithm (it is in the code) and can also drop the unique index: the event after
    the inserted one still links past it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps the unique prev_hash in the table's definition: the insertion fails there")
    drop_triggers()
    connection.check_constraints()  # ALTER TABLE waits for no deferred foreign-key check of the events just written
    execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT audit_auditevent_one_successor")
    leave_gap()
    record_event(action="export", actor_label="命令 export-ledger", note="之后")
    after = AuditEvent.objects.order_by("-id").first()
    before = events[-1]
    content = AuditEvent.objects.filter(pk=events[0].pk).values_list(*chain.CONTENT).get()
    forge_copy(
        events[0], at=after.pk - 1, prev_hash=before.chain_hash, chain_hash=chain.event_hash(before.chain_hash, content)
    )
    assert f"审计事件 #{after.pk - 1} 是插入的:#{after.pk} 越过它接续前一事件" in broken()


def test_a_chain_rewritten_as_a_whole_is_caught_against_the_recorded_head(events):
    """Whoever rewrites every hash after the event they changed leaves a consistent chain: the head recorded
    before (verify prints it) no longer matches."""
    recorded = f"{events[-1].pk}:{events[-1].chain_hash}"
    drop_triggers()
    prev_hash = events[0].chain_hash
    for event in events[1:]:
        content = [*AuditEvent.objects.filter(pk=event.pk).values_list(*chain.CONTENT).get()]
        if event == events[1]:
            content[-1] = "改写的说明"
        chain_hash = chain.event_hash(prev_hash, content)
        execute(
            f"UPDATE {TABLE} SET note = %s, prev_hash = %s, chain_hash = %s WHERE id = %s",
            [content[-1], prev_hash, chain_hash, event.pk],
        )
        prev_hash = chain_hash
    assert "审计链完整:5 个事件" in verify()
    with pytest.raises(CommandError, match=f"审计事件 #{events[-1].pk} 的链哈希与记录的不同"):
        call_command("audit", "verify", "--expect", recorded, stdout=StringIO())


def test_pruned_events_verify_from_the_last_pruned_hash(events):
    with audit_maintenance():
        execute(f"DELETE FROM {TABLE} WHERE id <= %s", [events[1].pk])
    assert f"审计事件 #{events[2].pk} 是第一个事件,却不是链首" in broken()
    out = StringIO()
    call_command("audit", "verify", "--start", events[1].chain_hash, stdout=out)
    assert "审计链完整:3 个事件" in out.getvalue()


# --- writers keep one chain ----------------------------------------------------------------------------------


def test_bulk_and_single_writes_make_one_chain(events):
    prev = chain.GENESIS
    for event in events:
        assert event.prev_hash == prev
        prev = event.chain_hash
    assert events[0].prev_hash == chain.GENESIS


def test_sequential_writers_keep_one_chain(db):
    for writer in ("甲", "乙", "丙"):
        with transaction.atomic():
            record_event(action="update", actor_label=writer, note=writer)
    assert "审计链完整:3 个事件" in verify()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    """The second writer reads the chain's head while the first has written but not committed: it waits for the
    first (advisory lock) instead of linking to the same event. SQLite serializes writers itself."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writers are serialized by the database (BEGIN IMMEDIATE); see the sequential test")
    first_written, errors = threading.Event(), []

    def writer(name: str, *, first: bool) -> None:
        try:
            if not first:
                first_written.wait(10)
            with transaction.atomic():
                record_event(action="update", actor_label=name, note=name)
                if first:
                    first_written.set()
                    time.sleep(0.5)  # the other writer reads the head meanwhile
        except Exception as exc:  # reported by the test below
            errors.append(exc)
            first_written.set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(name,), kwargs={"first": i == 0}) for i, name in enumerate("甲乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert list(AuditEvent.objects.order_by("id").values_list("note", flat=True)) == ["甲", "乙"]
    assert "审计链完整:2 个事件" in verify()


# --- the migration ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"总投资": ["1.00", "2.50"], "名称": ["甲", None]},
        {"ratio": 0.1, "whole": 1.0, "big": 1e16, "tiny": 1e-7, "nested": {"b": [1, 2.5, True], "a": "乙"}},
    ],
)
def test_the_migration_hashes_as_the_writers_do(changes):
    text = json.dumps(changes)
    assert migration.decode_changes(text) == chain.stored_json(changes)
    content = ("update", "submit", timezone.now(), 7, "办公室", 12, "42", "项目", 3, chain.stored_json(changes), "说明")
    assert migration.event_hash("ab" * 32, content) == chain.event_hash("ab" * 32, content)


def test_numbers_hash_as_the_database_gives_them_back(db):
    """PostgreSQL's jsonb gives 1.0 and 1e16 back as integers: an event with such numbers still verifies."""
    with transaction.atomic():
        record_event(
            action="update", actor_label="数字", changes={"whole": 1.0, "big": 1e16, "ratio": 0.1, "tiny": 1e-7}
        )
        record_events([{"action": "update", "actor_label": "数字", "changes": {"n": [2.0, 0.5]}}])
    assert "审计链完整:2 个事件" in verify()


def test_the_migration_chains_the_events_already_stored(events):
    drop_triggers()
    execute(f"UPDATE {TABLE} SET prev_hash = 'old' || id, chain_hash = '', recorded_actor_id = NULL")
    assert "被改动" in broken()
    apps = MigrationLoader(connection).project_state(("audit", "0003_append_only_chain")).apps
    # The function reads and writes through the editor's connection only (SQLite's real schema editor refuses to
    # open inside the test's transaction).
    migration.chain_stored_events(apps, SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name))
    assert list(AuditEvent.objects.order_by("id").values_list("prev_hash", "chain_hash", "recorded_actor_id")) == [
        (event.prev_hash, event.chain_hash, event.recorded_actor_id) for event in events
    ]
    assert "审计链完整:5 个事件" in verify()
