"""The month's 工作简报 (bulletin), written from the data: composed once, rendered as PDF, Word, a page and JSON.

:func:`build_bulletin` reads the month's figures (progress.aggregations, the lights, the starts and completions, the
reports' timeliness) and writes them out as a :class:`Bulletin`: a masthead and sections of plain sentences, tables,
numbered lists and chart data. That one object is the source of every rendering (:func:`render_pdf_bytes`,
:func:`render_docx_bytes`, the preview page and the API's JSON), so they cannot say different things.

The bulletin is a Chinese government document and is always written in Chinese, whatever the reader's language: its
sentences are plain Chinese text on purpose, not gettext msgids (an English bulletin would be a document nobody
issues). The page around the preview (buttons, labels) is translated as any page is.

The writing follows the register of a real 简报, so a sentence never says what a person would leave out:

- amounts of 1亿元 and more in 亿元 with two decimals at most ("115.5亿元"), smaller ones in 万元 ("8650万元");
- rates and percentage points to one decimal ("完成率97.2%，超序时进度13.9个百分点"); "低于序时进度" when behind and
  "与序时进度持平" when the gap rounds to nothing;
- "1–10月" for a period, "1月" alone for January;
- no "0个": a clause whose counts are all zero is left out, one zero among two is said in words ("尚无项目开工");
- no empty section: a section with nothing to say is left out and the remaining ones are numbered 一、二、三 in order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import Count, F, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kaigong.core.exceptions import PermissionDeniedError
from kaigong.core.money import WAN_PER_YI, format_wan, format_yi, quantize_wan, strip_zeros
from kaigong.progress import aggregations, measures, permissions
from kaigong.progress.aggregations import GroupFigures
from kaigong.progress.choices import WarningLevel
from kaigong.progress.models import ProgressReport, ProjectProgress
from kaigong.progress.selectors import CURRENT, month_end, reporting_scope
from kaigong.projects.models import Project

MASTHEAD = "重点项目工作简报"
DEFAULT_CITY = "侯马市"
ONE_PLACE = Decimal("0.1")
DASH = "—"
CHINESE_NUMERALS = "一二三四五六七八九十"
PDF_MEDIA_TYPE = "application/pdf"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES = {"pdf": PDF_MEDIA_TYPE, "docx": DOCX_MEDIA_TYPE}
# A list in the bulletin names at most this many projects (the worst lit, the latest started): a leader reads a page,
# not a ledger; the sentence before a cut list says how many there are and where the rest is.
MAX_LISTED = 50


# --- The composed document ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = "paragraph"


@dataclass(frozen=True)
class Subheading:
    text: str
    kind: str = "subheading"


@dataclass(frozen=True)
class Table:
    name: str  # "warnings" | "ranking": which table it is, for its layout
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # per column: right-aligned figures
    unit: str = ""  # "单位：万元", printed above the table so the headers stay short
    kind: str = "table"


@dataclass(frozen=True)
class Items:
    """A numbered list of named things (new starts, completions)."""

    items: list[str]
    kind: str = "items"


@dataclass(frozen=True)
class Chart:
    """A chart's data; drawn on the server (kaigong.core.charts) only by the renderers that show it."""

    chart: str  # "bar" | "line"
    title: str
    unit: str
    labels: list[str]
    series: dict[str, list[Decimal | None]]
    reference: tuple[Decimal, str] | None = None
    kind: str = "chart"

    def png(self) -> bytes:
        from kaigong.core import charts

        if self.chart == "bar":
            return charts.bar_chart(
                self.labels, self.series, title=self.title, unit=self.unit, reference_line=self.reference
            )
        return charts.line_chart(self.labels, self.series, title=self.title, unit=self.unit)


Block = Paragraph | Subheading | Table | Items | Chart


@dataclass
class Section:
    heading: str  # "一、总体情况" (numbered once the empty sections are left out)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Bulletin:
    month: dt.date
    masthead: str
    issue: str  # 第10期
    issuer: str
    date: dt.date
    title: str
    headline: str  # the first sentence of the first section
    sections: list[Section]

    @property
    def date_text(self) -> str:
        return chinese_date(self.date)

    @property
    def filename_stem(self) -> str:
        return f"{MASTHEAD}-{self.month:%Y-%m}"

    def as_dict(self) -> dict:
        """The composed bulletin as JSON-ready data (amounts and rates as decimal strings, as the API writes them)."""
        return {
            "month": f"{self.month:%Y-%m}",
            "masthead": self.masthead,
            "issue": self.issue,
            "issuer": self.issuer,
            "date": self.date.isoformat(),
            "date_text": self.date_text,
            "title": self.title,
            "headline": self.headline,
            "sections": [
                {"heading": section.heading, "blocks": [_block_dict(block) for block in section.blocks]}
                for section in self.sections
            ],
        }


