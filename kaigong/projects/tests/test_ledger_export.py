"""Ledger export: layout, Decimal subtotals and total, scoping, filters, audit, round trip."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.projects.importers import import_ledger
from kaigong.projects.ledger import COLUMNS
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world

HEADERS = [c.header for c in COLUMNS]


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def _sheet(response):
    content = b"".join(response.streaming_content)
    return load_workbook(BytesIO(content)).active


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


@pytest.fixture
def projects(ledger_world):
    industry, infra = ledger_world["industry"], ledger_world["infra"]
    org = ledger_world["organization"]
    return [
        # 0.1 + 0.2 style amounts: a float sum would drift, a Decimal sum does not.
        ProjectFactory(
            name="甲",
            category=industry,
            owner=org,
            total_investment=Decimal("0.10"),
            annual_planned_investment=Decimal("0.10"),
            year=2024,
        ),
        ProjectFactory(
            name="乙",
            category=industry,
            total_investment=Decimal("0.20"),
            annual_planned_investment=Decimal("0.20"),
            year=2024,
        ),
        ProjectFactory(
            name="丙",
            category=infra,
            total_investment=Decimal("115000.55"),
            annual_planned_investment=Decimal("32800.45"),
            year=2024,
        ),
        ProjectFactory(
            name="丁", category=infra, total_investment=Decimal("1"), annual_planned_investment=Decimal("1"), year=2023
        ),
    ]


def test_export_has_title_unit_header_subtotals_and_total(login, users, projects):
    response = login(users[Role.OFFICE]).get(reverse("projects:ledger-export"), {"year": 2024})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = _sheet(response)
    rows = _rows(ws)
    assert rows[0][0] == "侯马市2024年重点项目台账"
    assert f"A1:{get_column_letter(len(HEADERS))}1" in {str(r) for r in ws.merged_cells.ranges}
    assert rows[1][0] == "单位:万元"
    assert rows[2] == HEADERS
    names = HEADERS.index("项目名称")
    total = HEADERS.index("总投资")
    annual = HEADERS.index("年度计划投资")
    body = [(r[names], r[total], r[annual]) for r in rows[3:]]
    assert [b[0] for b in body] == ["乙", "甲", "小计(2个项目)", "丙", "小计(1个项目)", "合计(3个项目)"]
    assert Decimal(str(body[2][1])) == Decimal("0.30")
    assert Decimal(str(body[-1][1])) == Decimal("115000.85")
    assert Decimal(str(body[-1][2])) == Decimal("32800.75")
    first = rows[3]
    assert first[HEADERS.index("项目ID")] == projects[1].pk
    assert first[HEADERS.index("项目类别")] == "产业类"
    assert first[HEADERS.index("项目阶段")] == "谋划"


def test_export_writes_an_audit_event_with_filters_and_count(login, users, projects):
    login(users[Role.LEADER]).get(reverse("projects:ledger-export"), {"year": 2024})
    event = AuditEvent.objects.get(action="export")
    assert event.changes == {"filters": {"year": "2024"}, "rows": 3}
    assert event.actor == users[Role.LEADER]


def test_enterprise_user_exports_only_its_own_projects(login, users, projects):
    rows = _rows(_sheet(login(users[Role.ENTERPRISE]).get(reverse("projects:ledger-export"))))
    names = [r[HEADERS.index("项目名称")] for r in rows[3:]]
    assert names == ["甲", "小计(1个项目)", "合计(1个项目)"]


def test_export_requires_login(client, projects):
    response = client.get(reverse("projects:ledger-export"))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="export").exists()


def test_bad_filter_is_refused(login, users, projects):
    response = login(users[Role.OFFICE]).get(reverse("projects:ledger-export"), {"year": "abc"})
    assert response.status_code == 400


def test_export_query_count_does_not_grow_with_rows(login, users, ledger_world, django_assert_max_num_queries):
    for i in range(30):
        ProjectFactory(name=f"项目{i}", category=ledger_world["industry"])
    client = login(users[Role.OFFICE])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("projects:ledger-export"))
        b"".join(response.streaming_content)


def test_round_trip_export_then_import_updates_and_never_duplicates(tmp_path, login, users, projects):
    client = login(users[Role.OFFICE])
    content = b"".join(client.get(reverse("projects:ledger-export")).streaming_content)
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)

    unchanged = import_ledger(path, actor=users[Role.OFFICE])
    assert [str(p) for p in unchanged.problems] == []
    assert (unchanged.created, unchanged.updated, unchanged.unchanged) == (0, 0, 4)

    workbook = load_workbook(path)
    ws = workbook.active
    for row in ws.iter_rows(min_row=4):
        if row[HEADERS.index("项目名称")].value == "丙":
            row[HEADERS.index("总投资")].value = 120000.5
            row[HEADERS.index("备注")].value = "台账中修改"
    workbook.save(path)
    changed = import_ledger(path, actor=users[Role.OFFICE])

    assert (changed.created, changed.updated) == (0, 1)
    assert Project.objects.count() == 4
    bing = Project.objects.get(name="丙")
    assert bing.total_investment == Decimal("120000.50")
    assert bing.remarks == "台账中修改"
    assert AuditEvent.objects.filter(project_id=bing.pk, action="import").count() == 1
