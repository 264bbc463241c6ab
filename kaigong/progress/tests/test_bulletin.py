"""The month's bulletin (工作简报): its sentences from a fixture city, the PDF and Word files, the page, the API, the
CLI, and the time a month of 300 projects takes."""

import datetime as dt
import io
import re
import shutil
import subprocess
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import include, path, reverse

from kaigong import urls as site_urls
from kaigong.accounts.choices import Role
from kaigong.accounts.tests.factories import DepartmentFactory, OrganizationFactory, UserFactory
from kaigong.core.exceptions import PermissionDeniedError
from kaigong.progress import bulletin_views, services
from kaigong.progress import urls as progress_urls
from kaigong.progress.api.bulletin import BulletinView
from kaigong.progress.bulletin import (
    Chart,
    Items,
    Paragraph,
    Subheading,
    Table,
    build_bulletin,
    render_docx_bytes,
    render_pdf_bytes,
)
from kaigong.progress.models import ProgressReport
from kaigong.progress.tests.factories import building_project
from kaigong.projects.choices import Stage
from kaigong.projects.models import Project
from kaigong.projects.tests.factories import CategoryFactory, LevelFactory, ProjectFactory

# The bulletin's page and API as the progress and API url modules wire them (progress:bulletin,
# progress:bulletin-download, /api/progress/bulletin/), ahead of the site's own patterns.
_bulletin_pages = [
    path("bulletin/", bulletin_views.bulletin_page, name="bulletin"),
    path("bulletin/<str:fmt>/", bulletin_views.bulletin_download, name="bulletin-download"),
]
urlpatterns = [
    path("progress/", include(([*_bulletin_pages, *progress_urls.urlpatterns], "progress"))),
    path("api/progress/bulletin/", BulletinView.as_view(), name="progress-bulletin"),
    *site_urls.urlpatterns,
]
pytestmark = pytest.mark.urls(__name__)

MONTH = dt.date(2024, 10, 1)
TODAY = dt.date(2024, 10, 22)  # inside October's reporting window (20th–25th): on time
CONTINUING = dt.date(2023, 5, 1)  # started last year: not a new start of 2024


@pytest.fixture
def industry(db):
    return CategoryFactory(name="产业类", code="industry")


@pytest.fixture
def infrastructure(db):
    return CategoryFactory(name="基础设施类", code="infrastructure")


def city_project(*, annual, ytd, month=MONTH, today=TODAY, started=CONTINUING, **fields):
    """A project in construction whose 1–N月累计 is ``ytd`` (one report, in ``month``)."""
    project = building_project(annual=str(annual), started=started, **fields)
    if ytd:
        services.submit_report(
            project=project, month=month, data={"monthly_investment": Decimal(ytd)}, actor=None, today=today
        )
    return project


def texts(bulletin) -> list[str]:
    """Every piece of text the bulletin prints."""
    out = [bulletin.masthead, bulletin.issue, bulletin.issuer, bulletin.title, bulletin.headline]
    for section in bulletin.sections:
        out.append(section.heading)
        for block in section.blocks:
            if isinstance(block, Paragraph | Subheading):
                out.append(block.text)
            elif isinstance(block, Items):
                out += block.items
            elif isinstance(block, Table):
                out += block.header + [cell for row in block.rows for cell in row]
            elif isinstance(block, Chart):
                out += [block.title, *block.labels, *block.series]
    return out