def _block_dict(block: Block) -> dict:
    if isinstance(block, Chart):
        return {
            "kind": "chart",
            "chart": block.chart,
            "title": block.title,
            "unit": block.unit,
            "labels": block.labels,
            "series": {name: [_decimal_text(v) for v in values] for name, values in block.series.items()},
            "reference": (
                {"value": _decimal_text(block.reference[0]), "label": block.reference[1]} if block.reference else None
            ),
        }
    if isinstance(block, Table):
        return {
            "kind": "table",
            "name": block.name,
            "header": block.header,
            "rows": block.rows,
            "numeric": block.numeric,
            "unit": block.unit,
        }
    if isinstance(block, Items):
        return {"kind": "items", "items": block.items}
    return {"kind": block.kind, "text": block.text}


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- How figures are written ------------------------------------------------------------------------------------------


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def period_text(month: dt.date) -> str:
    """ "1–10月"; January is "1月" alone."""
    return "1月" if month.month == 1 else f"1–{month.month}月"


def amount_text(wan: Decimal) -> str:
    """亿元 from 1亿元 up ("115.5亿元"), 万元 below ("8650万元"), trailing zeros dropped as the article writes them."""
    wan = quantize_wan(wan)
    if wan >= WAN_PER_YI:
        return format_yi(wan)
    return f"{strip_zeros(wan)}万元"


def _one_place(value: Decimal) -> Decimal:
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def percent_text(rate: Decimal | None) -> str:
    """A fraction as a percentage to one decimal: 0.9720 → "97.2%"."""
    if rate is None:
        return DASH
    return f"{strip_zeros(_one_place(measures.as_percent(rate)))}%"


def gap_text(points: Decimal | None) -> str:
    """ "超序时进度13.9个百分点" / "低于序时进度5.2个百分点" / "与序时进度持平" (decided on the figure as printed)."""
    if points is None:
        return ""
    shown = _one_place(points)
    if shown > 0:
        return f"超序时进度{strip_zeros(shown)}个百分点"
    if shown < 0:
        return f"低于序时进度{strip_zeros(-shown)}个百分点"
    return "与序时进度持平"


def investment_clauses(figures: GroupFigures) -> str:
    """ "完成投资X亿元，完成率Y%，超序时进度Z个百分点" (the rate clauses only where there is an annual plan)."""
    if not figures.year_to_date:
        return "尚无完成投资"
    clauses = [f"完成投资{amount_text(figures.year_to_date)}"]
    if figures.completion_rate is not None:
        clauses.append(f"完成率{percent_text(figures.completion_rate)}")
        clauses.append(gap_text(figures.gap_points))
    return "，".join(clauses)


def headline_sentence(*, month: dt.date, scope: str, figures: GroupFigures) -> str:
    """ "1–10月，全市重点项目完成投资115.5亿元，完成率97.2%，超序时进度13.9个百分点。" """
    period = period_text(month)
    if not figures.projects:
        return f"{period}，{scope}暂无纳入调度的重点项目。"
    return f"{period}，{scope}重点项目{investment_clauses(figures)}。"


def _count_pair(planned: int, actual: int, *, plan_word: str, done_word: str, none_text: str) -> str:
    """ "计划开工5个，已开工3个", "计划开工5个，尚无项目开工", "已开工3个", or "" when both are zero."""
    if planned and actual:
        return f"{plan_word}{planned}个，{done_word}{actual}个"
    if planned:
        return f"{plan_word}{planned}个，{none_text}"
    if actual:
        return f"{done_word}{actual}个"
    return ""


