"""Who sees what (issue 8 §4): a department reads the projects it is responsible for and those on which it approves a
checklist item or records a heritage routing; it edits only its own projects and acts only on its own items.

The world: 发改局 (``department``, the officer ``users[DEPT]``) is responsible for no project here. ``asked`` is
住建局's project with one item 发改局 approves and one 住建局 approves; ``unrelated`` is 住建局's project with only
住建局's item; ``routed`` is 住建局's project with a heritage routing, recorded by the heritage department (the one
the catalogue names for the heritage consent).
"""

import pytest
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import DepartmentFactory, UserFactory
from kaigong.approvals.checklists.services import transition_item
from kaigong.approvals.choices import ItemStatus
from kaigong.approvals.models import ApprovalMatter, Checklist, ChecklistItem
from kaigong.heritage.models import ProjectHeritageRouting
from kaigong.heritage.selectors import CONSENT_MATTER_CODE
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory

DEPT = Role.DEPARTMENT
pytestmark = pytest.mark.django_db


def _matter(code, department):
    return ApprovalMatter.objects.create(
        code=code, name=f"测试事项{code}", approval_stage=1, department=department, committed_limit=5
    )


@pytest.fixture
def world(users, department, other_department):
    ours = _matter("reach-ours", department)
    theirs = _matter("reach-theirs", other_department)
    asked = ProjectFactory(name="发改局审批的项目", responsible_department=other_department)
    unrelated = ProjectFactory(name="无关的项目", responsible_department=other_department)
    routed = ProjectFactory(name="文物流转的项目", responsible_department=other_department)
    items = {}
    for project, matters in ((asked, (ours, theirs)), (unrelated, (theirs,))):
        checklist = Checklist.objects.create(project=project)
        for matter in matters:
            items[(project.name, matter.code)] = ChecklistItem.objects.create(checklist=checklist, matter=matter)
    for item in (items[("发改局审批的项目", "reach-ours")], items[("发改局审批的项目", "reach-theirs")]):
        transition_item(item=item, action="submit", actor=None, actor_label="test")
    ProjectHeritageRouting.objects.create(project=routed, end_level="national")
    heritage_department = ApprovalMatter.objects.get(code=CONSENT_MATTER_CODE).department
    heritage_officer = UserFactory(username="wwj", role=DEPT, department=heritage_department)
    return {
        "asked": asked,
        "unrelated": unrelated,
        "routed": routed,
        "ours": items[("发改局审批的项目", "reach-ours")],
        "theirs": items[("发改局审批的项目", "reach-theirs")],
        "heritage_officer": heritage_officer,
    }


# --- reading -------------------------------------------------------------------------------------------------------


def test_a_department_reads_the_projects_it_approves_an_item_on_and_no_others(login, users, world):
    web = login(users[DEPT])
    for name in ("projects:detail", "approvals:project-checklist"):
        assert web.get(reverse(name, args=[world["asked"].pk])).status_code == 200, name
        assert web.get(reverse(name, args=[world["unrelated"].pk])).status_code == 404, name
        assert web.get(reverse(name, args=[world["routed"].pk])).status_code == 404, name
    listed = web.get(reverse("projects:list")).content.decode()
    assert "发改局审批的项目" in listed
    assert "无关的项目" not in listed and "文物流转的项目" not in listed


def test_the_inbox_links_to_a_project_page_that_opens(login, users, world):
    web = login(users[DEPT])
    inbox = web.get(reverse("approvals:inbox")).content.decode()
    link = reverse("approvals:project-checklist", args=[world["asked"].pk])
    assert link in inbox
    assert web.get(link).status_code == 200


def test_the_api_lists_and_opens_the_same_projects(api_login, users, world):
    api = api_login(users[DEPT])
    names = {row["name"] for row in api.get(reverse("project-list")).json()["results"]}
    assert names == {"发改局审批的项目"}
    assert api.get(reverse("project-detail", args=[world["asked"].pk])).status_code == 200
    assert api.get(reverse("project-detail", args=[world["unrelated"].pk])).status_code == 404
    assert api.get(f"/api/approvals/checklists/{world['asked'].pk}/").status_code == 200
    assert api.get(f"/api/approvals/checklists/{world['unrelated'].pk}/").status_code == 404