# --- The headline sentence ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "plans", "done", "headline"),
    [
        (
            MONTH,
            [60000, 40000],
            [50000, 42000],
            "1–10月，全市重点项目完成投资9.2亿元，完成率92%，超序时进度8.7个百分点。",
        ),
        (
            MONTH,
            [60000, 40000],
            [30000, 20000],
            "1–10月，全市重点项目完成投资5亿元，完成率50%，低于序时进度33.3个百分点。",
        ),
        (MONTH, [12000], [10000], "1–10月，全市重点项目完成投资1亿元，完成率83.3%，与序时进度持平。"),
        (
            MONTH,
            [115500, 4500],
            [100000, 15500],
            "1–10月，全市重点项目完成投资11.55亿元，完成率96.3%，超序时进度12.9个百分点。",
        ),
        (MONTH, [6000], [5500], "1–10月，全市重点项目完成投资5500万元，完成率91.7%，超序时进度8.3个百分点。"),
        (
            dt.date(2024, 1, 1),
            [12000],
            [1500],
            "1月，全市重点项目完成投资1500万元，完成率12.5%，超序时进度4.2个百分点。",
        ),
        (MONTH, [6000], [0], "1–10月，全市重点项目尚无完成投资。"),
    ],
    ids=["ahead-yi", "behind", "equal", "yi-two-places", "wan", "january", "nothing-yet"],
)
def test_the_headline_sentence(month, plans, done, headline, industry):
    today = month.replace(day=22)
    for plan, ytd in zip(plans, done, strict=True):
        city_project(annual=plan, ytd=ytd, month=month, today=today, category=industry)
    bulletin = build_bulletin(user=None, month=month, today=today)
    assert bulletin.headline == headline
    assert bulletin.sections[0].blocks[0].text.startswith(headline)
    assert bulletin.issue == f"第{month.month}期"
    # The month has not been lit: nothing is said of lights rather than "no red light".
    assert "灯" not in bulletin.sections[0].blocks[0].text


# --- A city with no red project -------------------------------------------------------------------------------------


@pytest.fixture
def green_city(db, industry, infrastructure, department, other_department):
    city_project(
        annual=60000, ytd=55000, category=industry, responsible_department=department, name="年产10万吨新材料项目"
    )
    # 60% against 83.3% time progress: 23.3 points behind, yellow under the default (Yinchuan) preset.
    city_project(
        annual=10000,
        ytd=6000,
        category=infrastructure,
        responsible_department=other_department,
        name="城区供热管网改造",
    )
    city_project(
        annual=5000,
        ytd=4500,
        category=industry,
        responsible_department=department,
        started=dt.date(2024, 9, 10),
        name="智能装备产业园一期",
    )
    services.refresh_lights(month=MONTH, today=TODAY)


def test_a_city_without_red_lights_reads_as_a_person_wrote_it(green_city, office_user):
    bulletin = build_bulletin(user=office_user, month=MONTH, today=TODAY)
    printed = texts(bulletin)
    assert not [text for text in printed if re.search(r"(?<![\d.])0个", text)]
    assert all(section.blocks for section in bulletin.sections)
    assert [section.heading for section in bulletin.sections] == [
        "一、总体情况",
        "二、分类别推进情况",
        "三、预警项目情况",
        "四、新开工和竣工项目",
        "五、责任单位推进情况",
    ]
    overview = bulletin.sections[0].blocks[0].text
    assert "纳入调度的重点项目3个，年度计划投资7.5亿元。" in overview
    # One project was planned to start this year and did; none was planned to complete, so no 竣工 clause.
    assert "1–10月计划开工1个，已开工1个。" in overview
    assert "竣工" not in overview
    assert "本月无亮红灯项目，亮黄灯项目1个。" in overview
    categories = [block.text for block in bulletin.sections[1].blocks if isinstance(block, Paragraph)]
    assert categories == [
        "产业类项目2个，完成投资5.95亿元，完成率91.5%，超序时进度8.2个百分点。",
        "基础设施类项目1个，完成投资6000万元，完成率60%，低于序时进度23.3个百分点。",
    ]
    warnings = bulletin.sections[2].blocks
    assert warnings[0].text == "本月亮黄灯项目1个，名单及预警原因如下。"
    assert [block.text for block in warnings if isinstance(block, Subheading)] == ["（一）黄灯项目"]
    (table,) = [block for block in warnings if isinstance(block, Table)]
    assert table.rows == [["1", "城区供热管网改造", "侯马市住房和城乡建设管理局", "60%", "低于序时进度10–30个百分点"]]
    starts = bulletin.sections[3].blocks
    assert starts[0].text == "1–10月新开工项目1个："
    assert starts[1].items == ["智能装备产业园一期（侯马市发展和改革局，9月10日开工）"]
    assert len(starts) == 2  # no completions: no empty list
    charts = [block for section in bulletin.sections for block in section.blocks if isinstance(block, Chart)]
    assert [chart.chart for chart in charts] == ["line", "bar"]
    assert charts[1].reference == (Decimal("83.33"), "序时进度83.3%")


