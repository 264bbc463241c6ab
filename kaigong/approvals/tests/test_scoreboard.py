"""The department scoreboard: hand-computed medians and 90th percentiles, the period, ranking, export, roles."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kaigong.accounts.choices import Role
from kaigong.approvals.choices import Decision, ItemStatus, WarningLevel
from kaigong.approvals.models import ApprovalMatter, Checklist, ChecklistItem
from kaigong.approvals.scoreboard.board import get_scoreboard, percentile_nearest_rank
from kaigong.audit.models import AuditEvent
from kaigong.projects.tests.factories import ProjectFactory

START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
PERIOD = {"start": "2025-01-01", "end": "2025-06-30"}


def make_item(matter, status=ItemStatus.DECIDED, *, days=None, on=dt.date(2025, 3, 3), warning=WarningLevel.NONE):
    checklist = Checklist.objects.create(project=ProjectFactory())
    decided = status == ItemStatus.DECIDED
    return ChecklistItem.objects.create(
        checklist=checklist,
        matter=matter,
        status=status,
        accepted_on=dt.date(2025, 1, 2),
        decided_on=on if decided else None,
        decision=Decision.APPROVED if decided else "",
        actual_workdays=days,
        beat_benchmark=(days <= matter.benchmark_limit) if decided and matter.benchmark_limit else None,
        warning_level=warning,
    )


@pytest.fixture
def second_matter(db, department):
    """A matter of 发改局 (the `department` fixture): committed 8, benchmark 5."""
    return ApprovalMatter.objects.create(
        code="test-review",
        name="测试审查",
        approval_stage=1,
        department=department,
        statutory_limit=20,
        committed_limit=8,
        benchmark_limit=5,
        benchmark_source="测试",
    )


@pytest.fixture
def decided_items(matter, second_matter):
    # 测试许可 (住建局; committed 5, benchmark 4): 2, 3, 4, 6, 9 in the period, 1 outside it.
    for days in (2, 3, 4, 6, 9):
        make_item(matter, days=days)
    make_item(matter, days=1, on=dt.date(2024, 12, 31))
    make_item(matter, ItemStatus.ACCEPTED, warning=WarningLevel.RED)
    make_item(matter, ItemStatus.SUBMITTED)
    make_item(matter, ItemStatus.NOT_STARTED)
    # 测试审查 (发改局; committed 8, benchmark 5): 1, 2, 3, 10.
    for days in (10, 1, 3, 2):
        make_item(second_matter, days=days, on=dt.date(2025, 6, 30))


def test_nearest_rank_percentile():
    assert percentile_nearest_rank([]) is None
    assert percentile_nearest_rank([7]) == 7
    assert percentile_nearest_rank([9, 2, 6, 3, 4]) == 9  # ⌈4.5⌉ = 5th
    assert percentile_nearest_rank(list(range(1, 11))) == 9  # ⌈9⌉ = 9th
    assert percentile_nearest_rank(list(range(1, 12))) == 10  # ⌈9.9⌉ = 10th


def test_hand_computed_figures_and_ranking(decided_items, matter, second_matter, users):
    board = get_scoreboard(user=users[Role.OFFICE], start=START, end=END)
    development, housing = board.departments[:2]
    assert development.name == "发改局" and development.rank == 1  # 75% within the benchmark beats 60%
    assert housing.name == "住建局" and housing.rank == 2
    f = housing.figures
    assert (f.decided, f.median, f.p90, f.within_benchmark) == (5, Decimal("4.0"), 9, Decimal("0.60"))
    assert f.overdue == 3  # 6 and 9 exceed the committed 5; one open item is red
    assert f.open == 2  # accepted + submitted; not started does not count
    g = development.figures
    assert (g.decided, g.median, g.p90, g.within_benchmark, g.overdue, g.open) == (
        4,
        Decimal("2.5"),
        10,
        Decimal("0.75"),
        1,
        0,
    )
    row = housing.matters[0]
    assert row.matter == matter and row.figures.decided == 5
    # departments with matters but no decisions come last
    assert all(d.figures.within_benchmark is None for d in board.departments[2:])


def test_the_period_selects_decisions(decided_items, users):
    board = get_scoreboard(user=users[Role.OFFICE], start=dt.date(2024, 12, 1), end=dt.date(2025, 6, 29))
    housing, development = (next(d for d in board.departments if d.name == n) for n in ("住建局", "发改局"))
    assert housing.figures.decided == 6 and housing.figures.median == Decimal("3.5")  # 1,2,3,4,6,9
    assert development.figures.decided == 0 and development.figures.median is None
    assert development.figures.open == 0


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OFFICE, Role.LEADER, Role.DEPARTMENT])
def test_government_roles_see_the_board(users, login, api_login, decided_items, role, django_assert_max_num_queries):
    client = login(users[role])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("approvals:scoreboard"), PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-matter="test-permit"' in page and "scoreboard-data" in page
    api = api_login(users[role])
    with django_assert_max_num_queries(6):
        body = api.get("/api/approvals/scoreboard/", PERIOD).json()
    first = body["departments"][0]
    assert (first["name"], first["rank"], first["median"], first["p90"], first["within_benchmark"]) == (
        "发改局",
        1,
        2.5,
        10,
        0.75,
    )
    assert first["matters"][0]["benchmark_limit"] == 5


def test_enterprise_is_refused(users, login, api_login, decided_items):
    client = login(users[Role.ENTERPRISE])
    assert client.get(reverse("approvals:scoreboard")).status_code == 403
    assert client.get(reverse("approvals:scoreboard-export")).status_code == 403
    response = api_login(users[Role.ENTERPRISE]).get("/api/approvals/scoreboard/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_bad_period_is_refused(users, login, api_login):
    response = login(users[Role.OFFICE]).get(
        reverse("approvals:scoreboard"), {"start": "2025-07-01", "end": "2025-01-01"}
    )
    assert response.status_code == 400 and "开始日期不能晚于结束日期" in response.content.decode()
    response = api_login(users[Role.OFFICE]).get("/api/approvals/scoreboard/", {"start": "not-a-date"})
    assert response.status_code == 400 and "start" in response.json()["error"]["fields"]


def test_default_period_is_the_year_to_date(users, api_login):
    body = api_login(users[Role.OFFICE]).get("/api/approvals/scoreboard/").json()
    assert body["start"].endswith("-01-01") and body["start"][:4] == body["end"][:4]


def test_export_holds_the_ranked_figures_and_is_audited(users, login, decided_items):
    response = login(users[Role.DEPARTMENT]).get(reverse("approvals:scoreboard-export"), PERIOD)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    departments = list(workbook.worksheets[0].iter_rows(min_row=3, values_only=True))
    assert departments[0][:8] == (1, "发改局", 4, 2.5, 10, 0.75, 1, 0)
    assert departments[1][:8] == (2, "住建局", 5, 4, 9, 0.6, 3, 2)
    matters = list(workbook.worksheets[1].iter_rows(min_row=3, values_only=True))
    assert ("住建局", 1, "测试许可", 20, 5, 4, 5, 4, 9, 0.6, 3, 2) in matters
    assert AuditEvent.objects.filter(action="export", actor=users[Role.DEPARTMENT]).count() == 1
