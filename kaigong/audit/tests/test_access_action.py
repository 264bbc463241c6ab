"""A person's access is its own action, 登录与访问 (issue 10 §11): logins, logouts and failed logins are recorded with
it and filtered on the audit log page, apart from changes to data; migration audit 0004 gives it to the events
stored before, chains them again, and refuses to re-chain over a break."""

import importlib
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse

from kaigong.accounts.choices import AccountEvent, Role
from kaigong.audit.maintenance import audit_maintenance
from kaigong.audit.models import AuditEvent
from kaigong.audit.services import record_event, record_events
from kaigong.projects import services
from kaigong.projects.tests.factories import ProjectFactory

migration = importlib.import_module("kaigong.audit.migrations.0004_access_action")
PASSWORD = "pass-1234-word"  # the factories' password


def verify() -> str:
    out = StringIO()
    call_command("audit", "verify", "--batch-size", "3", stdout=out)
    return out.getvalue()


def test_logins_logouts_and_failures_are_access_events_the_log_filters(users):
    office, leader, admin = users[Role.OFFICE], users[Role.LEADER], users[Role.ADMIN]
    person = Client()
    assert (
        person.post(reverse("accounts:login"), {"username": office.username, "password": PASSWORD}).status_code == 302
    )
    person.post(reverse("accounts:logout"))
    Client().post(reverse("accounts:login"), {"username": leader.username, "password": "wrong-password"})
    services.update_project(project=ProjectFactory(name="数据修改"), data={"remarks": "改"}, actor=office)
    log = Client()
    log.force_login(admin)

    logins = log.get(reverse("audit:log"), {"code": AccountEvent.LOGIN})
    access = log.get(reverse("audit:log"), {"action": "access"})
    updates = log.get(reverse("audit:log"), {"action": "update"})

    [login] = logins.context["page_obj"].object_list
    assert (login.action, login.actor, login.object_repr) == ("access", office, str(office))
    assert "登录与访问" in logins.content.decode()  # the action by its name, also offered in the filter
    assert {(e.code, e.object_repr) for e in access.context["page_obj"].object_list} == {
        (AccountEvent.LOGIN, str(office)),
        (AccountEvent.LOGOUT, str(office)),
        (AccountEvent.LOGIN_FAILED, str(leader)),
    }
    assert [e.object_repr for e in updates.context["page_obj"].object_list] == ["数据修改"]
    assert "审计链完整" in verify()


def test_the_access_filter_is_the_administrators(client, users):
    client.force_login(users[Role.OFFICE])
    assert client.get(reverse("audit:log"), {"code": AccountEvent.LOGIN}).status_code == 403


# --- migration audit 0004 ------------------------------------------------------------------------------------


@pytest.fixture
def stored(users):
    """Events as they were stored before 0004: the access steps recorded as 修改, between changes to data."""
    office = users[Role.OFFICE]
    project = ProjectFactory(name="迁移前项目")
    with transaction.atomic():
        record_event(action="update", actor=office, obj=project, project=project, changes={"备注": ["", "甲"]})
        record_event(action="update", actor=office, obj=office, code=AccountEvent.LOGIN, note="127.0.0.1")
        record_events(
            [
                {"action": "update", "obj": office, "code": AccountEvent.LOGIN_FAILED, "note": "office @ 10.0.0.9"},
                {"action": "import", "actor": office, "obj": project, "project": project, "note": "台账.xlsx"},
            ]
        )
        record_event(action="update", actor=office, obj=office, code=AccountEvent.TOKEN_ISSUED)
        record_event(action="stage_change", actor=office, obj=project, project=project, code="", note="开工")
    return list(AuditEvent.objects.order_by("id").values_list("id", "action", "code", "chain_hash"))


def run(function) -> None:
    apps = MigrationLoader(connection).project_state(("audit", "0004_access_action")).apps
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    with transaction.atomic():  # as the migration runs (the switch ends with it)
        function(apps, editor)


def test_the_migration_gives_stored_access_events_their_action_and_chains_them_again(stored):
    access_codes = {AccountEvent.LOGIN, AccountEvent.LOGIN_FAILED, AccountEvent.TOKEN_ISSUED}

    run(migration.rechain_access_events)

    after = list(AuditEvent.objects.order_by("id").values_list("id", "action", "code", "chain_hash"))
    assert [action for _, action, _, _ in after] == [
        "access" if code in access_codes else action for _, action, code, _ in stored
    ]
    assert after[0][3] == stored[0][3]  # the events before the first one rewritten keep their hashes
    assert all(new[3] != old[3] for new, old in zip(after[1:], stored[1:], strict=True))
    assert "审计链完整:6 个事件" in verify()
    # the switch is off again: the triggers refuse
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET note = 'x' WHERE id = %s", [after[1][0]])

    run(migration.back_to_update)

    assert list(AuditEvent.objects.order_by("id").values_list("id", "action", "code", "chain_hash")) == stored
    assert "审计链完整:6 个事件" in verify()


def test_the_migration_does_not_re_chain_over_a_tampered_event(stored):
    tampered = stored[3][0]
    with audit_maintenance(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET note = '改过' WHERE id = %s", [tampered])

    with pytest.raises(migration.BrokenChainError, match=f"audit event {tampered} does not verify"):
        run(migration.rechain_access_events)

    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [a for _, a, _, _ in stored]
    out = StringIO()
    with pytest.raises(Exception, match=str(tampered)):
        call_command("audit", "verify", stdout=out)


def test_the_migration_leaves_a_log_without_access_events_alone(users):
    with transaction.atomic():
        record_event(action="update", actor_label="命令 load-demo", note="无登录事件")
    before = list(AuditEvent.objects.values_list("action", "chain_hash"))
    run(migration.rechain_access_events)
    assert list(AuditEvent.objects.values_list("action", "chain_hash")) == before