def test_each_project_is_listed_once_however_many_items_the_department_approves(api_login, users, world, department):
    checklist = Checklist.objects.get(project=world["asked"])
    ChecklistItem.objects.create(checklist=checklist, matter=_matter("reach-ours-2", department))
    assert Project.objects.visible_to(users[DEPT]).count() == 1
    assert api_login(users[DEPT]).get(reverse("project-list")).json()["count"] == 1


def test_the_heritage_department_reads_the_projects_whose_routing_it_records(login, api_login, users, world):
    officer = world["heritage_officer"]
    web = login(officer)
    assert web.get(reverse("projects:detail", args=[world["routed"].pk])).status_code == 200
    assert web.get(reverse("heritage:project", args=[world["routed"].pk])).status_code == 200
    assert web.get(reverse("projects:detail", args=[world["unrelated"].pk])).status_code == 404
    assert api_login(officer).get(reverse("project-detail", args=[world["routed"].pk])).status_code == 200
    # Another department does not read it.
    assert login(users[DEPT]).get(reverse("heritage:project", args=[world["routed"].pk])).status_code == 404


# --- acting --------------------------------------------------------------------------------------------------------


def test_reading_a_project_does_not_let_the_department_edit_it(login, api_login, users, world):
    project = world["asked"]
    web = login(users[DEPT])
    assert web.get(reverse("projects:edit", args=[project.pk])).status_code == 403
    assert web.get(reverse("projects:stage", args=[project.pk])).status_code == 403
    response = web.post(
        reverse("projects:stage", args=[project.pk]),
        {"stage": "preparation", "effective_date": "2024-02-01", "version": 1},
    )
    assert response.status_code == 403
    api = api_login(users[DEPT])
    response = api.patch(reverse("project-detail", args=[project.pk]), {"name": "改名", "version": 1}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    response = api.post(reverse("project-stage", args=[project.pk]), {"stage": "preparation", "version": 1})
    assert response.status_code == 403
    project.refresh_from_db()
    assert (project.name, project.stage, project.version) == ("发改局审批的项目", "planning", 1)
    detail = web.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert reverse("projects:edit", args=[project.pk]) not in detail
    assert reverse("projects:stage", args=[project.pk]) not in detail


def test_the_department_acts_on_its_own_items_only(login, api_login, users, world):
    ours, theirs = world["ours"], world["theirs"]
    web = login(users[DEPT])
    page = web.get(reverse("approvals:project-checklist", args=[world["asked"].pk])).content.decode()
    own_row = page[page.index('data-item="reach-ours"') :]
    assert 'data-action="accept"' in own_row[: own_row.index("</tr>")]
    their_row = page[page.index('data-item="reach-theirs"') :]
    assert "data-action=" not in their_row[: their_row.index("</tr>")]

    response = web.post(reverse("approvals:item-transition", args=[theirs.pk]), {"action": "accept"})
    assert response.status_code == 403
    api = api_login(users[DEPT])
    response = api.post(f"/api/approvals/items/{theirs.pk}/transition/", {"action": "accept"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    theirs.refresh_from_db()
    assert theirs.status == ItemStatus.SUBMITTED

    response = api.post(f"/api/approvals/items/{ours.pk}/transition/", {"action": "accept"}, format="json")
    assert response.status_code == 200, response.json()
    ours.refresh_from_db()
    assert ours.status == ItemStatus.ACCEPTED


def test_a_department_without_work_on_a_project_reads_none(login, world):
    stranger = UserFactory(username="stranger", role=DEPT, department=DepartmentFactory(name="侯马市审计局"))
    web = login(stranger)
    for key in ("asked", "unrelated", "routed"):
        assert web.get(reverse("projects:detail", args=[world[key].pk])).status_code == 404
    assert Project.objects.visible_to(stranger).count() == 0
