"""Audit events are append-only: no model method or queryset can change or delete one."""

import pytest
from django.db import transaction

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent, ImmutableError
from kaigong.audit.services import record_event
from kaigong.projects import services
from kaigong.projects.tests.factories import ProjectFactory


@pytest.fixture
def event(users):
    project = ProjectFactory()
    services.update_project(project=project, data={"remarks": "第一次修改"}, actor=users[Role.OFFICE])
    return AuditEvent.objects.get(project_id=project.pk)


def test_saving_a_changed_event_is_refused(event):
    event.note = "篡改"
    with pytest.raises(ImmutableError):
        event.save()
    event.refresh_from_db()
    assert event.note == ""


def test_deleting_an_event_is_refused(event):
    with pytest.raises(ImmutableError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_is_refused(event):
    with pytest.raises(ImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(note="篡改")
    with pytest.raises(ImmutableError):
        AuditEvent.objects.all().update(actor_label="someone")
    event.refresh_from_db()
    assert (event.note, event.actor_label) == ("", str(event.actor))


def test_queryset_delete_is_refused(event):
    with pytest.raises(ImmutableError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(ImmutableError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_bulk_update_is_refused(event):
    event.note = "篡改"
    with pytest.raises(ImmutableError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["note"])
    assert AuditEvent.objects.get(pk=event.pk).note == ""


def test_deleting_the_project_keeps_its_history(users):
    project = ProjectFactory()
    pk = project.pk
    services.update_project(project=project, data={"remarks": "改"}, actor=users[Role.OFFICE])
    services.delete_project(project=project, actor=users[Role.OFFICE])
    assert set(AuditEvent.objects.filter(project_id=pk).values_list("action", flat=True)) == {"update", "delete"}


def test_deleting_the_actor_keeps_the_event(users, event):
    actor = event.actor
    actor.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor is None
    assert event.actor_label == actor.display_name or event.actor_label == actor.username


def test_record_event_outside_a_transaction_raises(db, monkeypatch):
    # A transactional test would flush the tables seeded by data migrations for the tests after it, so the
    # "no transaction open" state is simulated on the connection (restored by monkeypatch).
    monkeypatch.setattr(transaction.get_connection(), "in_atomic_block", False)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_event(action="update", actor_label="测试", note="无事务")
    monkeypatch.undo()
    assert not AuditEvent.objects.exists()


def test_record_event_inside_a_transaction_is_written(db):
    with transaction.atomic():
        event = record_event(action="export", actor_label="命令 export-ledger", note="导出")
    assert AuditEvent.objects.get(pk=event.pk).actor_display == "命令 export-ledger"
