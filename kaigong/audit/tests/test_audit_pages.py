"""The administrator's audit log page, and the admin site keeping audit events read-only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kaigong.accounts.choices import Role
from kaigong.accounts.models import Organization
from kaigong.accounts.tests.factories import make_credit_code
from kaigong.audit.models import AuditEvent
from kaigong.projects import services
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory


@pytest.fixture
def events(users):
    office = users[Role.OFFICE]
    project = ProjectFactory(name="审计测试项目")
    services.update_project(project=project, data={"remarks": "第一次修改"}, actor=office)
    services.change_project_stage(project=project, stage="preparation", actor=office)
    other = ProjectFactory(name="命令行项目")
    services.update_project(project=other, data={"remarks": "命令修改"}, actor=None, actor_label="import-ledger")
    return project


def rows(response) -> int:
    return len(response.context["page_obj"].object_list)


def test_admin_sees_all_events_with_readable_changes(login, users, events):
    response = login(users[Role.ADMIN]).get(reverse("audit:log"))
    body = response.content.decode()
    assert response.status_code == 200
    assert rows(response) == 3
    assert "审计测试项目" in body and "命令行项目" in body
    assert "备注" in body and "第一次修改" in body  # field shown by its verbose name
    assert "谋划" in body and "前期" in body  # stage values shown by their labels
    assert "import-ledger" in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "stage_change"}, 1),
        ({"action": "update"}, 2),
        ({"actor": "office"}, 2),
        ({"actor": "import-ledger"}, 1),
        ({"q": "命令行"}, 1),
        ({"date_from": "2000-01-01"}, 3),
        ({"date_to": "2000-01-01"}, 0),
    ],
)
def test_filters(login, users, events, params, expected):
    assert rows(login(users[Role.ADMIN]).get(reverse("audit:log"), params)) == expected


def test_filter_by_project_id(login, users, events):
    assert rows(login(users[Role.ADMIN]).get(reverse("audit:log"), {"q": str(events.pk)})) == 2


def test_filter_by_today(login, users, events):
    today = timezone.localdate().isoformat()
    assert rows(login(users[Role.ADMIN]).get(reverse("audit:log"), {"date_from": today, "date_to": today})) == 3


def test_reversed_date_range_is_an_error(login, users, events):
    response = login(users[Role.ADMIN]).get(reverse("audit:log"), {"date_from": "2024-02-01", "date_to": "2024-01-01"})
    assert response.status_code == 200
    assert "截止日期不能早于起始日期" in response.content.decode()
    assert rows(response) == 0


def test_pagination(login, users, events):
    project = Project.objects.get(name="审计测试项目")
    for i in range(55):
        services.update_project(project=Project.objects.get(pk=project.pk), data={"remarks": f"第{i}次"}, actor=None)
    web = login(users[Role.ADMIN])
    assert rows(web.get(reverse("audit:log"))) == 50
    assert rows(web.get(reverse("audit:log"), {"page": 2})) == 8


def test_query_count_is_flat(login, users, events, django_assert_max_num_queries):
    for i in range(30):
        services.update_project(project=Project.objects.get(name="审计测试项目"), data={"remarks": str(i)}, actor=None)
    web = login(users[Role.ADMIN])
    with django_assert_max_num_queries(8):
        web.get(reverse("audit:log"))


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_everyone_else_gets_403(login, users, events, role):
    assert login(users[role]).get(reverse("audit:log")).status_code == 403


def test_anonymous_is_sent_to_login(client, events):
    response = client.get(reverse("audit:log"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_audit_page_cannot_write(login, users, events):
    before = AuditEvent.objects.count()
    response = login(users[Role.ADMIN]).post(reverse("audit:log"), {"action": "delete"})
    assert response.status_code == 405
    assert AuditEvent.objects.count() == before


def test_admin_site_keeps_audit_events_read_only(login, users, events):
    web = login(users[Role.ADMIN])
    event = AuditEvent.objects.first()
    assert web.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert web.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200  # view only
    assert web.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert web.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    response = web.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"note": "篡改"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.note != "篡改"
    assert AuditEvent.objects.filter(occurred_at__gte=timezone.now() - dt.timedelta(days=1)).count() == 3


def test_organizations_saved_in_the_admin_are_audited(login, users, db):
    web = login(users[Role.ADMIN])
    data = {"name": "后台新建企业", "credit_code": make_credit_code(777), "kind": "enterprise"}
    assert web.post(reverse("admin:accounts_organization_add"), data).status_code == 302
    organization = Organization.objects.get(name="后台新建企业")
    change_url = reverse("admin:accounts_organization_change", args=[organization.pk])
    assert web.post(change_url, {**data, "name": "后台改名企业"}).status_code == 302
    events = AuditEvent.objects.for_object(organization).order_by("id")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].changes["name"] == ["后台新建企业", "后台改名企业"]
    assert events[1].actor == users[Role.ADMIN]


def test_projects_are_read_only_in_the_admin(login, users, events):
    web = login(users[Role.ADMIN])
    assert web.get(reverse("admin:projects_project_add")).status_code == 403
    response = web.post(reverse("admin:projects_project_change", args=[events.pk]), {"name": "后台改名"})
    assert response.status_code == 403
    assert Project.objects.get(pk=events.pk).name == "审计测试项目"
