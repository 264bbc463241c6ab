"""Ledger export: layout, subtotal/total formulas with cached values, print setup, text cells, scoping, filters,
audit, round trip."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.projects.ledger.columns import COLUMNS
from kaigong.projects.ledger.importer import import_ledger
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world

HEADERS = [c.header for c in COLUMNS]


@pytest.fixture
def ledger_world(db, department, other_department, organization):
    return make_ledger_world(department, other_department, organization)


def _sheet(response, *, data_only=False):
    """The exported sheet; ``data_only`` reads the cached values of formulas instead of the formulas."""
    content = b"".join(response.streaming_content)
    return load_workbook(BytesIO(content), data_only=data_only).active


def _both(response):
    """The sheet read twice from one download: with formulas, and with the values a viewer shows."""
    content = b"".join(response.streaming_content)
    return load_workbook(BytesIO(content)).active, load_workbook(BytesIO(content), data_only=True).active


def _sum(ws_values, formula: str) -> Decimal:
    """What SUM(N4:N5) or SUM(N6,N8) adds up in the sheet as a viewer sees it (the references, not our Decimals)."""
    total = Decimal("0")
    for ref in re.fullmatch(r"=SUM\((.*)\)", formula).group(1).split(","):
        cells = ws_values[ref]
        for cell in (c for row in cells for c in row) if isinstance(cells, tuple) else [cells]:
            total += Decimal(str(cell.value))
    return total


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
    ws, shown = _both(response)
    rows = _rows(shown)
    assert rows[0][0] == "侯马市2024年重点项目台账"
    assert f"A1:{get_column_letter(len(HEADERS))}1" in {str(r) for r in ws.merged_cells.ranges}
    assert rows[1][0] == "单位:万元"
    assert rows[2] == HEADERS
    names = HEADERS.index("项目名称")
    total = HEADERS.index("总投资")
    annual = HEADERS.index("年度计划投资")
    body = [(r[names], r[total], r[annual]) for r in rows[3:]]
    assert [b[0] for b in body] == ["乙", "甲", "小计(2个项目)", "丙", "小计(1个项目)", "合计(3个项目)"]
    # The values a viewer shows without recalculating: the Decimal sums, no float drift.
    assert Decimal(str(body[2][1])) == Decimal("0.30")
    assert Decimal(str(body[-1][1])) == Decimal("115000.85")
    assert Decimal(str(body[-1][2])) == Decimal("32800.75")
    first = rows[3]
    assert first[HEADERS.index("项目ID")] == projects[1].pk
    assert first[HEADERS.index("项目类别")] == "产业类"
    assert first[HEADERS.index("项目阶段")] == "谋划"


def test_subtotals_and_total_are_sum_formulas_with_their_values_cached(login, users, projects):
    ws, shown = _both(login(users[Role.OFFICE]).get(reverse("projects:ledger-export"), {"year": 2024}))
    n, a = (get_column_letter(HEADERS.index(h) + 1) for h in ("总投资", "年度计划投资"))
    # Rows: 4 乙, 5 甲, 6 小计, 7 丙, 8 小计, 9 合计.
    assert [ws[f"{n}{r}"].value for r in (6, 8, 9)] == [f"=SUM({n}4:{n}5)", f"=SUM({n}7:{n}7)", f"=SUM({n}6,{n}8)"]
    assert [ws[f"{a}{r}"].value for r in (6, 8, 9)] == [f"=SUM({a}4:{a}5)", f"=SUM({a}7:{a}7)", f"=SUM({a}6,{a}8)"]
    for column in (n, a):
        for row in (6, 8, 9):
            formula = ws[f"{column}{row}"].value
            cached = Decimal(str(shown[f"{column}{row}"].value))
            assert cached == _sum(shown, formula), (column, row, formula)
    # A clerk who edits an amount sees the 小计 and 合计 follow it: Excel and WPS recompute on open as well.
    assert ws.parent.calculation.fullCalcOnLoad


def test_an_empty_export_has_a_zero_total(login, users, ledger_world):
    ws, shown = _both(login(users[Role.OFFICE]).get(reverse("projects:ledger-export")))
    rows = _rows(shown)
    assert len(rows) == 4
    assert rows[3][HEADERS.index("项目名称")] == "合计(0个项目)"
    assert rows[3][HEADERS.index("总投资")] == 0
    assert ws.auto_filter.ref == f"A3:{get_column_letter(len(HEADERS))}3"


def test_print_setup_autofilter_and_wrapped_content(login, users, projects):
    ws = _sheet(login(users[Role.OFFICE]).get(reverse("projects:ledger-export"), {"year": 2024}))
    last = get_column_letter(len(HEADERS))
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)  # one page wide, any long
    assert ws.print_title_rows == "$1:$3"  # title, unit and header on every printed page
    # The filter sits on the header row and spans the projects and subtotals; the 合计 (row 9) stays below it.
    assert ws.auto_filter.ref == f"A3:{last}8"
    content = get_column_letter(HEADERS.index("建设内容及规模") + 1)
    assert all(ws[f"{content}{r}"].alignment.wrap_text for r in (4, 5, 7))
    assert ws.freeze_panes == "D4"


def test_text_that_looks_like_a_formula_is_written_as_text(login, users, ledger_world, tmp_path):
    project = ProjectFactory(
        name="=1+2",
        category=ledger_world["industry"],
        construction_content='=HYPERLINK("http://example.com")',
        remarks="#N/A",
        liaison_leader="=A1",
    )
    content = b"".join(login(users[Role.OFFICE]).get(reverse("projects:ledger-export")).streaming_content)
    ws = load_workbook(BytesIO(content)).active
    row = next(r for r in ws.iter_rows(min_row=4) if r[HEADERS.index("项目ID")].value == project.pk)
    for header, text in (
        ("项目名称", "=1+2"),
        ("建设内容及规模", '=HYPERLINK("http://example.com")'),
        ("备注", "#N/A"),
        ("包联领导", "=A1"),
    ):
        cell = row[HEADERS.index(header)]
        assert (cell.value, cell.data_type) == (text, "s"), header
    # Read back by the importer, the project is unchanged: the name is still the text "=1+2".
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    result = import_ledger(path, actor=users[Role.OFFICE])
    assert [str(p) for p in result.problems] == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)


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


def test_control_characters_pasted_from_word_do_not_break_the_export(login, users, ledger_world):
    """A vertical tab or a bell pasted into a name made openpyxl refuse the whole export (a 500 for everyone)."""
    project = ProjectFactory(name="控制字符\x0b项目", category=ledger_world["industry"], remarks="第一行\x01第二行")
    response = login(users[Role.OFFICE]).get(reverse("projects:ledger-export"))
    assert response.status_code == 200
    ws = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    row = next(r for r in ws.iter_rows(min_row=4) if r[HEADERS.index("项目ID")].value == project.pk)
    assert row[HEADERS.index("项目名称")].value == "控制字符 项目"
    assert row[HEADERS.index("备注")].value == "第一行 第二行"
