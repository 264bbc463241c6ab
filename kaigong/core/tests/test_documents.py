"""Documents as PDF and Word, and their charts: Chinese text in embedded fonts, East Asian fonts on every Word run,
charts that draw Chinese without tofu, and a renderer that never reaches the network."""

import base64
import re
import shutil
import socket
import subprocess
import warnings
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from django.conf import settings
from django.core.checks import run_checks
from lxml import etree
from PIL import Image

from kaigong.core import charts, documents
from kaigong.core.documents import (
    CJKFontMissingError,
    URLRefusedError,
    WordDocument,
    check_url_allowed,
    discover_cjk_fonts,
    render_pdf,
)

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}

needs_poppler = pytest.mark.skipif(
    shutil.which("pdffonts") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdffonts, pdftotext) is not installed; CI installs it",
)


@pytest.fixture
def no_cjk_font(monkeypatch, tmp_path):
    """A server without fonts-noto-cjk and where fontconfig knows no Chinese face."""
    monkeypatch.setattr(documents, "DEBIAN_NOTO_DIR", tmp_path)
    monkeypatch.setattr(documents, "_fc_match", lambda pattern: None)
    documents.clear_font_cache()
    yield
    documents.clear_font_cache()


def _poppler(tool: str, pdf: bytes, tmp_path, *args: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])], capture_output=True, text=True, check=True
    ).stdout


BULLETIN = """
<h1>重点项目工作简报</h1>
<p class="subtitle">第 11 期</p>
<h2>一、总体情况</h2>
<p>1—11月,全市重点项目完成投资 632.23 亿元,占年度计划的 91.7%。</p>
<table><thead><tr><th>县区</th><th class="num">完成投资(亿元)</th></tr></thead>
<tr><td>高新区</td><td class="num">115.5</td></tr></table>
"""


# --- PDF ----------------------------------------------------------------------------------------------------------


@needs_poppler
def test_pdf_embeds_the_cjk_fonts_and_keeps_the_chinese_text(tmp_path):
    pdf = render_pdf(BULLETIN)

    fonts = [line.split() for line in _poppler("pdffonts", pdf, tmp_path).splitlines()[2:]]
    # Columns end with: emb sub uni object-id generation.
    embedded_cjk = [row[0] for row in fonts if "CJK" in row[0] and row[-5] == "yes"]
    assert any("Serif-CJK-SC" in name for name in embedded_cjk), fonts  # the body
    assert any("Sans-CJK-SC" in name for name in embedded_cjk), fonts  # headings and table header
    assert all(row[-5] == "yes" for row in fonts), f"a font is not embedded: {fonts}"

    text = _poppler("pdftotext", pdf, tmp_path)
    assert "重点项目工作简报" in text
    assert "全市重点项目完成投资 632.23 亿元" in text


@needs_poppler
def test_pdf_numbers_its_pages_in_the_footer_and_a_callers_stylesheet_sets_the_page(tmp_path):
    pdf = render_pdf(
        "<h1>附表</h1>" + "<p>重点项目。</p>" * 120,
        stylesheets=["@page { size: A3 landscape; }"],
    )

    text = _poppler("pdftotext", pdf, tmp_path, "-layout")
    pages = text.split("\f")
    assert len(pages) > 2
    for number, page in enumerate(pages[:-1], start=1):  # pdftotext ends with a form feed
        assert re.search(rf"—\s*{number}\s*—\s*$", page), page[-40:]
    info = _poppler("pdfinfo", pdf, tmp_path)
    assert re.search(r"Page size:\s+1190\.\d+ x 841\.\d+ pts", info), info  # A3 landscape


def test_pdf_fetches_nothing_from_the_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network used")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)

    pdf = render_pdf(
        '<link rel="stylesheet" href="https://cdn.example.com/site.css">'
        '<p>图片:<img src="http://example.com/chart.png"></p>'
        '<p style="background: url(http://example.com/bg.png)">背景</p>'
    )

    assert pdf.startswith(b"%PDF")
    assert attempts == []


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/chart.png",
        "https://example.com/chart.png",
        "ftp://example.com/chart.png",
        "file:///etc/passwd",
        "file://fileserver/share/chart.png",
    ],
)
def test_fetcher_refuses_anything_but_data_and_static_files(url):
    with pytest.raises(URLRefusedError):
        documents.offline_url_fetcher().fetch(url)


