"""Hostile heritage GeoJSON (issue 10 §5) and the heritage schema (§13): the limits on the import page, the API and
the command; the paginated site list without boundaries; the simplified geometry the pages draw; the routing
PATCH refusing empty authorities; the routing steps' opinion inside its enum."""

import importlib
import json
import math
import re

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from shapely.geometry import shape

from kaigong.accounts.choices import Role
from kaigong.heritage.drawing import METRES_PER_DEGREE
from kaigong.heritage.models import HeritageSite
from kaigong.heritage.selectors import get_routing
from kaigong.heritage.services import import_sites, sync_project_routing
from kaigong.heritage.tests.conftest import collection, feature
from kaigong.projects.tests.factories import ProjectFactory

IMPORT_API = "/api/heritage/sites/import/"
DEEP = "[" * 100_000 + "]" * 100_000


def circle(vertices: int, lon=111.37, lat=35.62, radius=0.01, wobble=0.0) -> dict:
    """A closed ring of ``vertices`` points around (lon, lat); ``wobble`` (degrees) makes a jagged edge."""
    ring = []
    for i in range(vertices - 1):
        angle = 2 * math.pi * i / (vertices - 1)
        r = radius + (wobble if i % 2 else 0)
        ring.append([round(lon + r * math.cos(angle), 9), round(lat + r * math.sin(angle), 9)])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def upload(content: str | bytes, name="zones.geojson") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)


