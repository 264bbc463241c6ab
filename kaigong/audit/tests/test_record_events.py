"""record_events, the bulk writer: each event stored as record_event would store it, in one statement (or COPY)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kaigong.accounts.choices import Role
from kaigong.audit.models import SYSTEM_ACTOR, AuditEvent
from kaigong.audit.services import record_event, record_events
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory

FIELDS = ("action", "actor_id", "actor_label", "content_type_id", "object_id", "object_repr", "project_id", "note")


def _stored(event: AuditEvent) -> tuple:
    return (*(getattr(event, name) for name in FIELDS), event.changes)


@pytest.mark.django_db(transaction=True)
def test_bulk_events_are_stored_as_single_events_are(users):
    project, other = ProjectFactory(name="光伏项目"), ProjectFactory()
    office = users[Role.OFFICE]
    items = [
        {"action": "import", "actor": office, "obj": project, "project": project, "changes": {"总投资": ["1", "2"]}},
        {"action": "create", "actor": None, "actor_label": "命令 import-ledger", "obj": other, "project": other},
        {"action": "update", "actor": AnonymousUser(), "obj": office, "note": "说明" * 300},
        {"action": "delete", "changes": {"amount": "1.50", "名称": ["甲", None]}, "note": ""},
    ]
    with transaction.atomic():
        singles = [record_event(**item) for item in items]
    with transaction.atomic(), CaptureQueriesContext(connection) as context:
        assert record_events(items) == 4

    bulk = list(AuditEvent.objects.exclude(pk__in=[e.pk for e in singles]).order_by("id"))
    singles = [AuditEvent.objects.get(pk=e.pk) for e in singles]
    assert [_stored(e) for e in bulk] == [_stored(e) for e in singles]
    assert bulk[1].actor_label == "命令 import-ledger" and bulk[3].actor_label == SYSTEM_ACTOR
    assert bulk[0].actor_label == str(office) and bulk[2].actor is None  # an anonymous user is no actor
    assert len(bulk[2].note) == 500
    assert bulk[0].content_type == ContentType.objects.get_for_model(Project)
    assert len({e.occurred_at for e in bulk}) == 1  # one change, one time
    audit_queries = [q["sql"] for q in context.captured_queries if "audit_auditevent" in q["sql"]]
    inserts = [sql for sql in audit_queries if sql.startswith(("INSERT", "COPY")) or " times: INSERT" in sql]
    assert len(inserts) <= 1  # one INSERT … executemany (PostgreSQL: a COPY, not in the captured queries)
    assert len(audit_queries) - len(inserts) == 1  # and one read of the chain's head for the whole batch


@pytest.mark.django_db(transaction=True)
def test_bulk_events_must_be_inside_the_change_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_events([{"action": "update", "note": "x"}])
    assert not AuditEvent.objects.exists()


def test_nothing_to_record_writes_nothing(db):
    with transaction.atomic(), CaptureQueriesContext(connection) as context:
        assert record_events([]) == 0
    assert context.captured_queries == []


def test_bulk_events_roll_back_with_their_change(db):
    project = ProjectFactory()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record_events([{"action": "update", "obj": project, "project": project}] * 3)
        1 / 0  # noqa: B018 - the change fails after its events are written
    assert not AuditEvent.objects.exists()