def test_fetcher_refuses_a_path_climbing_out_of_the_static_directory():
    static = settings.STATICFILES_DIRS[0]
    with pytest.raises(URLRefusedError):
        check_url_allowed(f"file://{static}/../settings.py", documents.static_roots())


def test_fetcher_reads_data_uris_and_static_files():
    fetcher = documents.offline_url_fetcher()
    png = charts.bar_chart(["高新区"], {"完成": [1]}, title="", unit="")

    assert fetcher.fetch(charts.png_data_uri(png)).read() == png
    favicon = settings.STATICFILES_DIRS[0] / "img" / "favicon.svg"
    assert fetcher.fetch(favicon.as_uri()).read() == favicon.read_bytes()


# --- Fonts --------------------------------------------------------------------------------------------------------


def test_discovery_finds_the_simplified_chinese_faces():
    fonts = discover_cjk_fonts()

    assert fonts.serif.family == "Noto Serif CJK SC"
    assert fonts.sans.family == "Noto Sans CJK SC"
    assert fonts.serif.path.is_file()


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="fontconfig's fc-match is not installed")
def test_discovery_falls_back_to_fontconfig(monkeypatch, tmp_path):
    monkeypatch.setattr(documents, "DEBIAN_NOTO_DIR", tmp_path)  # not at Debian's path: ask fontconfig
    documents.clear_font_cache()
    try:
        fonts = discover_cjk_fonts()
    finally:
        documents.clear_font_cache()

    assert "CJK" in fonts.sans.family
    assert fonts.sans.path.is_file()


def test_without_a_cjk_font_rendering_refuses_and_names_the_package(no_cjk_font):
    with pytest.raises(CJKFontMissingError) as error:
        render_pdf("<p>中文</p>")

    assert "fonts-noto-cjk" in error.value.message
    assert "fonts-noto-cjk" in error.value.message_en
    with pytest.raises(CJKFontMissingError):
        charts.bar_chart(["高新区"], {"完成": [1]}, title="", unit="")


def test_system_check_warns_without_a_cjk_font(no_cjk_font):
    messages = [message for message in run_checks() if message.id == "kaigong.W101"]

    assert len(messages) == 1
    assert messages[0].is_serious() is False  # a warning: the rest of Kaigong works
    assert "fonts-noto-cjk" in messages[0].msg


def test_system_check_is_quiet_when_the_font_is_installed():
    assert [message for message in run_checks() if message.id == "kaigong.W101"] == []


# --- Word ---------------------------------------------------------------------------------------------------------


def _docx_xml(data: bytes, part: str):
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return etree.fromstring(archive.read(part)), archive.namelist()


def _bulletin_docx(png: bytes) -> bytes:
    doc = WordDocument(title="重点项目工作简报")
    doc.title("重点项目工作简报")
    doc.subtitle("第 11 期")
    doc.heading("一、总体情况")
    doc.paragraph("全市重点项目完成投资 632.23 亿元。", bold_lead="一是")
    doc.bullet("开工率 95%")
    doc.numbered("加快审批", number=1)
    doc.table(["县区", "完成投资(亿元)"], [["高新区", Decimal("115.50")], ["经开区\x0b", None]])
    doc.picture(png, caption="图 1 各县区完成投资")
    doc.page_break()
    doc.paragraph("第二页。")
    return doc.to_bytes()


def test_word_sets_the_east_asian_font_on_every_run_and_the_normal_style():
    data = _bulletin_docx(charts.bar_chart(["高新区"], {"完成": [1]}, title="", unit=""))
    body, names = _docx_xml(data, "word/document.xml")
    styles, _ = _docx_xml(data, "word/styles.xml")
    footer, _ = _docx_xml(data, next(name for name in names if name.startswith("word/footer")))

    runs = body.findall(".//w:r", NS) + footer.findall(".//w:r", NS)
    assert len(runs) > 10
    for run in runs:
        fonts = run.find("w:rPr/w:rFonts", NS)
        assert fonts is not None, etree.tostring(run)
        assert fonts.get(f"{{{W}}}eastAsia") in ("仿宋", "黑体")
        assert fonts.get(f"{{{W}}}ascii") == "Times New Roman"
    title_run = body.find(".//w:p/w:r", NS)
    assert title_run.find("w:rPr/w:rFonts", NS).get(f"{{{W}}}eastAsia") == "黑体"
    assert title_run.find("w:rPr/w:b", NS) is not None

    normal = styles.find("w:style[@w:styleId='Normal']/w:rPr/w:rFonts", NS)
    assert normal.get(f"{{{W}}}eastAsia") == "仿宋"
    # A theme font would silently win over the explicit names.
    assert not [name for name in etree.tostring(styles).decode().split() if "eastAsiaTheme" in name]


