"""Editing a project's attributes through the real interfaces regenerates its checklist (issue 3 §3)."""

import pytest

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import generate_checklist
from kaigong.approvals.choices import ItemStatus
from kaigong.approvals.models import ChecklistItem

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


def test_ledger_import_of_a_larger_investment_regenerates_the_checklist(tmp_path, project, test_rules):
    """A rule on total investment: the CLI import raises the investment, the checklist follows."""
    import io

    from django.core.management import call_command

    from kaigong.approvals.models import ChecklistRule
    from kaigong.projects.tests.ledger_sheets import write_xlsx

    big = ChecklistRule.objects.get(name="大项目需承诺事项")
    big.condition = {"attr": "total_investment", "op": "gte", "value": 50000}
    big.save()
    generate_checklist(project=project, actor=None, actor_label="test")
    assert "test-commitment" not in statuses(project)

    rows = [
        ["项目ID", "项目名称", "项目类别", "总投资"],
        [project.pk, project.name, project.category.name, "80000"],
    ]
    call_command("import-ledger", str(write_xlsx(tmp_path / "up.xlsx", rows)), stdout=io.StringIO())

    assert statuses(project)["test-commitment"] == ItemStatus.NOT_STARTED