def test_red_and_yellow_lists_and_the_departments_ranking(db, industry, department, other_department):
    transport, water = DepartmentFactory(name="侯马市交通运输局"), DepartmentFactory(name="侯马市水务局")
    city_project(annual=10000, ytd=3000, category=industry, responsible_department=department, name="红灯项目甲")
    city_project(annual=10000, ytd=6000, category=industry, responsible_department=other_department, name="黄灯项目乙")
    city_project(annual=10000, ytd=9000, category=industry, responsible_department=transport, name="绿灯项目丙")
    # 水务局: the same 60% as 住建局 on a larger amount, so it ranks above; its report came after the close.
    city_project(
        annual=20000,
        ytd=12000,
        category=industry,
        responsible_department=water,
        today=dt.date(2024, 10, 28),
        name="黄灯项目丁",
    )
    services.refresh_lights(month=MONTH, today=dt.date(2024, 10, 28))
    bulletin = build_bulletin(user=None, month=MONTH, today=TODAY)
    overview = bulletin.sections[0].blocks[0].text
    assert "本月亮红灯项目1个、黄灯项目2个。" in overview
    warnings = bulletin.sections[2]
    assert warnings.heading == "三、预警项目情况"
    assert warnings.blocks[0].text == "本月亮红灯项目1个、黄灯项目2个，名单及预警原因如下。"
    assert [block.text for block in warnings.blocks if isinstance(block, Subheading)] == [
        "（一）红灯项目",
        "（二）黄灯项目",
    ]
    red, yellow = [block for block in warnings.blocks if isinstance(block, Table)]
    assert red.rows == [["1", "红灯项目甲", "侯马市发展和改革局", "30%", "低于序时进度30个百分点以上"]]
    assert [row[1] for row in yellow.rows] == ["黄灯项目丁", "黄灯项目乙"]  # equal rates: by name
    ranking = bulletin.sections[-1]
    assert ranking.heading == "四、责任单位推进情况"  # no new start nor completion: that section is left out
    assert ranking.blocks[0].text.startswith(
        "完成率居前三位的责任单位是侯马市交通运输局、侯马市水务局、侯马市住房和城乡建设管理局。"
    )
    (table,) = [block for block in ranking.blocks if isinstance(block, Table)]
    assert table.rows == [
        ["1", "侯马市交通运输局", "1", "10,000", "9,000", "90%", "100%"],
        ["2", "侯马市水务局", "1", "20,000", "12,000", "60%", "0%"],
        ["3", "侯马市住房和城乡建设管理局", "1", "10,000", "6,000", "60%", "100%"],
        ["4", "侯马市发展和改革局", "1", "10,000", "3,000", "30%", "100%"],
    ]


def test_a_department_without_projects_gets_one_sentence(db, industry, other_department):
    city_project(annual=10000, ytd=3000, category=industry, responsible_department=other_department)
    lonely = UserFactory(role=Role.DEPARTMENT, department=DepartmentFactory(name="侯马市水务局", short_name="水务局"))
    bulletin = build_bulletin(user=lonely, month=MONTH, today=TODAY)
    assert bulletin.headline == "1–10月，水务局相关暂无纳入调度的重点项目。"
    assert [(section.heading, len(section.blocks)) for section in bulletin.sections] == [("一、总体情况", 1)]


# --- The files ------------------------------------------------------------------------------------------------------


def test_the_pdf_embeds_a_cjk_font_and_has_pages(green_city):
    pdf = render_pdf_bytes(build_bulletin(user=None, month=MONTH, today=TODAY))
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    # pdffonts' "emb" column: every CJK face is embedded (as a subset).
    assert all(" yes " in line for line in cjk), fonts
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) > 0


