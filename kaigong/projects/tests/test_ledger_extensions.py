"""Columns other apps add to the ledger export (projects.ledger.extensions), with a fake provider: the columns come
after the ledger's own with their formats and sums, the export still streams in chunks, a provider that does not
answer leaves the ledger as it was, and a provider's refusal is the export's."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils.translation import gettext_noop
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kaigong.accounts.choices import Role
from kaigong.audit.models import AuditEvent
from kaigong.core.exceptions import KaigongError
from kaigong.projects.ledger import exporter, extensions
from kaigong.projects.ledger.columns import COLUMNS
from kaigong.projects.ledger.extensions import ExportColumn, ExportExtension, register_export_columns
from kaigong.projects.tests.factories import ProjectFactory
from kaigong.projects.tests.ledger_sheets import make_ledger_world

HEADERS = [c.header for c in COLUMNS]
OWN = len(HEADERS)
EXTRA = ["本期金额(万元)", "比例", "说明"]


@pytest.fixture
def providers(monkeypatch):
    """An empty registry for the test (the apps' own providers stay out of it)."""
    monkeypatch.setattr(extensions, "_providers", {})
    return extensions._providers


class FakeProvider:
    """Answers for ``fake=1``: per project, its id as an amount, a fraction, a text; records the chunks asked."""

    def __init__(self):
        self.chunks: list[list[int]] = []

    def __call__(self, params):
        if params.get("fake") != "1":
            return None
        if params.get("fake_bad"):
            raise KaigongError(gettext_noop("月份格式不正确,应如 2024-10: %(value)s"), params={"value": "x"})
        return ExportExtension(
            columns=[
                ExportColumn(EXTRA[0], 15, extensions.MONEY),
                ExportColumn(EXTRA[1], 9, extensions.PERCENT),
                ExportColumn(EXTRA[2], 20),
            ],
            values=self.values,
            title_note="(测试期间)",
        )

    def values(self, project_ids):
        self.chunks.append(list(project_ids))
        # The last project of each chunk has no figures: its cells stay blank.
        return {pk: [Decimal(pk) + Decimal("0.25"), Decimal("0.835"), f"项目{pk}"] for pk in project_ids[:-1]}


@pytest.fixture
def world(db, department, other_department, organization):
    world = make_ledger_world(department, other_department, organization)
    industry, infra = world["industry"], world["infra"]
    world["projects"] = [
        ProjectFactory(name=f"产业{i}", category=industry, total_investment=Decimal(100 - i)) for i in range(4)
    ] + [ProjectFactory(name=f"基础{i}", category=infra, total_investment=Decimal(100 - i)) for i in range(3)]
    return world


def _download(client, params):
    response = client.get(reverse("projects:ledger-export"), params)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return load_workbook(BytesIO(content)).active, load_workbook(BytesIO(content), data_only=True).active


def _values(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_provider_columns_follow_the_ledgers_own_with_formats_and_sums(providers, login, users, world):
    fake = FakeProvider()
    register_export_columns("fake", fake)
    ws, shown = _download(login(users[Role.OFFICE]), {"fake": "1"})
    rows = _values(shown)

    assert rows[0][0] == "侯马市重点项目台账(测试期间)"
    assert rows[2] == HEADERS + EXTRA
    assert f"A1:{get_column_letter(OWN + 3)}1" in {str(r) for r in ws.merged_cells.ranges}
    assert rows[1][-1].startswith("导出时间")  # the export date moved to the last column
    ids, names = HEADERS.index("项目ID"), HEADERS.index("项目名称")
    body = rows[3:]
    projects = [r for r in body if isinstance(r[ids], int)]
    assert len(projects) == 7
    # One chunk (7 rows < CHUNK_SIZE), asked in the order the rows are written.
    assert fake.chunks == [[r[ids] for r in projects]]
    for row in projects[:-1]:
        assert Decimal(str(row[OWN])) == Decimal(row[ids]) + Decimal("0.25")
        assert row[OWN + 1] == pytest.approx(0.835)
        assert row[OWN + 2] == f"项目{row[ids]}"
    assert projects[-1][OWN:] == [None, None, None]

    by_id = {r[ids].value: r for r in ws.iter_rows(min_row=4) if isinstance(r[ids].value, int)}
    cells = by_id[projects[0][ids]]
    assert cells[OWN].number_format == "#,##0.00"
    assert cells[OWN + 1].number_format == "0.00%"
    assert ws.column_dimensions[get_column_letter(OWN + 1)].width == 15
    assert ws.auto_filter.ref.split(":")[1].startswith(get_column_letter(OWN + 3))

    # The money column is summed in the 小计 and 合计 rows like 总投资, its value cached.
    letter = get_column_letter(OWN + 1)
    subtotal = next(i for i, r in enumerate(body) if str(r[names]).startswith("小计"))
    first_row = 4
    assert (
        ws[f"{letter}{first_row + subtotal}"].value == f"=SUM({letter}{first_row}:{letter}{first_row + subtotal - 1})"
    )
    total = body[-1]
    assert str(total[names]).startswith("合计(7个项目)")
    expected = sum(Decimal(r[ids]) + Decimal("0.25") for r in projects[:-1])
    assert Decimal(str(total[OWN])) == expected
    assert total[OWN + 1] in (None, "")  # a percent column is not summed


def test_the_export_streams_the_provider_chunk_by_chunk(providers, login, users, world, monkeypatch):
    monkeypatch.setattr(exporter, "CHUNK_SIZE", 3)
    fake = FakeProvider()
    register_export_columns("fake", fake)
    _ws, shown = _download(login(users[Role.OFFICE]), {"fake": "1"})
    ids = HEADERS.index("项目ID")
    written = [r[ids] for r in _values(shown)[3:] if isinstance(r[ids], int)]

    assert [len(chunk) for chunk in fake.chunks] == [3, 3, 1]
    assert [pk for chunk in fake.chunks for pk in chunk] == written
    # Each chunk's last project had no figures; the others did.
    rows = {r[ids]: r for r in _values(shown)[3:] if isinstance(r[ids], int)}
    assert [rows[chunk[-1]][OWN] for chunk in fake.chunks] == [None, None, None]
    assert all(rows[pk][OWN] is not None for chunk in fake.chunks for pk in chunk[:-1])


def test_a_provider_that_does_not_answer_leaves_the_ledger_as_it_was(providers, login, users, world):
    client = login(users[Role.OFFICE])
    plain_ws, plain = _download(client, {"year": 2024})
    fake = FakeProvider()
    register_export_columns("fake", fake)
    ws, shown = _download(client, {"year": 2024})

    assert fake.chunks == []
    assert _values(shown) == _values(plain)
    assert _values(ws) == _values(plain_ws)  # the formulas too
    assert ws.auto_filter.ref == plain_ws.auto_filter.ref
    assert len(_values(shown)[2]) == OWN


def test_a_providers_refusal_refuses_the_export(providers, login, users, world):
    register_export_columns("fake", FakeProvider())
    response = login(users[Role.OFFICE]).get(reverse("projects:ledger-export"), {"fake": "1", "fake_bad": "1"})
    assert response.status_code == 400
    assert "月份格式不正确" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_provider_only_sees_the_projects_the_user_may_export(providers, login, users, world):
    mine = ProjectFactory(name="本部门项目", category=world["industry"], responsible_department=world["department"])
    fake = FakeProvider()
    register_export_columns("fake", fake)
    _download(login(users[Role.DEPARTMENT]), {"fake": "1"})
    asked = {pk for chunk in fake.chunks for pk in chunk}
    assert mine.pk in asked
    assert asked <= set(type(mine).objects.visible_to(users[Role.DEPARTMENT]).values_list("pk", flat=True))


def test_the_export_still_requires_login(providers, client, world):
    register_export_columns("fake", FakeProvider())
    response = client.get(reverse("projects:ledger-export"), {"fake": "1"})
    assert response.status_code == 302


def test_registering_again_replaces_the_provider(providers):
    first, second = FakeProvider(), FakeProvider()
    register_export_columns("fake", first)
    register_export_columns("fake", second)
    assert extensions.export_extensions({"fake": "1"})[0].values.__self__ is second
    extensions.unregister_export_columns("fake")
    assert extensions.export_extensions({"fake": "1"}) == []
