"""Every page × every role: who gets the page, who is sent to log in, who gets 403, who gets 404."""

import pytest
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.projects import services
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import GroundbreakingBatchFactory, ProjectFactory

ANON = "anonymous"
ROLES = [Role.ADMIN, Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE, ANON]


@pytest.fixture
def world(users, department, organization, other_department, other_organization):
    own = ProjectFactory(name="本部门项目", responsible_department=department, owner=organization)
    other = ProjectFactory(name="外部门项目", responsible_department=other_department, owner=other_organization)
    batch = GroundbreakingBatchFactory()
    services.save_batch(batch=batch, data={}, members=[(own, 1), (other, 2)])
    return {"own": own, "other": other, "batch": batch}


def url_for(page, world):
    own, other, batch = world["own"], world["other"], world["batch"]
    return {
        "overview": reverse("projects:overview"),
        "list": reverse("projects:list"),
        "create": reverse("projects:create"),
        "detail-own": reverse("projects:detail", args=[own.pk]),
        "detail-other": reverse("projects:detail", args=[other.pk]),
        "edit-own": reverse("projects:edit", args=[own.pk]),
        "edit-other": reverse("projects:edit", args=[other.pk]),
        "stage-own": reverse("projects:stage", args=[own.pk]),
        "stage-other": reverse("projects:stage", args=[other.pk]),
        "batches": reverse("projects:batch-list"),
        "batch-detail": reverse("projects:batch-detail", args=[batch.pk]),
        "audit": reverse("audit:log"),
    }[page]


# Expected GET status per page, in ROLES order: admin, office, department, leader, enterprise, anonymous.
MATRIX = {
    "overview": (200, 200, 200, 200, 200, 302),
    "list": (200, 200, 200, 200, 200, 302),
    "create": (200, 200, 200, 403, 403, 302),
    "detail-own": (200, 200, 200, 200, 200, 302),
    "detail-other": (200, 200, 404, 200, 404, 302),
    "edit-own": (200, 200, 200, 403, 403, 302),
    "edit-other": (200, 200, 404, 403, 404, 302),
    "stage-own": (200, 200, 200, 403, 403, 302),
    "stage-other": (200, 200, 404, 403, 404, 302),
    "batches": (200, 200, 200, 200, 200, 302),
    "batch-detail": (200, 200, 200, 200, 200, 302),
    "audit": (200, 403, 403, 403, 403, 302),
}
CASES = [(page, role, expected[i]) for page, expected in MATRIX.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("page", "role", "expected"), CASES, ids=[f"{p}-{r}" for p, r, _ in CASES])
def test_page_access(client, login, users, world, page, role, expected):
    web = client if role == ANON else login(users[role])
    url = url_for(page, world)
    response = web.get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.parametrize("role", [Role.LEADER, Role.ENTERPRISE])
def test_read_only_roles_cannot_post_an_edit(login, users, world, role):
    project = world["own"]
    response = login(users[role]).post(
        reverse("projects:edit", args=[project.pk]),
        {"name": "改名", "category": project.category_id, "year": 2024, "total_investment": "1", "version": 1},
    )
    assert response.status_code == 403
    assert Project.objects.get(pk=project.pk).name == "本部门项目"


@pytest.mark.parametrize("role", [Role.LEADER, Role.ENTERPRISE])
def test_read_only_roles_cannot_post_a_stage_change(login, users, world, role):
    project = world["own"]
    response = login(users[role]).post(
        reverse("projects:stage", args=[project.pk]),
        {"stage": "preparation", "effective_date": "2024-02-01", "version": 1},
    )
    assert response.status_code == 403
    assert Project.objects.get(pk=project.pk).stage == "planning"


def test_department_officer_cannot_post_to_another_departments_project(login, users, world):
    project = world["other"]
    response = login(users[Role.DEPARTMENT]).post(
        reverse("projects:stage", args=[project.pk]),
        {"stage": "preparation", "effective_date": "2024-02-01", "version": 1},
    )
    assert response.status_code == 404
    assert Project.objects.get(pk=project.pk).stage == "planning"


@pytest.mark.parametrize("role", [Role.LEADER, Role.ENTERPRISE])
def test_read_only_roles_cannot_create(login, users, world, role):
    response = login(users[role]).post(reverse("projects:create"), {"name": "新项目"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "editable"),
    [(Role.ADMIN, True), (Role.OFFICE, True), (Role.DEPARTMENT, True), (Role.LEADER, False), (Role.ENTERPRISE, False)],
)
def test_edit_buttons_only_for_editors(login, users, world, role, editable):
    project = world["own"]
    body = login(users[role]).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert (reverse("projects:edit", args=[project.pk]) in body) is editable
    assert (reverse("projects:stage", args=[project.pk]) in body) is editable


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        (Role.ADMIN, {"本部门项目", "外部门项目"}),
        (Role.OFFICE, {"本部门项目", "外部门项目"}),
        (Role.LEADER, {"本部门项目", "外部门项目"}),
        (Role.DEPARTMENT, {"本部门项目"}),
        (Role.ENTERPRISE, {"本部门项目"}),
    ],
)
def test_list_and_batch_page_show_only_visible_projects(login, users, world, role, visible):
    """The list shows only visible projects; the batch page lists (and links) only visible members, while its
    published summary sentence, which may name any member, is the same for everyone (issue 8 §4)."""
    web = login(users[role])
    body = web.get(reverse("projects:list")).content.decode()
    assert {name for name in ("本部门项目", "外部门项目") if name in body} == visible
    batch_page = web.get(reverse("projects:batch-detail", args=[world["batch"].pk]))
    listed = {m.project.name for m in batch_page.context["summary"].members}
    assert listed == visible
    linked = {
        p.name
        for p in (world["own"], world["other"])
        if reverse("projects:detail", args=[p.pk]) in str(batch_page.content, "utf-8")
    }
    assert linked == visible


@pytest.mark.parametrize(("role", "shown"), [(Role.ADMIN, True), (Role.OFFICE, False), (Role.LEADER, False)])
def test_audit_log_link_only_for_administrators(login, users, world, role, shown):
    body = login(users[role]).get(reverse("projects:overview")).content.decode()
    assert (reverse("audit:log") in body) is shown


def test_denied_pages_explain_themselves(login, users, world):
    forbidden = login(users[Role.LEADER]).get(reverse("projects:edit", args=[world["own"].pk]))
    assert forbidden.status_code == 403
    assert "无权访问" in forbidden.content.decode() and "您无权修改该项目" in forbidden.content.decode()
    missing = login(users[Role.ENTERPRISE]).get(reverse("projects:detail", args=[world["other"].pk]))
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode()
    assert "外部门项目" not in missing.content.decode()