def test_the_word_file_names_east_asian_fonts_and_says_the_headline(green_city):
    import docx
    from docx.oxml.ns import qn

    bulletin = build_bulletin(user=None, month=MONTH, today=TODAY)
    document = docx.Document(io.BytesIO(render_docx_bytes(bulletin)))
    body = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert bulletin.headline in body
    assert "重点项目工作简报" in body and "侯马市重点项目建设领导组办公室" in body
    runs = [run for paragraph in document.paragraphs for run in paragraph.runs if run.text.strip()]
    runs += [run for table in document.tables for cell in table._cells for p in cell.paragraphs for run in p.runs]
    assert runs
    assert all(run._element.rPr.rFonts.get(qn("w:eastAsia")) in ("仿宋", "黑体") for run in runs if run.text)
    assert len(document.tables) == 2  # the yellow list and the ranking
    assert len(document.inline_shapes) == 2  # the two charts


def test_the_issuer_comes_from_the_settings(settings, green_city):
    settings.KAIGONG_CITY_NAME = "曲沃县"
    assert build_bulletin(user=None, month=MONTH).issuer == "曲沃县重点项目建设领导组办公室"
    settings.KAIGONG_BULLETIN_ISSUER = "曲沃县重点工程指挥部办公室"
    assert build_bulletin(user=None, month=MONTH).issuer == "曲沃县重点工程指挥部办公室"


# --- The page and the downloads -------------------------------------------------------------------------------------


