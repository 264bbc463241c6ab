"""The heritage overlay on checklists: moving a project in and out of a control zone, importing and deleting
zones, the heritage consent as a prerequisite of the construction-engineering planning permit."""

from decimal import Decimal

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import NO_LONGER_REQUIRED, generate_checklist, transition_item
from kaigong.approvals.choices import ItemStatus
from kaigong.approvals.models import ApprovalMatter, ChecklistItem
from kaigong.audit.models import AuditEvent
from kaigong.heritage.selectors import HERITAGE_MATTER_CODES
from kaigong.heritage.services import delete_site, import_sites
from kaigong.projects.services import update_project

from .conftest import INSIDE, OUTSIDE

HERITAGE = set(HERITAGE_MATTER_CODES)


def items(project) -> dict[str, ChecklistItem]:
    return {i.matter.code: i for i in ChecklistItem.objects.filter(checklist__project=project).select_related("matter")}


def test_heritage_consent_is_a_prerequisite_of_the_planning_permit(db):
    permit = ApprovalMatter.objects.get(code="engineering-planning-permit")
    assert permit.prerequisites.filter(code="heritage-consent").exists()
    consent = ApprovalMatter.objects.get(code="heritage-consent")
    assert set(consent.prerequisites.values_list("code", flat=True)) == {
        "archaeological-survey",
        "heritage-impact-assessment",
    }


def test_a_project_in_the_zone_gets_the_heritage_matters(site, project_inside, project_outside):
    generate_checklist(project=project_inside, actor=None, actor_label="test")
    generate_checklist(project=project_outside, actor=None, actor_label="test")
    assert set(items(project_inside)) >= HERITAGE
    assert not HERITAGE & set(items(project_outside))
    assert items(project_inside)["heritage-consent"].required_by == ["建设控制地带内需文物部门审批设计方案"]


def test_moving_out_reverses_and_moving_back_restores(users, site, project_inside):
    office = users[Role.OFFICE]
    generate_checklist(project=project_inside, actor=None, actor_label="test")
    survey = items(project_inside)["archaeological-survey"]
    transition_item(item=survey, action="prepare", actor=office)  # history: it must survive the move

    lat, lon = OUTSIDE
    project = update_project(project=project_inside, data={"latitude": lat, "longitude": lon}, actor=office)
    now = items(project)
    assert now["heritage-impact-assessment"].status == ItemStatus.NOT_APPLICABLE
    assert now["heritage-impact-assessment"].status_reason == NO_LONGER_REQUIRED
    assert now["heritage-consent"].status == ItemStatus.NOT_APPLICABLE
    assert now["archaeological-survey"].status == ItemStatus.PREPARING  # started: kept as it was
    assert now["archaeological-survey"].is_required is False
    assert AuditEvent.objects.filter(object_id=str(now["heritage-consent"].pk), code="regenerate").exists()

    lat, lon = INSIDE
    project = update_project(project=project, data={"latitude": lat, "longitude": lon}, actor=office)
    back = items(project)
    assert {code: back[code].status for code in HERITAGE} == {
        "archaeological-survey": ItemStatus.PREPARING,
        "heritage-impact-assessment": ItemStatus.NOT_STARTED,
        "heritage-consent": ItemStatus.NOT_STARTED,
    }
    assert all(back[code].is_required for code in HERITAGE)


def test_a_site_polygon_touching_the_zone_is_enough(users, site, project_outside):
    generate_checklist(project=project_outside, actor=None, actor_label="test")
    assert not HERITAGE & set(items(project_outside))
    polygon = {
        "type": "Polygon",
        "coordinates": [[[111.375, 35.625], [111.40, 35.625], [111.40, 35.64], [111.375, 35.64], [111.375, 35.625]]],
    }
    update_project(project=project_outside, data={"site_polygon": polygon}, actor=users[Role.OFFICE])
    assert set(items(project_outside)) >= HERITAGE


def test_a_site_change_outside_the_zone_changes_nothing(users, site, project_outside, project_inside):
    generate_checklist(project=project_inside, actor=None, actor_label="test")
    generate_checklist(project=project_outside, actor=None, actor_label="test")
    before_inside = {c: (i.status, i.is_required) for c, i in items(project_inside).items()}
    before_outside = {c: (i.status, i.is_required) for c, i in items(project_outside).items()}
    update_project(
        project=project_outside,
        data={"latitude": Decimal("35.710000"), "longitude": Decimal("111.510000")},
        actor=users[Role.OFFICE],
    )
    # moving within the zone, and a non-location edit, keep the heritage matters
    update_project(
        project=project_inside,
        data={"latitude": Decimal("35.615000"), "longitude": Decimal("111.365000")},
        actor=users[Role.OFFICE],
    )
    update_project(project=project_inside, data={"address": "侯马市新田路"}, actor=users[Role.OFFICE])
    assert {c: (i.status, i.is_required) for c, i in items(project_inside).items()} == before_inside
    assert {c: (i.status, i.is_required) for c, i in items(project_outside).items()} == before_outside


def test_importing_and_deleting_a_zone_regenerates_only_the_affected_checklists(
    users, good_file, project_inside, project_outside
):
    admin = users[Role.ADMIN]
    generate_checklist(project=project_inside, actor=None, actor_label="test")
    generate_checklist(project=project_outside, actor=None, actor_label="test")
    assert not HERITAGE & set(items(project_inside))
    result = import_sites(content=good_file, actor=admin)
    assert result.regenerated == [project_inside.pk]
    assert set(items(project_inside)) >= HERITAGE
    assert not HERITAGE & set(items(project_outside))

    regenerated = delete_site(site=result.created[0], actor=admin)
    assert regenerated == [project_inside.pk]
    assert {items(project_inside)[c].status for c in HERITAGE} == {ItemStatus.NOT_APPLICABLE}
    assert AuditEvent.objects.filter(action="delete", content_type__model="heritagesite").count() == 1