def api_error(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["error"]


# --- nesting: checked before json can recurse -------------------------------------------------------------------


def test_100k_nested_brackets_answer_400_json_on_the_api(users, api_login):
    api = api_login(users[Role.ADMIN])
    response = api.generic("POST", IMPORT_API, DEEP, content_type="application/json")
    assert response.status_code == 400
    error = api_error(response)
    assert error["code"] == "invalid_geojson"
    assert "100000 层" in error["message"] and "20" in error["message"] and error["message_en"]
    nested_value = json.dumps({"geojson": DEEP})  # the same nesting inside a string, parsed as the file
    response = api.generic("POST", IMPORT_API, nested_value, content_type="application/json")
    assert response.status_code == 400 and "嵌套过深" in api_error(response)["message"]
    response = api.post(IMPORT_API, {"file": upload(DEEP)}, format="multipart")
    assert response.status_code == 400 and "嵌套过深" in api_error(response)["message"]
    assert not HeritageSite.objects.exists()


def test_100k_nested_brackets_are_a_form_error_on_the_page(users, login):
    response = login(users[Role.ADMIN]).post(reverse("heritage:site-import"), {"file": upload(DEEP)})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="import-problems"' in page and "JSON 嵌套过深:100000 层,最多 20 层" in page
    assert not HeritageSite.objects.exists()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_hostile_bodies_from_others_are_refused_before_they_are_read(users, api_login, login, role):
    response = api_login(users[role]).generic("POST", IMPORT_API, DEEP, content_type="application/json")
    assert response.status_code == 403 and api_error(response)["code"] == "permission_denied"
    assert login(users[role]).post(reverse("heritage:site-import"), {"file": upload(DEEP)}).status_code == 403


def test_100k_nested_brackets_answer_400_on_the_other_heritage_endpoints(users, api_login, site, project_inside):
    from kaigong.heritage.services import forward_routing_step

    step = forward_routing_step(project=project_inside, actor=users[Role.ADMIN])
    api = api_login(users[Role.ADMIN])
    base = f"/api/heritage/projects/{project_inside.pk}/routing"
    for method, url in [
        ("PATCH", "/api/heritage/routing/"),
        ("POST", f"{base}/forward/"),
        ("POST", f"{base}/steps/{step.pk}/reply/"),
    ]:
        response = api.generic(method, url, DEEP, content_type="application/json")
        assert response.status_code == 400 and api_error(response)["code"] == "parse_error", url
    response = api.patch("/api/heritage/routing/", {"basis": "[[[依据]]]"}, format="json")
    assert response.status_code == 200 and response.json()["basis"] == "[[[依据]]]"
    leader = api_login(users[Role.LEADER])
    assert leader.generic("PATCH", "/api/heritage/routing/", DEEP, content_type="application/json").status_code == 403


def test_brackets_inside_strings_do_not_count(users):
    notes = "]" * 5000 + "[" * 5000
    result = import_sites(content=collection(feature(notes=notes)), actor=users[Role.ADMIN])
    assert result.summary["created"] == 1


# --- size -------------------------------------------------------------------------------------------------------


@pytest.fixture
def small_limit(settings):
    settings.KAIGONG_HERITAGE_GEOJSON_MAX_BYTES = 2000
    return 2000


def big_file() -> str:
    return collection(feature(geometry=circle(200)))


def test_an_oversize_file_is_refused_on_the_api_the_page_and_the_command(
    users, api_login, login, small_limit, tmp_path
):
    content = big_file()
    size = len(content.encode())
    assert size > small_limit
    api = api_login(users[Role.ADMIN])
    for response in (
        api.post(IMPORT_API, {"file": upload(content)}, format="multipart"),
        api.generic("POST", IMPORT_API, json.dumps({"geojson": json.loads(content)}), content_type="application/json"),
    ):
        assert response.status_code == 400
        error = api_error(response)
        assert error["code"] == "invalid_geojson" and "文件过大" in error["message"] and "2000 字节" in error["message"]
    response = login(users[Role.ADMIN]).post(reverse("heritage:site-import"), {"file": upload(content)})
    assert response.status_code == 400
    assert f"文件过大:{size} 字节,超过上限 2000 字节" in response.content.decode()
    path = tmp_path / "big.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match="文件过大"):
        call_command("heritage", "import", str(path))
    assert not HeritageSite.objects.exists()


def test_a_body_longer_than_declared_is_cut_at_the_limit(users, api_login, small_limit):
    """A body whose Content-Length is missing or lies is read no further than the limit."""
    from io import BytesIO

    from kaigong.heritage.geojson import GeoJSONImportError, read_limited

    with pytest.raises(GeoJSONImportError, match="超过上限 2000 字节"):
        read_limited(BytesIO(b" " * 10_000), declared=None, overhead=100)
    assert read_limited(BytesIO(b" " * 2100), declared=None, overhead=100) == b" " * 2100


def test_a_file_within_the_limit_imports(users, api_login, settings):
    settings.KAIGONG_HERITAGE_GEOJSON_MAX_BYTES = len(big_file().encode())
    response = api_login(users[Role.ADMIN]).post(IMPORT_API, {"file": upload(big_file())}, format="multipart")
    assert response.status_code == 200 and response.json()["created"] == 1


# --- vertices and features ----------------------------------------------------------------------------------------


def test_too_many_vertices_in_a_geometry_or_a_file(users, api_login, login, settings):
    settings.KAIGONG_HERITAGE_MAX_VERTICES_PER_GEOMETRY = 100
    settings.KAIGONG_HERITAGE_MAX_VERTICES_PER_FILE = 150
    one = collection(feature(geometry=circle(120)))
    response = api_login(users[Role.ADMIN]).post(IMPORT_API, {"geojson": json.loads(one)}, format="json")
    assert response.status_code == 400
    assert "第1个要素: 顶点过多,120 个,每个几何最多 100 个" in api_error(response)["message"]
    two = collection(feature(name="甲", geometry=circle(80)), feature(name="乙", geometry=circle(80, lon=111.5)))
    response = login(users[Role.ADMIN]).post(reverse("heritage:site-import"), {"file": upload(two)})
    assert response.status_code == 400 and "文件的顶点过多:共 160 个,最多 150 个" in response.content.decode()
    assert not HeritageSite.objects.exists()


def test_too_many_features(users, api_login):
    body = {"type": "FeatureCollection", "features": [feature(name=f"遗址{i}") for i in range(501)]}
    response = api_login(users[Role.ADMIN]).post(IMPORT_API, {"geojson": body}, format="json")
    assert response.status_code == 400 and "要素过多:501 个,最多 500 个" in api_error(response)["message"]


# --- malformed JSON -----------------------------------------------------------------------------------------------


def test_malformed_json_answers_its_line_and_column(users, api_login, login):
    broken = '{"type": "FeatureCollection",\n "features": [,]}'
    response = api_login(users[Role.ADMIN]).generic("POST", IMPORT_API, broken, content_type="application/json")
    assert response.status_code == 400
    error = api_error(response)
    assert error["code"] == "invalid_geojson" and "第 2 行第 15 列" in error["message"]
    response = login(users[Role.ADMIN]).post(reverse("heritage:site-import"), {"file": upload(broken)})
    assert response.status_code == 400 and "第 2 行第 15 列" in response.content.decode()
    response = api_login(users[Role.ADMIN]).post(IMPORT_API, {"file": upload(b"\xff\xfe\xff")}, format="multipart")
    assert response.status_code == 400 and "不是有效的 JSON" in api_error(response)["message"]
    huge_number = upload("[" + "1" * 5000 + "]")
    response = api_login(users[Role.ADMIN]).post(IMPORT_API, {"file": huge_number}, format="multipart")
    assert response.status_code == 400 and "不是有效的 JSON" in api_error(response)["message"]


# --- the site list: paginated, no boundaries ------------------------------------------------------------------------


@pytest.fixture
def three_sites(users):
    features = [
        feature(name="甲遗址", geometry=circle(50, lon=111.30)),
        feature(name="乙遗址", geometry=circle(50, lon=111.40)),
        feature(name="丙遗址", geometry=circle(3000, lon=111.50)),
    ]
    return import_sites(content=collection(*features), actor=users[Role.ADMIN]).created


def test_the_site_list_is_paginated_without_boundaries(users, api_login, three_sites, django_assert_max_num_queries):
    api = api_login(users[Role.LEADER])
    with django_assert_max_num_queries(5):
        body = api.get("/api/heritage/sites/", {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and "page=2" in body["next"]
    first = body["results"][0]
    assert "control_zone" not in first and "protection_area" not in first
    assert first["display_control_zone"] is None and first["has_protection_area"] is False
    assert first["protection_level"] == "national" and first["protection_level_label"] == "全国重点文物保护单位"
    page2 = api.get(body["next"]).json()
    assert {s["name"] for s in body["results"] + page2["results"]} == {"甲遗址", "乙遗址", "丙遗址"}
    assert {s["name"]: s["vertex_count"] for s in body["results"] + page2["results"]}["丙遗址"] == 3000

    simplified = api.get("/api/heritage/sites/", {"geometry": "simplified"}).json()["results"]
    assert all(s["display_control_zone"]["type"] == "Polygon" for s in simplified)
    response = api.get("/api/heritage/sites/", {"geometry": "full"})
    assert response.status_code == 400 and "geometry" in api_error(response)["fields"]

    detail = api.get(f"/api/heritage/sites/{three_sites[0].pk}/").json()
    assert detail["control_zone"]["type"] == "Polygon" and detail["display_control_zone"]["type"] == "Polygon"
    assert detail["protection_level_label"] == "全国重点文物保护单位"


def test_the_site_list_page_is_paginated_without_boundaries(
    users, login, three_sites, monkeypatch, django_assert_max_num_queries
):
    from kaigong.heritage import views

    monkeypatch.setattr(views, "SITES_PER_PAGE", 2)
    client = login(users[Role.ENTERPRISE])
    with django_assert_max_num_queries(9):
        first = client.get(reverse("heritage:site-list")).content.decode()
    second = client.get(reverse("heritage:site-list"), {"page": 2}).content.decode()
    assert first.count("data-site=") == 2 and second.count("data-site=") == 1
    assert 'data-testid="site-pages"' in first and "1 / 2" in first
    assert "111.5" not in first + second  # no coordinates


def test_the_site_list_and_detail_refuse_the_anonymous(client, three_sites):
    assert client.get("/api/heritage/sites/").status_code in (401, 403)
    assert client.get(f"/api/heritage/sites/{three_sites[0].pk}/").status_code in (401, 403)
    assert client.get(reverse("heritage:site-list")).status_code == 302


def test_the_schema_says_the_list_is_paginated_and_has_no_boundaries(users, login):
    schema = login(users[Role.LEADER]).get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/heritage/sites/"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    page = schema["components"]["schemas"][ref]
    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    item = schema["components"]["schemas"][page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert "control_zone" not in item["properties"] and item["properties"]["display_control_zone"]["nullable"]
    assert {p["name"] for p in operation["parameters"]} >= {"page", "page_size", "geometry"}
    step = schema["components"]["schemas"]["HeritageRoutingStep"]["properties"]["opinion"]
    assert step.get("nullable") is True


# --- simplified geometry on the pages -------------------------------------------------------------------------------


def path_points(page: str, kind: str) -> list[tuple[float, float]]:
    match = re.search(rf'<path data-kind="{kind}" d="([^"]+)"', page)
    assert match, f"no {kind} drawn"
    return [tuple(map(float, pair.split())) for pair in re.findall(r"[ML]([\d.]+ [\d.]+)", match.group(1))]


def test_pages_draw_the_simplified_geometry_within_a_few_metres(users, login, api_login, project_inside):
    jagged = circle(20_001, wobble=0.000004)  # a 1.1 km circle with a 0.4 m zigzag, 20k vertices
    site = import_sites(content=collection(feature(geometry=jagged)), actor=users[Role.ADMIN]).created[0]

    body = api_login(users[Role.LEADER]).get("/api/heritage/sites/", {"geometry": "simplified"}).json()
    listed = body["results"][0]
    drawn = shape(listed["display_control_zone"])
    assert listed["vertex_count"] == 20_001 and len(drawn.exterior.coords) <= 2_000
    assert 0 < listed["display_tolerance_m"] <= 5
    assert shape(jagged).hausdorff_distance(drawn) * METRES_PER_DEGREE <= listed["display_tolerance_m"]

    page = login(users[Role.LEADER]).get(reverse("heritage:site-detail", args=[site.pk])).content.decode()
    points = path_points(page, "control_zone")
    assert 100 < len(points) <= 2_000
    assert str(jagged["coordinates"][0][1][0]) not in page  # no raw coordinates in the page
    assert 'data-testid="vertex-count">20001<' in page

    page = login(users[Role.OFFICE]).get(reverse("heritage:project", args=[project_inside.pk])).content.decode()
    assert 100 < len(path_points(page, "control_zone")) <= 2_000
    assert '<circle data-kind="location"' in page and "不超过" in page


def test_small_boundaries_are_drawn_as_they_are(users, login, site):
    page = login(users[Role.LEADER]).get(reverse("heritage:site-detail", args=[site.pk])).content.decode()
    assert len(path_points(page, "control_zone")) == 5 and len(path_points(page, "protection_area")) == 4
    assert "不超过" not in page


def test_the_project_drawing_follows_project_scoping(users, login, site, project_inside, other_organization):
    lat, lon = project_inside.latitude, project_inside.longitude
    stranger = ProjectFactory(owner=other_organization, latitude=lat, longitude=lon)
    assert login(users[Role.ENTERPRISE]).get(reverse("heritage:project", args=[stranger.pk])).status_code == 404
    page = login(users[Role.ENTERPRISE]).get(reverse("heritage:project", args=[project_inside.pk])).content.decode()
    assert 'data-testid="heritage-drawing"' in page


def test_sites_imported_before_get_their_display_geometry_from_the_migration(site):
    HeritageSite.objects.update(display_control_zone=None, display_protection_area=None, vertex_count=0)
    migration = importlib.import_module("kaigong.heritage.migrations.0005_display_geometry")
    migration.simplify_existing_sites(django_apps, None)
    site.refresh_from_db()
    assert site.display_control_zone == site.control_zone and site.display_protection_area == site.protection_area
    assert site.vertex_count == 9


# --- §13: the routing PATCH and the steps' opinion ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["national_authority", "city_authority", "provincial_authority"])
def test_routing_patch_refuses_an_empty_authority_in_json_and_in_a_form(users, api_login, field):
    api = api_login(users[Role.ADMIN])
    for response in (
        api.patch("/api/heritage/routing/", {field: ""}, format="json"),
        api.patch("/api/heritage/routing/", {field: "  "}, format="json"),
        api.patch("/api/heritage/routing/", {field: ""}, format="multipart"),
        api.generic("PATCH", "/api/heritage/routing/", f"{field}=", content_type="application/x-www-form-urlencoded"),
    ):
        assert response.status_code == 400, response.content
        error = api_error(response)
        assert error["code"] == "validation_error" and field in error["fields"]
    assert getattr(get_routing(), field) in ("侯马市文物局", "山西省文物局", "国家文物局")
    response = api.patch("/api/heritage/routing/", {"basis": "晋文物函(示例)"}, format="multipart")
    assert response.status_code == 200 and response.json()["national_authority"] == "国家文物局"


def test_routing_patch_is_refused_to_others(users, api_login):
    for role in [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE]:
        response = api_login(users[role]).patch("/api/heritage/routing/", {"national_authority": ""}, format="json")
        assert response.status_code == 403 and api_error(response)["code"] == "permission_denied"


def test_a_step_not_replied_has_a_null_opinion(users, api_login, site, project_inside, other_organization):
    sync_project_routing(project=project_inside, actor=None, actor_label="test")
    body = api_login(users[Role.OFFICE]).get(f"/api/heritage/projects/{project_inside.pk}/routing/").json()
    assert [step["opinion"] for step in body["steps"]] == [None, None, None]
    assert body["steps"][0]["opinion_label"] == ""
    stranger = ProjectFactory(owner=other_organization)
    assert api_login(users[Role.ENTERPRISE]).get(f"/api/heritage/projects/{stranger.pk}/routing/").status_code == 404


@pytest.mark.parametrize(
    "geometry",
    [
        circle(500),
        {"type": "Polygon", "coordinates": [circle(50)["coordinates"][0], circle(10, radius=0.001)["coordinates"][0]]},
        {"type": "MultiPolygon", "coordinates": [circle(20)["coordinates"], circle(20, lon=111.5)["coordinates"]]},
        {"type": "Polygon", "coordinates": [[[111.3, 35.6, 1], [111.4, 35.6, 1], [111.4, 35.7, 2], [111.3, 35.6, 1]]]},
    ],
)
def test_boundaries_are_built_as_shapely_builds_them(geometry):
    from kaigong.heritage.geojson import to_shape

    assert to_shape(geometry).equals(shape(geometry))