def overview_sentences(*, month: dt.date, figures: GroupFigures) -> list[str]:
    """The sentences after the headline: the projects and their plan, the starts and completions, the lights."""
    sentences = []
    scheduled = f"纳入调度的重点项目{figures.projects}个"
    if figures.annual_plan:
        scheduled += f"，年度计划投资{amount_text(figures.annual_plan)}"
    sentences.append(scheduled + "。")
    pairs = [
        _count_pair(
            figures.planned_starts,
            figures.actual_starts,
            plan_word="计划开工",
            done_word="已开工",
            none_text="尚无项目开工",
        ),
        _count_pair(
            figures.planned_completions,
            figures.actual_completions,
            plan_word="计划竣工",
            done_word="已竣工",
            none_text="尚无项目竣工",
        ),
    ]
    pairs = [pair for pair in pairs if pair]
    if pairs:
        sentences.append(f"{period_text(month)}" + "；".join(pairs) + "。")
    red, yellow = figures.lights["red"], figures.lights["yellow"]
    # Lights are only spoken of once the month has been lit: "no red light" before any light would be untrue.
    if red + yellow + figures.lights["green"]:
        if red and yellow:
            sentences.append(f"本月亮红灯项目{red}个、黄灯项目{yellow}个。")
        elif red:
            sentences.append(f"本月亮红灯项目{red}个，无亮黄灯项目。")
        elif yellow:
            sentences.append(f"本月无亮红灯项目，亮黄灯项目{yellow}个。")
        else:
            sentences.append("本月无亮红灯、黄灯项目。")
    return sentences


def category_sentence(figures: GroupFigures) -> str:
    """ "产业类项目18个，完成投资61.2亿元，完成率97.5%，超序时进度14.2个百分点。" """
    name = figures.label or "其他"
    if not name.endswith("项目"):
        name += "项目"
    return f"{name}{figures.projects}个，{investment_clauses(figures)}。"


def _table_amount(wan: Decimal) -> str:
    return format_wan(wan, unit=False)


# --- Reading the month ------------------------------------------------------------------------------------------------


def _scope_label(user) -> str:
    city = "全市"
    if user is None or user.sees_everything:
        return city
    department = getattr(user, "department", None)
    if department is not None:
        return f"{department.short_name or department.name}相关"
    return city


def _issuer() -> str:
    city = getattr(settings, "KAIGONG_CITY_NAME", "") or DEFAULT_CITY
    return getattr(settings, "KAIGONG_BULLETIN_ISSUER", "") or f"{city}重点项目建设领导组办公室"


def _base_projects(user, projects: QuerySet | None) -> QuerySet:
    if projects is not None:
        return projects
    if user is None:  # the CLI: the whole city
        return Project.objects.all()
    if not permissions.can_see_monthly_view(user):
        raise PermissionDeniedError()
    return Project.objects.visible_to(user)


def _lit_projects(population: QuerySet, month: dt.date, level: str) -> list[ProjectProgress]:
    """The month's projects lit ``level``, lowest completion rate first (not started, without a rate, last), at most
    MAX_LISTED of them."""
    return list(
        ProjectProgress.objects.filter(project__in=population.values("pk"), measured_month=month, warning_level=level)
        .select_related("project__responsible_department")
        .only(
            "warning_level",
            "warning_reasons",
            "completion_rate",
            "project__name",
            "project__responsible_department__name",
        )
        .order_by(F("completion_rate").asc(nulls_last=True), "project__name", "pk")[:MAX_LISTED]
    )


def _dated_projects(population: QuerySet, month: dt.date, date_field: str, count: int) -> list[Project]:
    """The projects whose ``date_field`` (actual start or completion) falls in 1–N月: in date order, or the latest
    MAX_LISTED, newest first, when there are more."""
    start, end = month.replace(month=1), month_end(month)
    rows = (
        population.filter(**{f"{date_field}__gte": start, f"{date_field}__lte": end})
        .select_related("responsible_department")
        .only("name", date_field, "responsible_department__name")
        .order_by(F(date_field).desc(), "-name", "-pk")[:MAX_LISTED]
    )
    rows = list(rows)
    return rows if count > MAX_LISTED else rows[::-1]


