"""The monthly ledger (月度台账): the project ledger export with the progress figures of a month after its own columns.

``progress_columns`` is the provider ProgressConfig.ready registers with ``projects.ledger.extensions``; it answers
when the export's parameters carry ``progress_month=YYYY-MM``. For each chunk of projects the exporter hands it, the
figures are read in two queries (the month's report joined to its project with the light, the latest earlier report
through subqueries for a project that did not report; the open problems), never one per row.

Which report counts is what the aggregations count: the current version (any status but superseded) of each month.
1–N月累计 and 开工以来累计 are those of the project's latest report up to the month (a project that did not report
this month keeps its figures of the month before); 本月完成投资 and 形象进度 are the month's own report's, blank when
it has none. The light is the one measured for the month (ProjectProgress keeps the last measured month only, so an
older month's light is blank). 存在问题 are the project's problems still open, raised in its reports up to the month
(or, outside a report, by the month's end).

The headers are the names the progress import reads (本月完成投资, 1–N月累计完成投资, 形象进度, 形象进度阶段,
存在问题及需协调事项; 完成率 it knows as computed); re-imported into the project ledger they are listed among the
columns it does not read. 形象进度阶段 has a column of its own beside the text, so a re-imported sheet gives the report
back as it was.
"""

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from django.db.models import F, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_noop

from kaigong.core.exceptions import KaigongError
from kaigong.progress import measures
from kaigong.progress.choices import ProblemStatus, ReportStatus, WarningLevel
from kaigong.progress.models import Problem, ProgressReport
from kaigong.progress.selectors import CURRENT, ytd_subquery
from kaigong.projects.ledger.extensions import MONEY, PERCENT, TEXT, ExportColumn, ExportExtension
from kaigong.projects.models import Project

PARAM = "progress_month"
SUPERSEDED = {"progress_reports__status": ReportStatus.SUPERSEDED}
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
PROBLEM_SEPARATOR = "；"

# The monthly columns' headers (the 1–N月 header names the month: "1–10月累计完成投资(万元)").
MONTHLY = "本月完成投资(万元)"
YEAR_TO_DATE = "1–%(n)s月累计完成投资(万元)"
COMPLETION_RATE = "完成率"
SINCE_START = "开工以来累计完成投资(万元)"
VISIBLE_PROGRESS = "形象进度"
VISIBLE_STAGE = "形象进度阶段"
PROBLEMS = "存在问题及需协调事项"
# Not "是否入库纳统": the ledger has that column already (the project's own flag); this one is the month's report's.
REGISTERED = "是否入库纳统(本月)"
LIGHT = "预警"
LIGHT_LABELS = {WarningLevel.RED: "红灯", WarningLevel.YELLOW: "黄灯", WarningLevel.GREEN: "绿灯"}


def parse_month(value: object) -> dt.date:
    """ "2024-10" → 2024-10-01; KaigongError for anything else."""
    match = _MONTH.match(str(value))
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    raise KaigongError(
        gettext_noop("月份格式不正确,应如 2024-10: %(value)s"), params={"value": str(value)}, field=PARAM
    )


def year_to_date_header(month: dt.date) -> str:
    return YEAR_TO_DATE % {"n": month.month} if month.month > 1 else "1月累计完成投资(万元)"


def headers(month: dt.date) -> list[str]:
    return [
        MONTHLY,
        year_to_date_header(month),
        COMPLETION_RATE,
        SINCE_START,
        VISIBLE_PROGRESS,
        VISIBLE_STAGE,
        PROBLEMS,
        REGISTERED,
        LIGHT,
    ]


def title_note(month: dt.date) -> str:
    """ "(2024年1–10月)", or "(2024年1月)" for January."""
    months = f"1–{month.month}月" if month.month > 1 else "1月"
    return f"({month.year}年{months})"


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _latest(month: dt.date, field: str) -> Subquery:
    """``field`` of an outer Project's latest current report up to ``month``."""
    return Subquery(
        ProgressReport.objects.filter(CURRENT, project=OuterRef("pk"), month__lte=month)
        .order_by("-month")
        .values(field)[:1]
    )