def test_word_document_has_government_layout():
    data = _bulletin_docx(charts.bar_chart(["高新区"], {"完成": [1]}, title="", unit=""))
    body, names = _docx_xml(data, "word/document.xml")
    footer, _ = _docx_xml(data, next(name for name in names if name.startswith("word/footer")))
    text = "".join(body.itertext())

    assert "全市重点项目完成投资 632.23 亿元" in text
    assert "\x0b" not in text  # a control character that would break the XML is dropped
    assert body.find(".//w:ind[@w:firstLineChars='200']", NS) is not None  # two-character indent
    assert body.find(".//w:tblHeader", NS) is not None  # the header row repeats on each page
    assert body.find(".//w:tblBorders", NS) is not None or "TableGrid" in etree.tostring(body).decode()
    assert any(name.startswith("word/media/") and name.endswith(".png") for name in names)
    assert "PAGE" in "".join(footer.itertext())
    assert "— " in "".join(footer.itertext())


# --- Charts -------------------------------------------------------------------------------------------------------

DISTRICTS = ["高新区", "经开区", "临港新区", "城区"]


def test_bar_chart_is_a_png_of_the_fixed_size_without_missing_glyphs(recwarn):
    png = charts.bar_chart(
        DISTRICTS,
        {"年度计划": [Decimal("120.50"), 80, 60, 45.5], "1—11月累计": [110, Decimal("72.25"), None, -3]},
        title="各县区重点项目投资完成情况",
        unit="亿元",
        reference_line=charts.ReferenceLine(Decimal("91.7"), "序时进度"),
    )

    image = Image.open(BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (1600, 900)
    assert [str(warning.message) for warning in recwarn] == []


def test_line_chart_is_a_png_of_the_fixed_size_without_missing_glyphs(recwarn):
    months = [f"{month}月" for month in range(1, 13)]
    png = charts.line_chart(
        months,
        {"累计完成": [1, 3, 6, 10, 15, 21, 28, 36, 45, None, None, None], "计划": list(range(5, 65, 5))},
        title="某某产业园项目月度投资",
        unit="万元",
    )

    assert Image.open(BytesIO(png)).size == (1600, 900)
    assert [str(warning.message) for warning in recwarn] == []


def test_missing_glyph_warnings_are_what_the_chart_tests_would_catch():
    """The control for the two tests above: matplotlib's default face has no Chinese, and says so."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    FigureCanvasAgg(figure)
    figure.suptitle("投资完成情况")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(BytesIO(), format="png")

    assert any("missing from font" in str(warning.message) for warning in caught)


def test_dollar_signs_in_names_are_text_not_mathematics(recwarn):
    """Drawn as mathematics, "$\\frac$" is a TeX error and "$" alone a parse error; as text both are fine."""
    names = ["年产$5$万吨项目", "收益$\\frac$", "单价$"]
    png = charts.bar_chart(names, {"计划$": [1, 2, 3]}, title="$投资$", unit="$")
    line = charts.line_chart(names, {"完成$": [1, 2, 3]}, title="$", unit="$x^$")

    assert Image.open(BytesIO(png)).size == Image.open(BytesIO(line)).size == (1600, 900)
    assert [str(warning.message) for warning in recwarn] == []


def test_charts_are_deterministic():
    def draw():
        return charts.bar_chart(DISTRICTS, {"完成": [1, 2, 3, 4]}, title="完成投资", unit="亿元")

    assert draw() == draw()


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="3 values for 4 categories"):
        charts.bar_chart(DISTRICTS, {"完成": [1, 2, 3]}, title="", unit="")


def test_png_data_uri_carries_the_png():
    png = charts.line_chart(["1月", "2月"], {"完成": [1, 2]}, title="", unit="")
    uri = charts.png_data_uri(png)

    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.removeprefix("data:image/png;base64,")) == png
