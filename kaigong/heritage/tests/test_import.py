"""Importing heritage sites from GeoJSON: good files, bad files (page, API, CLI), audit."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.heritage.geojson import GeoJSONImportError, parse_sites
from kaigong.heritage.models import HeritageSite
from kaigong.heritage.services import import_sites

from .conftest import CORE, ZONE, collection, feature


def test_good_file_creates_a_site_with_both_areas_and_is_audited(users, good_file):
    result = import_sites(content=good_file, actor=users[Role.ADMIN], source_name="jin.geojson")
    site = HeritageSite.objects.get()
    assert result.summary == {"created": 1, "updated": 0, "unchanged": 0, "regenerated_checklists": 0}
    assert site.control_zone == ZONE and site.protection_area == CORE
    assert site.protection_level == "national" and site.notes == "测试" and site.source_name == "jin.geojson"
    event = AuditEvent.objects.get(object_id=str(site.pk), object_repr=site.name)
    assert event.action == "create" and event.actor == users[Role.ADMIN]


def test_reimport_updates_by_name_and_is_idempotent(users, good_file):
    import_sites(content=good_file, actor=users[Role.ADMIN])
    assert import_sites(content=good_file, actor=users[Role.ADMIN]).summary["unchanged"] == 1
    bigger = {"type": "Polygon", "coordinates": [[[111.3, 35.6], [111.4, 35.6], [111.4, 35.7], [111.3, 35.6]]]}
    result = import_sites(content=collection(feature(geometry=bigger)), actor=users[Role.ADMIN])
    assert result.summary["updated"] == 1
    site = HeritageSite.objects.get()
    assert site.control_zone == bigger and site.protection_area is None
    assert AuditEvent.objects.filter(object_id=str(site.pk), action="update").count() == 1


def test_illustrative_is_flagged_from_the_name_or_the_property(db):
    specs = parse_sites(
        collection(feature(name="遗址(示意)"), feature(name="另一处", is_illustrative=True), feature(name="第三处"))
    )
    assert [s.is_illustrative for s in specs] == [True, True, False]


BAD_FILES = [
    ("not json", "不是有效的 JSON"),
    (json.dumps({"type": "Feature"}), "FeatureCollection"),
    (collection(), "没有要素"),
    (
        collection(feature(geometry={"type": "Point", "coordinates": [111.37, 35.62]})),
        "第1个要素: 几何类型须为 Polygon",
    ),
    (
        collection(
            feature(
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[35.6, 111.3], [35.7, 111.3], [35.7, 111.4], [35.6, 111.3]]],
                }
            )
        ),
        "超出 WGS84 经纬度范围",
    ),
    (
        collection(
            feature(
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[111.3, 35.6], [111.4, 35.6], [111.4, 35.7], [111.3, 35.7]]],
                }
            )
        ),
        "首尾闭合",
    ),
    (
        collection(
            feature(geometry={"type": "Polygon", "coordinates": [[[111.3, 35.6], [111.4, 35.6], [111.3, 35.6]]]})
        ),
        "至少要有4个点",
    ),
    (
        collection(
            feature(
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[111.3, 35.6], [111.4, 35.7], [111.4, 35.6], [111.3, 35.7], [111.3, 35.6]]],
                }
            )
        ),
        "多边形无效",
    ),
    (collection(feature(name="")), "缺少名称"),
    (collection(feature(zone="buffer")), "zone“buffer”无效"),
    (collection(feature(protection_level="世界遗产")), "保护级别“世界遗产”无效"),
    (collection(feature(zone="protection_area", geometry=CORE)), "缺少建设控制地带"),
    (collection(feature(), feature()), "重复出现"),
    (
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
                "features": [feature()],
            }
        ),
        "WGS84",
    ),
]


@pytest.mark.parametrize(("content", "expected"), BAD_FILES)
def test_bad_files_are_refused_with_a_clear_message(users, content, expected):
    with pytest.raises(GeoJSONImportError) as info:
        import_sites(content=content, actor=users[Role.ADMIN])
    assert expected in info.value.message
    assert not HeritageSite.objects.exists()
    assert not AuditEvent.objects.filter(content_type__model="heritagesite").exists()


def test_every_problem_is_listed_and_nothing_is_imported(users):
    content = collection(feature(name="好的一处"), feature(name=""), feature(name="坏的", zone="buffer"))
    with pytest.raises(GeoJSONImportError) as info:
        import_sites(content=content, actor=users[Role.ADMIN])
    assert [m[:5] for m in info.value.messages] == ["第2个要素", "第3个要素"]
    assert not HeritageSite.objects.exists()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.DEPARTMENT, Role.LEADER, Role.ENTERPRISE])
def test_only_administrators_import(users, good_file, role, login, api_login):
    url = reverse("heritage:site-import")
    assert login(users[role]).get(url).status_code == 403
    upload = SimpleUploadedFile("z.geojson", good_file.encode(), content_type="application/geo+json")
    assert login(users[role]).post(url, {"file": upload}).status_code == 403
    response = api_login(users[role]).post(
        "/api/heritage/sites/import/", {"geojson": json.loads(good_file)}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not HeritageSite.objects.exists()


def test_import_page_for_the_administrator(users, login, good_file):
    client = login(users[Role.ADMIN])
    assert client.get(reverse("heritage:site-import")).status_code == 200
    upload = SimpleUploadedFile("jin.geojson", good_file.encode(), content_type="application/geo+json")
    response = client.post(reverse("heritage:site-import"), {"file": upload})
    assert response.status_code == 302
    assert HeritageSite.objects.get().source_name == "jin.geojson"


def test_import_page_lists_the_problems(users, login):
    upload = SimpleUploadedFile("bad.geojson", collection(feature(zone="buffer")).encode())
    response = login(users[Role.ADMIN]).post(reverse("heritage:site-import"), {"file": upload})
    assert response.status_code == 400
    assert "zone“buffer”无效" in response.content.decode()
    assert not HeritageSite.objects.exists()


def test_api_import_by_upload_and_json(users, api_login, good_file):
    api = api_login(users[Role.ADMIN])
    upload = SimpleUploadedFile("jin.geojson", good_file.encode())
    response = api.post("/api/heritage/sites/import/", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1
    response = api.post("/api/heritage/sites/import/", {"geojson": json.loads(good_file)}, format="json")
    assert response.json()["unchanged"] == 1


def test_api_import_error_shape(users, api_login):
    response = api_login(users[Role.ADMIN]).post(
        "/api/heritage/sites/import/", {"geojson": json.loads(collection(feature(zone="buffer")))}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_geojson" and "zone“buffer”无效" in error["message"] and error["message_en"]
    response = api_login(users[Role.ADMIN]).post("/api/heritage/sites/import/", {}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"


def test_cli_import(db, tmp_path, good_file, capsys):
    path = tmp_path / "jin.geojson"
    path.write_text(good_file, encoding="utf-8")
    call_command("heritage", "import", str(path))
    assert "created=1" in capsys.readouterr().out
    site = HeritageSite.objects.get()
    assert AuditEvent.objects.get(object_id=str(site.pk)).actor_label == "命令 heritage import"


def test_cli_import_of_a_bad_or_missing_file_fails(db, tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text(collection(feature(zone="buffer")), encoding="utf-8")
    with pytest.raises(CommandError, match="zone“buffer”无效"):
        call_command("heritage", "import", str(path))
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("heritage", "import", str(tmp_path / "missing.geojson"))
    assert not HeritageSite.objects.exists()
