"""Editing a project's attributes through the real interfaces regenerates its checklist (issue 3 §3)."""

import pytest

from kaigong.accounts.choices import Role
from kaigong.approvals.choices import ItemStatus
from kaigong.approvals.models import ChecklistItem
from kaigong.approvals.services import generate_checklist

pytestmark = pytest.mark.django_db


def statuses(project) -> dict:
    items = ChecklistItem.objects.filter(checklist__project=project).select_related("matter")
    return {item.matter.code: item.status for item in items}


def test_api_edit_of_review_regime_regenerates_the_checklist(users, api_login, project, test_rules):
    generate_checklist(project=project, actor=None, actor_label="test")
    assert statuses(project) == {"test-permit": ItemStatus.NOT_STARTED, "test-commitment": ItemStatus.NOT_STARTED}

    api = api_login(users[Role.OFFICE])
    response = api.patch(
        f"/api/projects/{project.pk}/", {"review_regime": "filing", "version": project.version}, format="json"
    )
    assert response.status_code == 200, response.json()
    # 备案 no longer needs the 核准-only permit: it is set aside, not deleted; the other item stays.
    assert statuses(project) == {"test-permit": ItemStatus.NOT_APPLICABLE, "test-commitment": ItemStatus.NOT_STARTED}

    response = api.patch(
        f"/api/projects/{project.pk}/",
        {"review_regime": "ratification", "version": response.json()["version"]},
        format="json",
    )
    assert response.status_code == 200
    assert statuses(project)["test-permit"] == ItemStatus.NOT_STARTED


def test_editing_a_project_without_a_checklist_creates_none(users, api_login, project, test_rules):
    api = api_login(users[Role.OFFICE])
    response = api.patch(
        f"/api/projects/{project.pk}/", {"remarks": "无清单", "version": project.version}, format="json"
    )
    assert response.status_code == 200
    assert not ChecklistItem.objects.filter(checklist__project=project).exists()
