"""Every API endpoint for every role (issue §3), including the denials, plus anonymous callers.

The world: ``own`` is a project of the department officer's department, owned by the enterprise user's
organization; ``other`` belongs to another department and another organization.
"""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.projects import services
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import CategoryFactory, LevelFactory, ProjectFactory

ADMIN, OFFICE, DEPT, LEADER, ENT = Role.ADMIN, Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE
ALL_ROLES = [ADMIN, OFFICE, DEPT, LEADER, ENT]


@pytest.fixture
def world(department, other_department, organization, other_organization):
    category = CategoryFactory(name="产业类", code="industry")
    LevelFactory()
    own = ProjectFactory(name="本部门项目", category=category, responsible_department=department, owner=organization)
    other = ProjectFactory(
        name="其他部门项目", category=category, responsible_department=other_department, owner=other_organization
    )
    batch = services.save_batch(data={"name": "第一批", "date": dt.date(2024, 1, 1)}, members=[(own, 1), (other, 2)])
    return {"own": own, "other": other, "category": category, "batch": batch}


def call(api, method: str, url: str, data=None):
    return getattr(api, method)(url, data or {}, format="json")


# --- reads ---

LIST_VISIBILITY = {
    ADMIN: {"own", "other"},
    OFFICE: {"own", "other"},
    LEADER: {"own", "other"},
    DEPT: {"own"},
    ENT: {"own"},
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_project_list_is_scoped(role, users, api_login, world):
    response = api_login(users[role]).get(reverse("project-list"))

    assert response.status_code == 200
    names = {r["name"] for r in response.json()["results"]}
    expected = {world[key].name for key in LIST_VISIBILITY[role]}
    assert names == expected


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("endpoint", ["project-detail", "project-history"])
def test_project_detail_and_history_of_an_invisible_project_are_404(role, endpoint, users, api_login, world):
    api = api_login(users[role])

    own = api.get(reverse(endpoint, args=[world["own"].pk]))
    other = api.get(reverse(endpoint, args=[world["other"].pk]))

    assert own.status_code == 200
    expected = 200 if "other" in LIST_VISIBILITY[role] else 404
    assert other.status_code == expected
    if expected == 404:
        assert other.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_search_is_scoped_too(role, users, api_login, world):
    response = api_login(users[role]).get(reverse("project-list"), {"q": "其他部门"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == (1 if "other" in LIST_VISIBILITY[role] else 0)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("name", ["category-list", "level-list", "department-list", "batch-list", "organization-list"])
def test_dictionaries_and_batches_are_readable_by_every_role(role, name, users, api_login, world):
    response = api_login(users[role]).get(reverse(name))

    assert response.status_code == 200


@pytest.mark.parametrize("role", ALL_ROLES)
def test_batch_detail_members_are_scoped(role, users, api_login, world):
    response = api_login(users[role]).get(reverse("batch-detail", args=[world["batch"].pk]))

    assert response.status_code == 200
    names = {m["name"] for m in response.json()["members"]}
    assert names == {world[key].name for key in LIST_VISIBILITY[role]}


# --- writes ---

CREATE = {ADMIN: 201, OFFICE: 201, DEPT: 201, LEADER: 403, ENT: 403}
UPDATE_OWN = {ADMIN: 200, OFFICE: 200, DEPT: 200, LEADER: 403, ENT: 403}
UPDATE_OTHER = {ADMIN: 200, OFFICE: 200, DEPT: 404, LEADER: 403, ENT: 403}
DELETE = {ADMIN: 204, OFFICE: 204, DEPT: 403, LEADER: 403, ENT: 403}


def assert_denied_in_shape(response, status):
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == {403: "permission_denied", 404: "not_found"}[status]
    assert error["message"] and error["message_en"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_create_project(role, users, api_login, world):
    payload = {"name": "新项目", "category": world["category"].pk, "year": 2024, "total_investment": "1000"}

    response = call(api_login(users[role]), "post", reverse("project-list"), payload)

    if CREATE[role] == 201:
        assert response.status_code == 201, response.json()
        assert Project.objects.filter(name="新项目").exists()
    else:
        assert_denied_in_shape(response, CREATE[role])
        assert not Project.objects.filter(name="新项目").exists()


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("target", ["own", "other"])
@pytest.mark.parametrize("role", ALL_ROLES)
def test_update_project(role, target, method, users, api_login, world):
    project = world[target]
    payload = {
        "name": "改名",
        "category": world["category"].pk,
        "year": 2024,
        "total_investment": "20000",
        "version": 1,
    }
    expected = (UPDATE_OWN if target == "own" else UPDATE_OTHER)[role]

    response = call(api_login(users[role]), method, reverse("project-detail", args=[project.pk]), payload)

    project.refresh_from_db()
    if expected == 200:
        assert response.status_code == 200, response.json()
        assert project.name == "改名"
    else:
        assert_denied_in_shape(response, expected)
        assert project.name != "改名"
        assert project.version == 1


@pytest.mark.parametrize("target", ["own", "other"])
@pytest.mark.parametrize("role", ALL_ROLES)
def test_change_stage(role, target, users, api_login, world):
    project = world[target]
    expected = (UPDATE_OWN if target == "own" else UPDATE_OTHER)[role]

    response = call(
        api_login(users[role]),
        "post",
        reverse("project-stage", args=[project.pk]),
        {"stage": "preparation", "version": 1},
    )

    project.refresh_from_db()
    if expected == 200:
        assert response.status_code == 200, response.json()
        assert project.stage == "preparation"
    else:
        assert_denied_in_shape(response, expected)
        assert project.stage == "planning"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_delete_project(role, users, api_login, world):
    project = world["own"]

    response = api_login(users[role]).delete(reverse("project-detail", args=[project.pk]))

    if DELETE[role] == 204:
        assert response.status_code == 204
        assert not Project.objects.filter(pk=project.pk).exists()
    else:
        assert_denied_in_shape(response, DELETE[role])
        assert Project.objects.filter(pk=project.pk).exists()
        assert not AuditEvent.objects.filter(action="delete").exists()


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_history_and_dictionaries_cannot_be_written(role, method, users, api_login, world):
    api = api_login(users[role])
    urls = [
        reverse("project-history", args=[world["own"].pk]),
        reverse("category-list"),
        reverse("level-list"),
        reverse("department-list"),
        reverse("batch-list"),
        reverse("batch-detail", args=[world["batch"].pk]),
    ]
    for url in urls:
        response = call(api, method, url)
        assert response.status_code in (403, 405), url
        assert response.json()["error"]["code"] in ("permission_denied", "method_not_allowed")


# --- anonymous callers ---

ANONYMOUS_CALLS = [
    ("get", "project-list", False),
    ("post", "project-list", False),
    ("get", "project-detail", "own"),
    ("patch", "project-detail", "own"),
    ("delete", "project-detail", "own"),
    ("post", "project-stage", "own"),
    ("get", "project-history", "own"),
    ("get", "organization-list", False),
    ("post", "organization-list", False),
    ("get", "department-list", False),
    ("get", "category-list", False),
    ("get", "level-list", False),
    ("get", "batch-list", False),
    ("get", "batch-detail", "batch"),
]


@pytest.mark.parametrize(("method", "name", "arg"), ANONYMOUS_CALLS)
def test_anonymous_callers_get_401_in_the_error_shape(method, name, arg, world):
    url = reverse(name, args=[world[arg].pk]) if arg else reverse(name)

    response = call(APIClient(), method, url, {"stage": "started", "version": 1})

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.json()["error"]["message"] == "请先登录"
    assert Project.objects.get(pk=world["own"].pk).stage == "planning"


def test_department_officer_cannot_hand_a_project_to_another_department(users, api_login, world, other_department):
    project = world["own"]
    api = api_login(users[DEPT])

    response = call(
        api,
        "patch",
        reverse("project-detail", args=[project.pk]),
        {"responsible_department": other_department.pk, "version": 1},
    )

    assert_denied_in_shape(response, 403)
    assert response.json()["error"]["message"] == "部门经办人不能把项目转给其他责任单位"
    project.refresh_from_db()
    assert project.responsible_department_id == users[DEPT].department_id
    assert project.version == 1
    # Keeping its own department in a full update is fine.
    same = call(
        api,
        "patch",
        reverse("project-detail", args=[project.pk]),
        {"responsible_department": users[DEPT].department_id, "remarks": "仍归本部门", "version": 1},
    )
    assert same.status_code == 200, same.json()