def _on_time_by_department(population: QuerySet, month: dt.date) -> dict[object, tuple[int, int]]:
    """{department id: (reports due for the month, reports submitted by the window's close)}."""
    due_projects = population.filter(reporting_scope(month))
    due = dict(
        due_projects.values("responsible_department_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("responsible_department_id", "n")
    )
    on_time = dict(
        ProgressReport.objects.filter(CURRENT, month=month, is_late=False, project__in=due_projects.values("pk"))
        .values("project__responsible_department_id")
        .annotate(n=Count("project_id", distinct=True))
        .order_by()
        .values_list("project__responsible_department_id", "n")
    )
    return {key: (n, on_time.get(key, 0)) for key, n in due.items()}


def _monthly_cumulative(population: QuerySet, month: dt.date) -> list[Decimal]:
    """The city's 1–m月累计 for each month m up to ``month``."""
    sums = defaultdict(
        Decimal,
        ProgressReport.objects.filter(
            CURRENT, project__in=population.values("pk"), month__gte=month.replace(month=1), month__lte=month
        )
        .values("month")
        .annotate(total=Sum("monthly_investment"))
        .order_by()
        .values_list("month", "total"),
    )
    running, curve = Decimal(0), []
    for m in range(1, month.month + 1):
        running += sums[month.replace(month=m)] or Decimal(0)
        curve.append(running)
    return curve


# --- Composition ------------------------------------------------------------------------------------------------------


def build_bulletin(*, user, month: dt.date, projects: QuerySet | None = None, today: dt.date | None = None) -> Bulletin:
    """The month's bulletin over what ``user`` sees (``None``: the whole city, for the CLI), or over ``projects`` when
    a caller has already scoped and filtered them. Refuses (PermissionDeniedError) a user outside government."""
    month = month.replace(day=1)
    base = _base_projects(user, projects)
    scope = _scope_label(user)
    population = aggregations.population(base, month)
    period = period_text(month)
    # The document is Chinese whatever the reader's language (see the module's docstring): choice labels and any
    # lazy text read while composing follow this.
    with translation.override("zh-hans"):
        total = aggregations.totals(projects=base, month=month)
        headline = headline_sentence(month=month, scope=scope, figures=total)
        sections: list[tuple[str, list[Block]]] = []

        if total.projects:
            overview: list[Block] = [Paragraph("".join([headline, *overview_sentences(month=month, figures=total)]))]
            if chart := _curve_chart(population, month, total, period):
                overview.append(chart)
            sections.append(("总体情况", overview))
            sections += _figure_sections(base=base, population=population, month=month, total=total, period=period)
        else:
            sections.append(("总体情况", [Paragraph(headline)]))
    return Bulletin(
        month=month,
        masthead=MASTHEAD,
        issue=f"第{month.month}期",
        issuer=_issuer(),
        date=today or timezone.localdate(),
        title=f"{period}{scope}重点项目建设进展情况",
        headline=headline,
        sections=[
            Section(heading=f"{CHINESE_NUMERALS[index]}、{heading}", blocks=blocks)
            for index, (heading, blocks) in enumerate(sections)
        ],
    )


def _curve_chart(population: QuerySet, month: dt.date, total: GroupFigures, period: str) -> Chart | None:
    """The city's cumulative investment month by month against what time progress asks (none for January: one
    point is not a curve)."""
    if month.month == 1:
        return None
    cumulative = _monthly_cumulative(population, month)
    in_yi = max([total.annual_plan, *cumulative]) >= WAN_PER_YI
    divisor = WAN_PER_YI if in_yi else Decimal(1)
    targets = [total.annual_plan * m / 12 for m in range(1, month.month + 1)]
    return Chart(
        chart="line",
        title=f"{period}重点项目累计完成投资",
        unit="亿元" if in_yi else "万元",
        labels=[f"{m}月" for m in range(1, month.month + 1)],
        series={
            "累计完成投资": [(value / divisor).quantize(Decimal("0.01")) for value in cumulative],
            "按序时进度应完成": [(value / divisor).quantize(Decimal("0.01")) for value in targets],
        },
    )


def _figure_sections(*, base, population, month, total, period) -> list[tuple[str, list[Block]]]:
    """The sections after the overview, each only when it has something to say."""
    sections: list[tuple[str, list[Block]]] = []
    progress_percent = measures.as_percent(total.time_progress)

    categories = [
        row for row in aggregations.aggregate(projects=base, month=month, group_by="category") if row.projects
    ]
    category_blocks: list[Block] = [Paragraph(category_sentence(row)) for row in categories]
    rated = [row for row in categories if row.completion_rate is not None]
    if rated:
        category_blocks.append(
            Chart(
                chart="bar",
                title=f"{period}各类别项目完成率",
                unit="%",
                labels=[row.label or "其他" for row in rated],
                # One decimal, as the sentences print them.
                series={"完成率": [_one_place(measures.as_percent(row.completion_rate)) for row in rated]},
                reference=(progress_percent, f"序时进度{strip_zeros(_one_place(progress_percent))}%"),
            )
        )
    sections.append(("分类别推进情况", category_blocks))

    red_count, yellow_count = total.lights["red"], total.lights["yellow"]
    if red_count or yellow_count:
        lists = [
            ("红灯项目", red_count, _lit_projects(population, month, WarningLevel.RED)),
            ("黄灯项目", yellow_count, _lit_projects(population, month, WarningLevel.YELLOW)),
        ]
        sections.append(("预警项目情况", _warning_blocks(lists)))

    dated = [
        ("新开工项目", "开工", total.actual_starts, "actual_start_date"),
        ("竣工项目", "竣工", total.actual_completions, "actual_completion_date"),
    ]
    blocks: list[Block] = []
    for title, verb, count, date_field in dated:
        if not count:
            continue
        projects = _dated_projects(population, month, date_field, count)
        if count > len(projects):
            blocks.append(Paragraph(f"{period}{title}{count}个，以下为最近{verb}的{len(projects)}个："))
        else:
            blocks.append(Paragraph(f"{period}{title}{count}个："))
        blocks.append(Items([_named(project, getattr(project, date_field), verb) for project in projects]))
    if blocks:
        sections.append(("新开工和竣工项目", blocks))

    departments = aggregations.aggregate(projects=base, month=month, group_by="department")
    if departments:
        sections.append(("责任单位推进情况", _ranking_blocks(departments, population, month, period)))
    return sections


def _named(project: Project, day: dt.date, verb: str) -> str:
    department = project.responsible_department.name if project.responsible_department_id else ""
    when = f"{day.month}月{day.day}日{verb}"
    return f"{project.name}（{department}，{when}）" if department else f"{project.name}（{when}）"


def _warning_blocks(lists: list[tuple[str, int, list[ProjectProgress]]]) -> list[Block]:
    """The red and the yellow list, each a table under its subheading (a list with no project is left out)."""
    counts = "、".join(f"{title}{count}个" for title, count, _states in lists if count)
    blocks: list[Block] = [Paragraph(f"本月亮{counts}，名单及预警原因如下。")]
    header = ["序号", "项目名称", "责任单位", "完成率", "预警原因"]
    numeric = [True, False, False, True, False]
    number = 0
    for title, count, states in lists:
        if not count or not states:
            continue
        blocks.append(Subheading(f"（{CHINESE_NUMERALS[number]}）{title}"))
        number += 1
        if count > len(states):
            blocks.append(Paragraph(f"共{count}个，以下列出完成率最低的{len(states)}个，完整名单见月度进度预警清单。"))
        rows = [
            [
                str(index),
                state.project.name,
                state.project.responsible_department.name if state.project.responsible_department_id else DASH,
                percent_text(state.completion_rate),
                "；".join(reason.get("label", "") for reason in state.warning_reasons if reason.get("label")) or DASH,
            ]
            for index, state in enumerate(states, start=1)
        ]
        blocks.append(Table(name="warnings", header=header, rows=rows, numeric=numeric))
    return blocks


def _ranking_blocks(departments: list[GroupFigures], population, month, period) -> list[Block]:
    ranked = sorted(
        departments,
        key=lambda row: (
            row.completion_rate is None,
            -(row.completion_rate or Decimal(0)),
            -row.year_to_date,
            str(row.label),
        ),
    )
    on_time = _on_time_by_department(population, month)
    rows = []
    for number, row in enumerate(ranked, start=1):
        due, timely = on_time.get(row.key, (0, 0))
        rows.append(
            [
                str(number),
                row.label or "未明确责任单位",
                str(row.projects),
                _table_amount(row.annual_plan),
                _table_amount(row.year_to_date),
                percent_text(row.completion_rate),
                percent_text(Decimal(timely) / Decimal(due)) if due else DASH,
            ]
        )
    sentences = [f"按各责任单位项目{period}完成率排序（完成率相同的，按完成投资额排序），情况如下。"]
    leaders = [row.label for row in ranked if row.completion_rate is not None and row.label][:3]
    if len(ranked) > 3 and len(leaders) == 3:
        sentences.insert(0, f"完成率居前三位的责任单位是{'、'.join(leaders)}。")
    header = ["序号", "责任单位", "项目数", "年度计划", f"{period}累计", "完成率", "本月按时报送率"]
    return [
        Paragraph("".join(sentences)),
        Table(
            name="ranking",
            header=header,
            rows=rows,
            numeric=[True, False, True, True, True, True, True],
            unit="单位：万元",
        ),
    ]


# --- Rendering --------------------------------------------------------------------------------------------------------


def chart_uris(bulletin: Bulletin) -> dict[int, str]:
    """{id(chart block): PNG data URI}, each chart drawn once (the PDF and the preview page embed them)."""
    from kaigong.core.charts import png_data_uri

    return {
        id(block): png_data_uri(block.png())
        for section in bulletin.sections
        for block in section.blocks
        if isinstance(block, Chart)
    }


def html_sections(bulletin: Bulletin) -> list[dict]:
    """The sections as a template reads them: each block with its chart's data URI where it is a chart."""
    uris = chart_uris(bulletin)
    return [
        {
            "heading": section.heading,
            "blocks": [
                {"block": block, "kind": block.kind, "uri": uris.get(id(block)), **_table_cells(block)}
                for block in section.blocks
            ],
        }
        for section in bulletin.sections
    ]


def _table_cells(block: Block) -> dict:
    """A table's header and rows as (text, numeric) pairs: templates cannot zip."""
    if not isinstance(block, Table):
        return {}
    return {
        "head": list(zip(block.header, block.numeric, strict=True)),
        "rows": [list(zip(row, block.numeric, strict=True)) for row in block.rows],
    }


def render_pdf_bytes(bulletin: Bulletin) -> bytes:
    """The bulletin as an A4 PDF with the CJK fonts embedded and the charts drawn on the server."""
    from kaigong.core.documents import render_pdf

    html = render_to_string(
        "progress/bulletin/document.html",
        {"bulletin": bulletin, "sections": html_sections(bulletin)},
    )
    css = render_to_string("progress/bulletin/document.css")
    return render_pdf(html, stylesheets=[css])


# Column widths (cm) of the Word tables: the text width is 16 cm.
_WORD_WIDTHS = {"warnings": [1.2, 5.0, 3.6, 1.8, 4.4], "ranking": [1.2, 4.8, 1.5, 2.2, 2.4, 1.6, 2.3]}


def render_docx_bytes(bulletin: Bulletin) -> bytes:
    """The bulletin as a .docx the office goes on editing: 仿宋/黑体 named for East Asian text on every run."""
    from kaigong.core.documents import WordDocument

    document = WordDocument(title=f"{bulletin.masthead}（{bulletin.issue}）")
    document.title(bulletin.masthead)
    document.subtitle(bulletin.issue)
    document.subtitle(f"{bulletin.issuer}　　{bulletin.date_text}")
    document.title(bulletin.title)
    for section in bulletin.sections:
        document.heading(section.heading, level=1)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                document.paragraph(block.text)
            elif isinstance(block, Subheading):
                document.heading(block.text, level=2)
            elif isinstance(block, Items):
                for number, item in enumerate(block.items, start=1):
                    document.numbered(item, number=number)
            elif isinstance(block, Table):
                if block.unit:
                    document.paragraph(block.unit)
                document.table(block.header, block.rows, widths_cm=_WORD_WIDTHS.get(block.name))
            elif isinstance(block, Chart):
                document.picture(block.png())
    return document.to_bytes()


RENDERERS = {"pdf": render_pdf_bytes, "docx": render_docx_bytes}


def render_bytes(bulletin: Bulletin, fmt: str) -> bytes:
    if fmt not in RENDERERS:
        raise ValueError(fmt)
    return RENDERERS[fmt](bulletin)


def filename(bulletin: Bulletin, fmt: str) -> str:
    return f"{bulletin.filename_stem}.{fmt}"


def write_bulletin(out_path: Path | str, *, month: dt.date, fmt: str, user=None) -> Path:
    """The CLI's `kaigong progress bulletin`: the month's bulletin (the whole city when ``user`` is None) written to
    ``out_path`` as ``fmt`` (pdf | docx). Written to a temporary file first, so a failed render leaves no half file."""
    out_path = Path(out_path)
    data = render_bytes(build_bulletin(user=user, month=month), fmt)
    partial = out_path.with_name(out_path.name + ".part")
    partial.write_bytes(data)
    partial.replace(out_path)
    return out_path