def monthly_figures(month: dt.date, project_ids: Sequence[int]) -> dict[int, list]:
    """project id → the monthly columns' values, for ``project_ids`` (two queries whatever their number)."""
    if not project_ids:
        return {}
    # The month's report joined to its project (one current report a month at most). Most projects reported: their
    # cumulatives are the report's own, and the subqueries for the latest earlier report (COALESCE stops at the first
    # value, in SQLite and PostgreSQL alike) run only for those that did not.
    this = FilteredRelation("progress_reports", condition=Q(progress_reports__month=month) & ~Q(**SUPERSEDED))
    standing = (
        Project.objects.filter(pk__in=project_ids)
        .annotate(this=this)
        .values(
            "pk",
            "annual_planned_investment",
            "progress__warning_level",
            "progress__measured_month",
            "progress__opening_cumulative",
            "progress__opening_month",
            report_id=F("this__id"),
            monthly_investment=F("this__monthly_investment"),
            visible_progress=F("this__visible_progress"),
            visible_stage=F("this__visible_stage"),
            year_to_date=Coalesce(F("this__year_to_date"), ytd_subquery(month)),
            since_start=Coalesce(F("this__since_start"), _latest(month, "since_start")),
            registered=Coalesce(F("this__registered_in_statistics"), _latest(month, "registered_in_statistics")),
        )
    )
    # The open problems of the month's reports and those before; a problem raised outside a report, by its date.
    end = timezone.make_aware(dt.datetime.combine(_next_month(month), dt.time.min))
    problems: dict[int, list[str]] = {}
    for project_id, description in (
        Problem.objects.filter(project_id__in=project_ids, status=ProblemStatus.OPEN)
        .filter(Q(report__month__lte=month) | Q(report__isnull=True, raised_at__lt=end))
        .order_by("project_id", "raised_at", "id")
        .values_list("project_id", "description")
    ):
        problems.setdefault(project_id, []).append(" ".join(description.split()))

    figures = {}
    for row in standing:
        pk = row["pk"]
        report = row if row["report_id"] is not None else None
        year_to_date = row["year_to_date"]
        since_start = row["since_start"]
        opening_month = row["progress__opening_month"]
        if since_start is None and opening_month is not None and opening_month <= month:
            since_start = row["progress__opening_cumulative"]  # reported nothing yet: the balance typed at the start
        registered = row["registered"]
        level = row["progress__warning_level"] if row["progress__measured_month"] == month else ""
        # Blank cells as None, not "": the exporter writes nothing for them (most rows have no problem to list).
        figures[pk] = [
            report["monthly_investment"] if report else None,
            year_to_date,
            None if year_to_date is None else measures.completion_rate(year_to_date, row["annual_planned_investment"]),
            since_start,
            (report["visible_progress"] or None) if report else None,
            (report["visible_stage"] or None) if report else None,
            PROBLEM_SEPARATOR.join(problems[pk]) if pk in problems else None,
            None if registered is None else ("是" if registered else "否"),
            LIGHT_LABELS.get(level),
        ]
    return figures


def progress_columns(params: Mapping) -> ExportExtension | None:
    """The monthly columns when the export asks for a month (``progress_month=2024-10``); None otherwise."""
    value = params.get(PARAM)
    if value in (None, ""):
        return None
    month = parse_month(value)
    kinds = [MONEY, MONEY, PERCENT, MONEY, TEXT, TEXT, TEXT, TEXT, TEXT]
    widths = [14, 16, 10, 16, 30, 12, 40, 12, 8]
    columns = [
        ExportColumn(header, width, kind) for header, width, kind in zip(headers(month), widths, kinds, strict=True)
    ]
    return ExportExtension(
        columns=columns,
        values=lambda project_ids: monthly_figures(month, project_ids),
        title_note=title_note(month),
    )