def test_the_office_reads_the_page_and_downloads_both_files(green_city, users, login):
    client = login(users[Role.OFFICE])
    response = client.get(reverse("progress:bulletin"), {"month": "2024-10"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "1–10月，全市重点项目完成投资" in page
    assert 'data-testid="bulletin-pdf"' in page and "data:image/png;base64," in page
    pdf = client.get(reverse("progress:bulletin-download", kwargs={"fmt": "pdf"}), {"month": "2024-10"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]
    word = client.get(reverse("progress:bulletin-download", kwargs={"fmt": "docx"}), {"month": "2024-10"})
    assert word.status_code == 200 and word.content.startswith(b"PK")
    assert client.get(reverse("progress:bulletin-download", kwargs={"fmt": "xls"})).status_code == 404
    assert client.get(reverse("progress:bulletin"), {"month": "2024-13"}).status_code == 404
    assert client.get(reverse("progress:bulletin")).status_code == 200  # the last closed month


def test_an_enterprise_may_not_read_the_bulletin(green_city, users, login):
    with pytest.raises(PermissionDeniedError):
        build_bulletin(user=users[Role.ENTERPRISE], month=MONTH)
    client = login(users[Role.ENTERPRISE])
    assert client.get(reverse("progress:bulletin"), {"month": "2024-10"}).status_code == 403
    download = reverse("progress:bulletin-download", kwargs={"fmt": "pdf"})
    assert client.get(download, {"month": "2024-10"}).status_code == 403


def test_a_department_sees_only_its_projects_figures(green_city, users, login):
    response = login(users[Role.DEPARTMENT]).get(reverse("progress:bulletin"), {"month": "2024-10"})
    assert response.status_code == 200
    page = response.content.decode()
    # 发改局's two projects: 5.95亿元 of 6.5亿元; 住建局's heating network is not in its bulletin.
    assert "1–10月，发改局相关重点项目完成投资5.95亿元" in page
    assert "城区供热管网改造" not in page and "基础设施类" not in page


# --- The API and the CLI --------------------------------------------------------------------------------------------


def test_the_api_answers_json_pdf_and_word(green_city, users, api_login):
    api = api_login(users[Role.LEADER])
    url = "/api/progress/bulletin/"
    data = api.get(url, {"month": "2024-10"}).json()
    assert data["headline"].startswith("1–10月，全市重点项目完成投资")
    assert data["month"] == "2024-10" and data["issue"] == "第10期"
    assert data["sections"][0]["heading"] == "一、总体情况"
    chart = next(block for s in data["sections"] for block in s["blocks"] if block["kind"] == "chart")
    assert chart["chart"] == "line" and chart["labels"][0] == "1月"
    pdf = api.get(url, {"month": "2024-10", "format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    word = api.get(url, {"month": "2024-10", "format": "docx"})
    assert word.status_code == 200 and word.content.startswith(b"PK")
    assert word["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    # A government document: Chinese whatever the caller's language.
    english = api.get(url, {"month": "2024-10"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["headline"] == data["headline"]
    bad = api.get(url, {"month": "October", "format": "pdf"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"


def test_the_api_refuses_an_enterprise(green_city, users, api_login):
    response = api_login(users[Role.ENTERPRISE]).get("/api/progress/bulletin/", {"month": "2024-10", "format": "pdf"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "permission_denied"


def test_the_command_writes_the_city_bulletin(green_city, tmp_path):
    out = tmp_path / "bulletin.docx"
    call_command("progress", "bulletin", "--month", "2024-10", "--out", str(out), stdout=io.StringIO())
    import docx

    text = "\n".join(paragraph.text for paragraph in docx.Document(str(out)).paragraphs)
    assert "1–10月，全市重点项目完成投资" in text
    pdf = tmp_path / "bulletin.pdf"
    call_command("progress", "bulletin", "--month", "2024-10", "--out", str(pdf), stdout=io.StringIO())
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob("*.part"))


# --- A month of 300 projects ----------------------------------------------------------------------------------------


def test_a_month_of_300_projects(db, capsys):
    """Timed, not asserted (bench/ holds the targets): printed for the record."""
    categories = [CategoryFactory(name=name, code=f"c{i}") for i, name in enumerate(["产业类", "基础设施类", "民生类"])]
    departments = [DepartmentFactory(name=f"侯马市第{i}责任单位") for i in range(12)]
    level, owner = LevelFactory(), OrganizationFactory()
    projects = [
        ProjectFactory.build(
            name=f"重点项目{i:03d}",
            category=categories[i % 3],
            level=level,
            owner=owner,
            responsible_department=departments[i % 12],
            annual_planned_investment=Decimal(1000 + 37 * i),
            total_investment=Decimal(50000),
            planned_start_date=dt.date(2024, 1 + i % 10, 1),
            search_text=f"重点项目{i:03d}",
        )
        for i in range(300)
    ]
    Project.objects.bulk_create(projects)
    Project.objects.update(stage=Stage.CONSTRUCTION, actual_start_date=dt.date(2024, 1, 1))
    reports = []
    for project in Project.objects.all():
        total = Decimal(0)
        for m in range(1, 11):
            amount = Decimal(project.annual_planned_investment * (50 + project.pk % 60) / 100 / 10).quantize(
                Decimal("0.01")
            )
            total += amount
            reports.append(
                ProgressReport(
                    project=project, month=dt.date(2024, m, 1), monthly_investment=amount, year_to_date=total
                )
            )
    ProgressReport.objects.bulk_create(reports)
    services.refresh_lights(month=MONTH, today=dt.date(2024, 10, 28))

    started = time.perf_counter()
    bulletin = build_bulletin(user=None, month=MONTH)
    composed = time.perf_counter()
    pdf = render_pdf_bytes(bulletin)
    rendered_pdf = time.perf_counter()
    word = render_docx_bytes(bulletin)
    rendered_word = time.perf_counter()
    assert pdf.startswith(b"%PDF") and word.startswith(b"PK")
    assert "纳入调度的重点项目300个" in bulletin.sections[0].blocks[0].text
    with capsys.disabled():
        print(
            f"\nbulletin of 300 projects: compose {composed - started:.2f} s, PDF {rendered_pdf - composed:.2f} s "
            f"({len(pdf) // 1024} KB), Word {rendered_word - rendered_pdf:.2f} s ({len(word) // 1024} KB)"
        )
