"""Heritage pages and API per role; the approval chain configuration; the demo site."""

import pytest
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.approvals.checklists.services import generate_checklist
from kaigong.audit.models import AuditEvent
from kaigong.heritage.demo import DEMO_SITE_NAME, load_demo_heritage
from kaigong.heritage.models import HeritageRouting, HeritageSite
from kaigong.heritage.selectors import get_routing, project_in_control_zone
from kaigong.heritage.services import update_routing
from kaigong.projects.tests.factories import ProjectFactory

ALL_ROLES = [Role.ADMIN, Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE]


# --- the approval chain -------------------------------------------------------------------------------------------


def test_default_chain_runs_city_province_nation(db):
    routing = get_routing()
    assert routing.end_level == "national"
    assert [level for level, _label, _authority in routing.chain()] == ["city", "province", "national"]
    assert [authority for *_rest, authority in routing.chain()] == ["侯马市文物局", "山西省文物局", "国家文物局"]


@pytest.mark.parametrize(
    ("end_level", "levels"),
    [("city", ["city"]), ("province", ["city", "province"]), ("national", ["city", "province", "national"])],
)
def test_the_chain_ends_at_the_configured_level(users, end_level, levels):
    routing = update_routing(
        actor=users[Role.ADMIN], data={"end_level": end_level, "basis": "晋文物函〔2023〕1号(示例)"}
    )
    assert [level for level, *_rest in routing.chain()] == levels
    assert HeritageRouting.objects.count() == 1


def test_routing_change_is_audited_and_shown_on_the_project_page(users, login, site, project_inside):
    update_routing(actor=users[Role.ADMIN], data={"end_level": "province"})
    event = AuditEvent.objects.get(content_type__model="heritagerouting")
    assert event.changes["end_level"] == ["national", "province"]
    generate_checklist(project=project_inside, actor=None, actor_label="test")
    page = login(users[Role.OFFICE]).get(reverse("heritage:project", args=[project_inside.pk])).content.decode()
    assert 'data-in-zone="true"' in page and 'data-end-level="province"' in page
    assert "山西省文物局" in page and "国家文物局" not in page
    assert 'data-item="heritage-consent"' in page


def test_routing_page_and_api_per_role(users, login, api_login):
    for role in ALL_ROLES:
        assert login(users[role]).get(reverse("heritage:routing")).status_code == 200
        assert api_login(users[role]).get("/api/heritage/routing/").json()["end_level"] == "national"
    for role in [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE]:
        assert login(users[role]).post(reverse("heritage:routing"), {"end_level": "city"}).status_code == 403
        response = api_login(users[role]).patch("/api/heritage/routing/", {"end_level": "city"}, format="json")
        assert response.status_code == 403
    assert get_routing().end_level == "national"
    response = api_login(users[Role.ADMIN]).patch("/api/heritage/routing/", {"end_level": "province"}, format="json")
    assert response.status_code == 200
    assert [step["level"] for step in response.json()["chain"]] == ["city", "province"]
    response = api_login(users[Role.ADMIN]).patch("/api/heritage/routing/", {"end_level": "county"}, format="json")
    assert response.status_code == 400 and "end_level" in response.json()["error"]["fields"]
    data = {
        "end_level": "city",
        "city_authority": "侯马市文物局",
        "provincial_authority": "山西省文物局",
        "national_authority": "国家文物局",
        "basis": "",
    }
    assert login(users[Role.ADMIN]).post(reverse("heritage:routing"), data).status_code == 302
    assert get_routing().end_level == "city"


# --- sites and the project panel per role --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_the_sites(users, login, api_login, site, role, django_assert_max_num_queries):
    client = login(users[role])
    with django_assert_max_num_queries(8):
        page = client.get(reverse("heritage:site-list"))
    assert page.status_code == 200 and site.name in page.content.decode()
    assert login(users[role]).get(reverse("heritage:site-detail", args=[site.pk])).status_code == 200
    api = api_login(users[role])
    with django_assert_max_num_queries(5):
        body = api.get("/api/heritage/sites/").json()
    assert [s["name"] for s in body["results"]] == [site.name]


def test_anonymous_is_sent_to_login_and_refused_by_the_api(client, site):
    assert client.get(reverse("heritage:site-list")).status_code == 302
    assert client.get("/api/heritage/sites/").status_code in (401, 403)


def test_only_administrators_delete_a_site(users, login, site):
    assert login(users[Role.OFFICE]).post(reverse("heritage:site-delete", args=[site.pk])).status_code == 403
    assert HeritageSite.objects.exists()
    assert login(users[Role.ADMIN]).post(reverse("heritage:site-delete", args=[site.pk])).status_code == 302
    assert not HeritageSite.objects.exists()


def test_project_heritage_page_and_api_follow_project_scoping(
    users, login, api_login, site, project_inside, other_organization
):
    generate_checklist(project=project_inside, actor=None, actor_label="test")
    url = reverse("heritage:project", args=[project_inside.pk])
    for role in ALL_ROLES:  # the owner (enterprise) and the responsible department see their project
        assert login(users[role]).get(url).status_code == 200
    body = api_login(users[Role.ENTERPRISE]).get(f"/api/heritage/projects/{project_inside.pk}/").json()
    assert body["in_control_zone"] is True and body["sites"][0]["name"] == site.name
    assert [step["level"] for step in body["chain"]] == ["city", "province", "national"]
    assert {i["matter"] for i in body["items"]} == {
        "archaeological-survey",
        "heritage-impact-assessment",
        "heritage-consent",
    }

    stranger = ProjectFactory(
        owner=other_organization, latitude=project_inside.latitude, longitude=project_inside.longitude
    )
    assert login(users[Role.ENTERPRISE]).get(reverse("heritage:project", args=[stranger.pk])).status_code == 404
    assert api_login(users[Role.ENTERPRISE]).get(f"/api/heritage/projects/{stranger.pk}/").status_code == 404


def test_project_outside_or_without_location(users, login, api_login, site, project_outside):
    page = login(users[Role.OFFICE]).get(reverse("heritage:project", args=[project_outside.pk])).content.decode()
    assert 'data-in-zone="false"' in page
    unlocated = ProjectFactory()
    body = api_login(users[Role.OFFICE]).get(f"/api/heritage/projects/{unlocated.pk}/").json()
    assert body["has_location"] is False and body["in_control_zone"] is False and body["chain"] == []


def test_the_approvals_page_links_to_the_heritage_page(users, login, project_inside):
    page = login(users[Role.OFFICE]).get(reverse("approvals:project-checklist", args=[project_inside.pk]))
    assert reverse("heritage:project", args=[project_inside.pk]) in page.content.decode()


# --- demo ----------------------------------------------------------------------------------------------------------


def test_demo_site_is_illustrative_near_the_centre_and_idempotent(db):
    result = load_demo_heritage()
    site = HeritageSite.objects.get()
    assert site.name == DEMO_SITE_NAME and "示意" in site.name and site.is_illustrative
    assert result.summary["created"] == 1
    centre = ProjectFactory(latitude="35.620000", longitude="111.370000")
    assert project_in_control_zone(centre)
    assert load_demo_heritage().summary["unchanged"] == 1
