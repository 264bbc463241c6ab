"""A project's heritage routing, step by step: forwarding to the next level and recording replies (services), the
recompute keeping recorded steps, the project page and the API per role, and the demo's recorded history."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import UserFactory
from kaigong.approvals.checklists.services import generate_checklist, transition_item
from kaigong.approvals.choices import Decision, ItemStatus
from kaigong.approvals.models import ApprovalMatter, ChecklistItem, CorrectionWindow
from kaigong.audit.models import AuditEvent
from kaigong.core.exceptions import PermissionDeniedError, TransitionNotAllowed
from kaigong.heritage.choices import Opinion, RoutingStatus
from kaigong.heritage.models import HeritageRoutingStep, ProjectHeritageRouting
from kaigong.heritage.services import (
    delete_site,
    forward_routing_step,
    import_sites,
    record_routing_reply,
    sync_project_routing,
    update_routing,
)
from kaigong.projects.services import update_project
from kaigong.projects.tests.factories import ProjectFactory

from .conftest import OUTSIDE

TODAY = timezone.localdate


def days_ago(n: int) -> dt.date:
    return TODAY() - dt.timedelta(days=n)


def steps_of(project) -> list[HeritageRoutingStep]:
    return list(HeritageRoutingStep.objects.filter(routing__project=project).order_by("order"))


def levels(project) -> list[tuple[str, str]]:
    return [(s.level, s.opinion) for s in steps_of(project)]


def awaiting(project) -> HeritageRoutingStep:
    return HeritageRoutingStep.objects.get(routing__project=project, sent_on__isnull=False, replied_on__isnull=True)


def routing_of(project) -> ProjectHeritageRouting:
    return ProjectHeritageRouting.objects.get(project=project)


@pytest.fixture
def in_zone(site, project_inside):
    """A project in the control zone with its checklist (and so its routing)."""
    generate_checklist(project=project_inside, actor=None, actor_label="test")
    sync_project_routing(project=project_inside, actor=None, actor_label="test")
    return project_inside


@pytest.fixture
def heritage_officer(db):
    """An officer of the department the catalogue names for the heritage consent (the city heritage office)."""
    department = ApprovalMatter.objects.get(code="heritage-consent").department
    assert department is not None
    return UserFactory(username="heritage", role=Role.DEPARTMENT, department=department)


def refused(call, **kwargs) -> str:
    with pytest.raises(TransitionNotAllowed) as caught:
        call(**kwargs)
    assert caught.value.status == 400 and caught.value.message_en  # bilingual: an English rendering exists
    return caught.value.message


# --- services ------------------------------------------------------------------------------------------------------


def test_importing_a_zone_creates_the_routing_with_the_configured_chain(users, good_file, project_inside):
    generate_checklist(project=project_inside, actor=None, actor_label="test")
    assert not ProjectHeritageRouting.objects.exists()
    import_sites(content=good_file, actor=users[Role.ADMIN])
    routing = routing_of(project_inside)
    assert routing.status == RoutingStatus.NOT_STARTED and routing.is_required and routing.end_level == "national"
    assert [(s.order, s.level, s.authority) for s in steps_of(project_inside)] == [
        (1, "city", "侯马市文物局"),
        (2, "province", "山西省文物局"),
        (3, "national", "国家文物局"),
    ]
    event = AuditEvent.objects.for_object(routing).get()
    assert event.action == "create" and event.project_id == project_inside.pk
    assert event.changes["pending_steps"][1] == ["city: 侯马市文物局", "province: 山西省文物局", "national: 国家文物局"]


def test_happy_path_to_the_national_administration(users, in_zone):
    office = users[Role.OFFICE]
    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(30))
    assert city.level == "city" and city.sent_on == days_ago(30) and city.forwarded_by == office
    assert routing_of(in_zone).status == RoutingStatus.IN_PROGRESS
    # A lower level's agreement needs no 文号 and lets the request go on.
    record_routing_reply(step=city, actor=office, opinion=Opinion.APPROVED, on=days_ago(25))
    province = forward_routing_step(project=in_zone, actor=office, on=days_ago(24))
    assert province.level == "province"
    record_routing_reply(
        step=province,
        actor=office,
        opinion=Opinion.CONDITIONAL,
        on=days_ago(10),
        opinion_text="施工前完成考古勘探",
        document_number="晋文物函〔2025〕3号",
    )
    national = forward_routing_step(project=in_zone, actor=office, on=days_ago(9))
    assert refused(record_routing_reply, step=national, actor=office, opinion=Opinion.APPROVED) == "最终意见须填写文号"
    step = record_routing_reply(
        step=national, actor=office, opinion=Opinion.APPROVED, on=days_ago(2), document_number="文物保函〔2025〕88号"
    )
    assert step.recorded_by == office and step.recorded_by_label == str(office) and step.recorded_at is not None
    routing = routing_of(in_zone)
    assert routing.status == RoutingStatus.COMPLETED
    assert levels(in_zone) == [("city", "approved"), ("province", "conditional"), ("national", "approved")]
    assert refused(forward_routing_step, project=in_zone, actor=office).startswith("该项目的文物审批流转已结束")

    # Every write was audited: three forwards and three replies on the steps, the status changes on the routing.
    step_events = AuditEvent.objects.filter(content_type__model="heritageroutingstep", project=in_zone)
    assert sorted(e.code for e in step_events) == sorted(
        ["forward"] * 3 + ["reply_approved", "reply_conditional", "reply_approved"]
    )
    national_events = AuditEvent.objects.for_object(national).order_by("pk")
    assert national_events[0].changes == {"sent_on": [None, days_ago(9).isoformat()]}
    assert national_events[1].changes["document_number"] == ["", "文物保函〔2025〕88号"]
    assert national_events[1].actor == office
    statuses = [e.changes.get("status") for e in AuditEvent.objects.for_object(routing).order_by("pk")]
    assert ["not_started", "in_progress"] in statuses and ["in_progress", "completed"] in statuses


def test_refusal_at_the_city_ends_the_chain(users, in_zone):
    office = users[Role.OFFICE]
    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(5))
    assert refused(record_routing_reply, step=city, actor=office, opinion=Opinion.REFUSED) == "最终意见须填写文号"
    record_routing_reply(
        step=city, actor=office, opinion=Opinion.REFUSED, on=days_ago(1), document_number="侯文物函〔2025〕9号"
    )
    assert routing_of(in_zone).status == RoutingStatus.REFUSED
    assert levels(in_zone) == [("city", "refused")]  # the levels never reached are gone
    message = refused(forward_routing_step, project=in_zone, actor=office)
    assert message == "该项目的文物审批流转已结束(不同意),不能再报送"


def test_the_chain_ends_at_the_province_when_so_configured(users, in_zone):
    admin, office = users[Role.ADMIN], users[Role.OFFICE]
    update_routing(actor=admin, data={"end_level": "province", "basis": "晋文物函〔2023〕1号(示例)"})
    # The open routing follows the configuration: the national step is dropped, audited.
    assert [s.level for s in steps_of(in_zone)] == ["city", "province"]
    routing = routing_of(in_zone)
    assert routing.end_level == "province"
    assert AuditEvent.objects.for_object(routing).filter(code="chain_changed").exists()

    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(20))
    record_routing_reply(step=city, actor=office, opinion=Opinion.APPROVED, on=days_ago(15))
    province = forward_routing_step(project=in_zone, actor=office, on=days_ago(14))
    assert refused(record_routing_reply, step=province, actor=office, opinion=Opinion.APPROVED) == "最终意见须填写文号"
    record_routing_reply(
        step=province, actor=office, opinion=Opinion.APPROVED, on=days_ago(3), document_number="晋文物函〔2025〕7号"
    )
    assert routing_of(in_zone).status == RoutingStatus.COMPLETED
    assert [s.level for s in steps_of(in_zone)] == ["city", "province"]
    # A completed routing does not reopen when the chain is later extended.
    update_routing(actor=admin, data={"end_level": "national"})
    assert routing_of(in_zone).status == RoutingStatus.COMPLETED
    assert [s.level for s in steps_of(in_zone)] == ["city", "province"]


def test_lowering_the_end_level_completes_a_routing_agreed_at_the_new_final_level(users, in_zone):
    office = users[Role.OFFICE]
    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(9))
    record_routing_reply(step=city, actor=office, opinion=Opinion.APPROVED, on=days_ago(8))
    update_routing(actor=users[Role.ADMIN], data={"end_level": "city"})
    assert routing_of(in_zone).status == RoutingStatus.COMPLETED
    assert levels(in_zone) == [("city", "approved")]


def test_returned_for_supplement_goes_to_the_same_level_again(users, in_zone):
    office = users[Role.OFFICE]
    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(20))
    record_routing_reply(
        step=city, actor=office, opinion=Opinion.RETURNED, on=days_ago(18), opinion_text="补充考古勘探报告"
    )
    assert [s.level for s in steps_of(in_zone)] == ["city", "city", "province", "national"]
    again = forward_routing_step(project=in_zone, actor=office, on=days_ago(10))
    assert again.level == "city" and again.pk != city.pk and again.order == 2
    record_routing_reply(step=again, actor=office, opinion=Opinion.APPROVED, on=days_ago(9))
    assert forward_routing_step(project=in_zone, actor=office, on=days_ago(8)).level == "province"
    assert levels(in_zone)[:2] == [("city", "returned"), ("city", "approved")]


def consent_item(project) -> ChecklistItem:
    return ChecklistItem.objects.get(checklist__project=project, matter__code="heritage-consent")


def test_the_consent_item_follows_the_routing_to_its_final_agreement(users, in_zone):
    office = users[Role.OFFICE]
    assert consent_item(in_zone).status == ItemStatus.NOT_STARTED
    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(30))
    item = consent_item(in_zone)
    assert (item.status, item.submitted_on, item.accepted_on) == (ItemStatus.ACCEPTED, days_ago(30), days_ago(30))
    assert item.statutory_due is not None  # its clock runs from the forward
    # 退回补充 stops the clock; the next forward to the same level resumes it.
    record_routing_reply(
        step=city, actor=office, opinion=Opinion.RETURNED, on=days_ago(25), opinion_text="补充考古勘探报告"
    )
    assert consent_item(in_zone).status == ItemStatus.CORRECTION_REQUESTED
    again = forward_routing_step(project=in_zone, actor=office, on=days_ago(20))
    window = CorrectionWindow.objects.get(item=consent_item(in_zone))
    assert (window.requested_on, window.resumed_on, window.reason) == (days_ago(25), days_ago(20), "补充考古勘探报告")
    assert consent_item(in_zone).status == ItemStatus.ACCEPTED
    # A lower level's agreement leaves it running; the final level's decides it with its 文号 and date.
    record_routing_reply(step=again, actor=office, opinion=Opinion.APPROVED, on=days_ago(19))
    province = forward_routing_step(project=in_zone, actor=office, on=days_ago(18))
    record_routing_reply(step=province, actor=office, opinion=Opinion.APPROVED, on=days_ago(10))
    assert consent_item(in_zone).status == ItemStatus.ACCEPTED
    national = forward_routing_step(project=in_zone, actor=office, on=days_ago(9))
    record_routing_reply(
        step=national,
        actor=office,
        opinion=Opinion.CONDITIONAL,
        on=days_ago(2),
        opinion_text="保留夯土遗迹",
        document_number="文物保函〔2025〕88号",
    )
    item = consent_item(in_zone)
    assert (item.status, item.decision, item.decided_on) == (ItemStatus.DECIDED, Decision.APPROVED, days_ago(2))
    assert item.document_number == "文物保函〔2025〕88号" and item.actual_workdays is not None
    # Each move is audited on the item, naming the routing and who recorded it.
    label = f"文物审批流转 · {office}"
    events = AuditEvent.objects.for_object(item).filter(actor_label=label).order_by("pk")
    assert [(e.code, e.note) for e in events] == [
        ("submit", ""),
        ("accept", ""),
        ("request_correction", "补充考古勘探报告"),
        ("resume", ""),
        ("decide", ""),
    ]
    assert all(e.actor is None for e in events)


def test_a_refusal_decides_the_consent_item_as_refused(users, in_zone):
    office = users[Role.OFFICE]
    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(5))
    record_routing_reply(
        step=city, actor=office, opinion=Opinion.REFUSED, on=days_ago(1), document_number="侯文物函〔2025〕9号"
    )
    item = consent_item(in_zone)
    assert (item.status, item.decision, item.document_number) == (
        ItemStatus.DECIDED,
        Decision.REFUSED,
        "侯文物函〔2025〕9号",
    )


def test_an_item_moved_by_hand_is_left_as_it_is(users, in_zone):
    office = users[Role.OFFICE]
    item = consent_item(in_zone)
    for action, extra in (
        ("submit", {}),
        ("accept", {}),
        ("decide", {"decision": "approved", "document_number": "手工1号"}),
    ):
        item = transition_item(item=item, action=action, actor=None, actor_label="test", on=days_ago(40), **extra)
    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(30))
    record_routing_reply(
        step=city, actor=office, opinion=Opinion.REFUSED, on=days_ago(20), document_number="侯文物函〔2025〕2号"
    )
    item = consent_item(in_zone)
    assert (item.status, item.decision, item.document_number) == (ItemStatus.DECIDED, Decision.APPROVED, "手工1号")
    assert routing_of(in_zone).status == RoutingStatus.REFUSED


def test_a_consent_item_that_cannot_follow_refuses_the_step_and_says_why(users, in_zone):
    """The enterprise recorded its submission after the date the office gives for the forward: the acceptance would
    precede the submission, so the forward is refused as a whole (nothing half-written), naming the item."""
    item = transition_item(item=consent_item(in_zone), action="submit", actor=None, actor_label="test", on=days_ago(3))
    with pytest.raises(TransitionNotAllowed) as caught:
        forward_routing_step(project=in_zone, actor=users[Role.OFFICE], on=days_ago(10))
    assert caught.value.message.startswith("清单中的文物审批事项无法随流转更新:日期不能早于申报日期")
    assert caught.value.message_en.startswith("The heritage consent item on the checklist cannot follow the routing: ")
    assert "申报日期" not in caught.value.message_en and "Submission date" in caught.value.message_en
    assert not HeritageRoutingStep.objects.filter(routing__project=in_zone, sent_on__isnull=False).exists()
    assert routing_of(in_zone).status == RoutingStatus.NOT_STARTED
    assert consent_item(in_zone).status == item.status == ItemStatus.SUBMITTED


def test_dates_and_step_order_are_validated(users, in_zone):
    office = users[Role.OFFICE]
    tomorrow = TODAY() + dt.timedelta(days=1)
    assert refused(forward_routing_step, project=in_zone, actor=office, on=tomorrow).startswith("报送日期不能晚于今天")
    assert not HeritageRoutingStep.objects.filter(sent_on__isnull=False).exists()
    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(10))
    assert refused(forward_routing_step, project=in_zone, actor=office) == "已报送侯马市文物局,尚未登记答复,不能再报送"
    reply = {"step": city, "actor": office, "opinion": Opinion.APPROVED}
    assert refused(record_routing_reply, **reply, on=tomorrow).startswith("答复日期不能晚于今天")
    assert refused(record_routing_reply, **reply, on=days_ago(11)) == (
        f"答复日期不能早于报送日期({days_ago(10).isoformat()})"
    )
    assert refused(record_routing_reply, step=city, actor=office, opinion="maybe").startswith("请选择答复意见")
    assert refused(record_routing_reply, step=city, actor=office, opinion=Opinion.CONDITIONAL) == (
        "有条件同意须填写所附条件"
    )
    province = steps_of(in_zone)[1]
    assert refused(record_routing_reply, step=province, actor=office, opinion=Opinion.APPROVED) == (
        "山西省文物局尚未报送,不能登记答复"
    )
    before = AuditEvent.objects.count()
    record_routing_reply(**reply, on=days_ago(5))
    assert refused(record_routing_reply, **reply, on=days_ago(5)) == "侯马市文物局的答复已登记,不能重复登记"
    assert refused(forward_routing_step, project=in_zone, actor=office, on=days_ago(6)) == (
        f"报送日期不能早于上一级的答复日期({days_ago(5).isoformat()})"
    )
    assert forward_routing_step(project=in_zone, actor=office, on=days_ago(5)).level == "province"
    assert AuditEvent.objects.count() > before


def test_a_refused_write_leaves_no_trace(users, in_zone):
    office = users[Role.OFFICE]
    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(3))
    before = AuditEvent.objects.count()
    refused(record_routing_reply, step=city, actor=office, opinion=Opinion.REFUSED)  # no 文号
    city.refresh_from_db()
    assert city.replied_on is None and city.opinion == ""
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("role", [Role.LEADER, Role.ENTERPRISE, Role.DEPARTMENT])
def test_only_the_recorders_may_write(users, in_zone, role):
    with pytest.raises(PermissionDeniedError):
        forward_routing_step(project=in_zone, actor=users[role])
    city = forward_routing_step(project=in_zone, actor=users[Role.ADMIN], on=days_ago(1))
    with pytest.raises(PermissionDeniedError):
        record_routing_reply(step=city, actor=users[role], opinion=Opinion.APPROVED)


def test_the_heritage_officer_records(heritage_officer, in_zone):
    city = forward_routing_step(project=in_zone, actor=heritage_officer, on=days_ago(2))
    record_routing_reply(step=city, actor=heritage_officer, opinion=Opinion.APPROVED, on=days_ago(1))
    assert steps_of(in_zone)[0].recorded_by == heritage_officer


# --- the recompute -------------------------------------------------------------------------------------------------


def test_recompute_keeps_recorded_steps_when_the_project_leaves_and_returns(users, good_file, in_zone, site):
    admin, office = users[Role.ADMIN], users[Role.OFFICE]
    city = forward_routing_step(project=in_zone, actor=office, on=days_ago(9))
    record_routing_reply(step=city, actor=office, opinion=Opinion.APPROVED, on=days_ago(8))
    forward_routing_step(project=in_zone, actor=office, on=days_ago(7))

    delete_site(site=site, actor=admin)  # the project leaves every zone: its checklist and routing are recomputed
    routing = routing_of(in_zone)
    assert routing.is_required is False and routing.status == RoutingStatus.IN_PROGRESS
    assert levels(in_zone) == [("city", "approved"), ("province", "")]  # recorded steps kept, national dropped
    assert steps_of(in_zone)[1].sent_on == days_ago(7)
    assert refused(forward_routing_step, project=in_zone, actor=office) == "项目不在文物建设控制地带内,无需报送文物审批"
    # A reply to a request already sent is still a fact to record.
    record_routing_reply(step=awaiting(in_zone), actor=office, opinion=Opinion.APPROVED, on=days_ago(1))
    assert [s.level for s in steps_of(in_zone)] == ["city", "province"]

    import_sites(content=good_file, actor=admin)  # back in a zone: the level still to send comes back
    routing = routing_of(in_zone)
    assert routing.is_required and routing.status == RoutingStatus.IN_PROGRESS
    assert levels(in_zone) == [("city", "approved"), ("province", "approved"), ("national", "")]
    assert forward_routing_step(project=in_zone, actor=office).level == "national"


def test_recompute_sets_aside_an_unsent_routing_and_brings_it_back(users, good_file, in_zone, site):
    delete_site(site=site, actor=users[Role.ADMIN])
    routing = routing_of(in_zone)
    assert routing.status == RoutingStatus.NOT_APPLICABLE and not routing.is_required
    assert steps_of(in_zone) == []
    import_sites(content=good_file, actor=users[Role.ADMIN])
    routing = routing_of(in_zone)
    assert routing.status == RoutingStatus.NOT_STARTED and routing.is_required
    assert [s.level for s in steps_of(in_zone)] == ["city", "province", "national"]
    # Recomputing with nothing changed changes nothing.
    before = AuditEvent.objects.count()
    sync_project_routing(project=in_zone, actor=None, actor_label="test")
    assert AuditEvent.objects.count() == before


def test_a_project_moved_out_is_recomputed_before_the_next_forward(users, in_zone):
    office = users[Role.OFFICE]
    lat, lon = OUTSIDE
    project = update_project(project=in_zone, data={"latitude": lat, "longitude": lon}, actor=office)
    assert refused(forward_routing_step, project=project, actor=office) == "项目不在文物建设控制地带内,无需报送文物审批"
    sync_project_routing(project=project, actor=office)
    assert routing_of(project).status == RoutingStatus.NOT_APPLICABLE


def test_a_project_without_routing_gets_one_on_its_first_forward(users, site, project_inside):
    step = forward_routing_step(project=project_inside, actor=users[Role.OFFICE], on=days_ago(1))
    assert step.level == "city" and [s.level for s in steps_of(project_inside)] == ["city", "province", "national"]


# --- the project page ----------------------------------------------------------------------------------------------

ALL_ROLES = [Role.ADMIN, Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_page_shows_the_steps_and_only_recorders_get_the_actions(
    users, login, in_zone, role, django_assert_max_num_queries
):
    city = forward_routing_step(project=in_zone, actor=users[Role.OFFICE], on=days_ago(4))
    record_routing_reply(
        step=city, actor=users[Role.OFFICE], opinion=Opinion.APPROVED, on=days_ago(3), document_number="侯文物函1号"
    )
    client = login(users[role])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("heritage:project", args=[in_zone.pk])).content.decode()
    assert 'data-testid="routing-steps"' in page
    assert 'data-level="city" data-opinion="approved"' in page and "侯文物函1号" in page
    assert 'data-level="province"' in page and 'data-level="national"' in page
    can_record = role in (Role.ADMIN, Role.OFFICE)
    assert ('data-testid="routing-forward"' in page) is can_record
    assert "报送山西省文物局" in page if can_record else "报送山西省文物局" not in page


def test_the_page_shows_planned_steps_before_any_record(users, login, site, project_inside):
    page = login(users[Role.OFFICE]).get(reverse("heritage:project", args=[project_inside.pk])).content.decode()
    assert 'data-recorded="false"' in page and 'data-level="national"' in page
    assert "报送侯马市文物局" in page


def test_page_forward_and_reply_by_the_recorders(users, login, in_zone):
    client = login(users[Role.ADMIN])
    response = client.post(reverse("heritage:routing-forward", args=[in_zone.pk]), {"sent_on": days_ago(6)})
    assert response.status_code == 302 and response.url == reverse("heritage:project", args=[in_zone.pk])
    city = awaiting(in_zone)
    url = reverse("heritage:routing-reply", args=[in_zone.pk, city.pk])
    response = client.post(url, {"replied_on": days_ago(7), "opinion": "approved"}, follow=True)
    assert "未能登记答复" in response.content.decode() and "答复日期不能早于报送日期" in response.content.decode()
    client.post(url, {"replied_on": days_ago(5), "opinion": "conditional", "opinion_text": "原址保护"})
    city.refresh_from_db()
    assert city.opinion == Opinion.CONDITIONAL and city.opinion_text == "原址保护"
    page = client.get(reverse("heritage:project", args=[in_zone.pk])).content.decode()
    assert "原址保护" in page and "有条件同意" in page


def test_page_writes_are_refused_to_readers_and_strangers(users, login, in_zone, other_organization):
    url = reverse("heritage:routing-forward", args=[in_zone.pk])
    for role in (Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE):
        assert login(users[role]).post(url, {}).status_code == 403
    city = forward_routing_step(project=in_zone, actor=users[Role.OFFICE], on=days_ago(1))
    reply = reverse("heritage:routing-reply", args=[in_zone.pk, city.pk])
    for role in (Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE):
        assert login(users[role]).post(reply, {"opinion": "approved"}).status_code == 403
    assert awaiting(in_zone).pk == city.pk
    stranger = ProjectFactory(owner=other_organization, latitude=in_zone.latitude, longitude=in_zone.longitude)
    forward = reverse("heritage:routing-forward", args=[stranger.pk])
    assert login(users[Role.ENTERPRISE]).post(forward).status_code == 404
    assert login(users[Role.ENTERPRISE]).get(reverse("heritage:project", args=[stranger.pk])).status_code == 404
    # A step of another project's routing is not reachable through this project.
    other = ProjectFactory(latitude=in_zone.latitude, longitude=in_zone.longitude)
    assert login(users[Role.ADMIN]).post(reverse("heritage:routing-reply", args=[other.pk, city.pk])).status_code == 404
    assert login(users[Role.ADMIN]).get(reverse("heritage:routing-forward", args=[in_zone.pk])).status_code == 405


def test_the_heritage_officer_opens_and_records_projects_of_other_departments(
    heritage_officer, login, in_zone, other_organization
):
    assert in_zone.responsible_department_id != heritage_officer.department_id
    client = login(heritage_officer)
    page = client.get(reverse("heritage:project", args=[in_zone.pk])).content.decode()
    assert 'data-testid="routing-forward"' in page
    assert client.post(reverse("heritage:routing-forward", args=[in_zone.pk]), {}).status_code == 302
    assert awaiting(in_zone).forwarded_by == heritage_officer
    # A project without heritage matters is not the heritage office's business.
    elsewhere = ProjectFactory(owner=other_organization)
    assert client.get(reverse("heritage:project", args=[elsewhere.pk])).status_code == 404


# --- the API -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_api_reads_the_steps_per_role(users, api_login, in_zone, role, django_assert_max_num_queries):
    forward_routing_step(project=in_zone, actor=users[Role.OFFICE], on=days_ago(2))
    with django_assert_max_num_queries(8):
        response = api_login(users[role]).get(f"/api/heritage/projects/{in_zone.pk}/routing/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "in_progress" and body["is_recorded"] and body["end_level"] == "national"
    assert [(s["level"], s["sent_on"]) for s in body["steps"]] == [
        ("city", days_ago(2).isoformat()),
        ("province", None),
        ("national", None),
    ]
    assert body["step_awaiting_reply"] == body["steps"][0]["id"]
    assert body["can_record"] is body["can_reply"] is (role in (Role.ADMIN, Role.OFFICE))
    assert body["can_forward"] is False  # the city has not replied yet


def test_api_read_denials(client, users, api_login, in_zone, other_organization, project_outside):
    stranger = ProjectFactory(owner=other_organization, latitude=in_zone.latitude, longitude=in_zone.longitude)
    assert api_login(users[Role.ENTERPRISE]).get(f"/api/heritage/projects/{stranger.pk}/routing/").status_code == 404
    assert client.get(f"/api/heritage/projects/{in_zone.pk}/routing/").status_code in (401, 403)
    body = api_login(users[Role.OFFICE]).get(f"/api/heritage/projects/{project_outside.pk}/routing/").json()
    assert body["in_control_zone"] is False and body["status"] is None and body["steps"] == []


def test_api_forward_and_reply_to_completion(users, api_login, in_zone):
    api = api_login(users[Role.OFFICE])
    base = f"/api/heritage/projects/{in_zone.pk}/routing"
    for sent, level, opinion, document in [
        (9, "city", "approved", ""),
        (6, "province", "approved", ""),
        (3, "national", "approved", "文物保函〔2025〕1号"),
    ]:
        body = api.post(f"{base}/forward/", {"sent_on": days_ago(sent).isoformat()}, format="json").json()
        step = next(s for s in body["steps"] if s["id"] == body["step_awaiting_reply"])
        assert step["level"] == level
        response = api.post(
            f"{base}/steps/{step['id']}/reply/",
            {"replied_on": days_ago(sent - 1).isoformat(), "opinion": opinion, "document_number": document},
            format="json",
        )
        assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "completed" and body["status_label"] == "已同意"
    assert body["steps"][-1]["document_number"] == "文物保函〔2025〕1号"
    assert body["steps"][-1]["recorded_by"] == str(users[Role.OFFICE])
    assert body["can_forward"] is body["can_reply"] is False
    item = consent_item(in_zone)  # the checklist's consent item followed, decided with the final 文号
    assert (item.status, item.document_number, item.decided_on) == ("decided", "文物保函〔2025〕1号", days_ago(2))


def test_api_errors_are_bilingual_and_writes_refused_per_role(users, api_login, in_zone):
    base = f"/api/heritage/projects/{in_zone.pk}/routing"
    tomorrow = (TODAY() + dt.timedelta(days=1)).isoformat()
    response = api_login(users[Role.ADMIN]).post(f"{base}/forward/", {"sent_on": tomorrow}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "transition_not_allowed" and error["message"].startswith("报送日期不能晚于今天")
    assert "message_en" in error
    for role in (Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE):
        response = api_login(users[role]).post(f"{base}/forward/", {}, format="json")
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    api_login(users[Role.ADMIN]).post(f"{base}/forward/", {}, format="json")
    city = awaiting(in_zone)
    for role in (Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE):
        response = api_login(users[role]).post(f"{base}/steps/{city.pk}/reply/", {"opinion": "approved"}, format="json")
        assert response.status_code == 403
    response = api_login(users[Role.ADMIN]).post(f"{base}/steps/{city.pk}/reply/", {"opinion": "ok"}, format="json")
    assert response.status_code == 400 and "opinion" in response.json()["error"]["fields"]
    response = api_login(users[Role.ADMIN]).post(
        f"{base}/steps/{city.pk}/reply/", {"opinion": "refused"}, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["message"] == "最终意见须填写文号"
    assert api_login(users[Role.ADMIN]).post(f"{base}/steps/999999/reply/", {}, format="json").status_code == 404


def test_api_schema_documents_the_routing_endpoints(users, login):
    schema = login(users[Role.LEADER]).get(reverse("api-schema"), {"format": "json"}).json()
    paths = schema["paths"]
    operations = {
        ("get", "/api/heritage/projects/{project_pk}/routing/"),
        ("post", "/api/heritage/projects/{project_pk}/routing/forward/"),
        ("post", "/api/heritage/projects/{project_pk}/routing/steps/{step_pk}/reply/"),
    }
    for method, path in operations:
        operation = paths[path][method]
        assert operation["summary"] and "200" in operation["responses"] and "403" in operation["responses"]
    reply = paths["/api/heritage/projects/{project_pk}/routing/steps/{step_pk}/reply/"]["post"]
    ref = reply["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {
        "replied_on",
        "opinion",
        "opinion_text",
        "document_number",
    }


# --- demo ----------------------------------------------------------------------------------------------------------


def test_demo_routing_has_recorded_replies_and_is_idempotent(db, project_inside):
    from kaigong.heritage.demo import load_demo_heritage

    generate_checklist(project=project_inside, actor=None, actor_label="test")
    load_demo_heritage()
    routing = routing_of(project_inside)
    steps = steps_of(project_inside)
    assert [(s.level, s.opinion) for s in steps] == [
        ("city", "approved"),
        ("province", "conditional"),
        ("national", ""),
    ]
    assert all("示例" in s.document_number for s in steps[:2])
    assert steps[2].sent_on is not None and steps[2].replied_on is None
    assert routing.status == RoutingStatus.IN_PROGRESS
    assert steps[0].recorded_by_label == "命令 load-demo"
    before = AuditEvent.objects.count()
    load_demo_heritage()
    assert AuditEvent.objects.count() == before


def test_moving_a_project_into_the_zone_through_the_api_creates_its_routing(users, site, project_outside, api_login):
    """update_project keeps the routing in step with the project's location (no need to wait for a forward)."""
    from .conftest import INSIDE

    generate_checklist(project=project_outside, actor=None, actor_label="test")
    assert not ProjectHeritageRouting.objects.filter(project=project_outside).exists()
    office = api_login(users[Role.OFFICE])
    response = office.patch(
        f"/api/projects/{project_outside.pk}/",
        {"latitude": str(INSIDE[0]), "longitude": str(INSIDE[1]), "version": project_outside.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    routing = routing_of(project_outside)
    assert routing.is_required and [s.level for s in steps_of(project_outside)] == ["city", "province", "national"]

    # And back out: nothing was sent, so the routing is no longer needed.
    project_outside.refresh_from_db()
    response = office.patch(
        f"/api/projects/{project_outside.pk}/",
        {"latitude": str(OUTSIDE[0]), "longitude": str(OUTSIDE[1]), "version": project_outside.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert routing_of(project_outside).status == RoutingStatus.NOT_APPLICABLE
