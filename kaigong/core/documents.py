"""Government documents (工作简报, supervision letters, meeting minutes) as PDF and as Word, app-agnostic.

Choices worth knowing before changing anything here:

- **One font discovery.** The PDF, the charts (``kaigong/core/charts.py``) and the system check all ask
  :func:`discover_cjk_fonts`. The server is an offline intranet, so fonts come from the operating system, never from
  the network: Debian's ``fonts-noto-cjk`` first (its ``.ttc`` collections hold the SC faces at a face index we read
  from the files' name tables, not assume), then fontconfig's ``fc-match`` for any installed face that covers
  Simplified Chinese. The answer is cached for the process. Without a CJK font a PDF would print tofu boxes, so
  rendering refuses with :class:`CJKFontMissingError` naming the package; ``kaigong check`` warns about it
  (``kaigong.W101``) so an administrator hears of it before the first bulletin.
- **Noto as the stand-in for the 公文 faces.** Noto Serif CJK SC stands in for 仿宋/宋体 (body), Noto Sans CJK SC for
  黑体 (headings, tables' header rows). They are free, shipped by Debian, and WeasyPrint embeds them as *subsets*
  (only the glyphs used), so a PDF opens identically on any reader and stays small. 仿宋_GB2312 and 方正小标宋 are
  proprietary and not on the server.
- **The Word file names the 公文 faces instead** (仿宋 body, 黑体 headings, Times New Roman for Latin and digits, see
  :class:`WordFonts`): a .docx embeds no font and is opened on the office PCs (Word or WPS, Windows or 麒麟/统信)
  where those faces are installed and where staff go on editing it. Every run and the Normal style set both
  ``w:ascii``/``w:hAnsi`` and ``w:eastAsia`` (and the template's theme fonts are removed, because a theme font
  silently wins over an explicit one), so Chinese never falls back to a Western face.
- **Offline PDF rendering.** WeasyPrint gets an URL fetcher that refuses http(s), ftp and any ``file://`` outside
  the static directories; ``data:`` URIs are allowed, which is how charts go in (``charts.png_data_uri``). A
  template can therefore never make the server reach out, nor read a file such as ``/etc/passwd`` into a PDF.
- **Heavy imports are lazy** (WeasyPrint ~0.6 s, python-docx): the system check imports this module at start-up, and
  most processes never render a document.
- Sizes: the 公文 standard's 三号 (16pt) body is for a one-page letter; a bulletin of tables and charts reads better
  at 12pt body, 10.5pt (五号) tables, headings 13–20pt. Page numbers sit in the footer as "— 1 —".
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.checks import Warning, register
from django.utils.translation import gettext_noop

from kaigong.core.exceptions import KaigongError

# Debian's fonts-noto-cjk. Each collection holds JP, KR, SC, TC, HK (and Mono) faces; the SC face is picked by name.
DEBIAN_NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
SERIF_FAMILY = "Noto Serif CJK SC"
SANS_FAMILY = "Noto Sans CJK SC"
_DEBIAN_FILES = {
    "serif": (SERIF_FAMILY, "NotoSerifCJK-Regular.ttc"),
    "serif_bold": (SERIF_FAMILY, "NotoSerifCJK-Bold.ttc"),
    "sans": (SANS_FAMILY, "NotoSansCJK-Regular.ttc"),
    "sans_bold": (SANS_FAMILY, "NotoSansCJK-Bold.ttc"),
}
# fontconfig patterns tried when the Debian files are absent: the Noto face by name, else any face for zh-cn.
_FONTCONFIG_PATTERNS = {
    "serif": (f"{SERIF_FAMILY}:lang=zh-cn", "serif:lang=zh-cn"),
    "serif_bold": (f"{SERIF_FAMILY}:lang=zh-cn:weight=bold", "serif:lang=zh-cn:weight=bold"),
    "sans": (f"{SANS_FAMILY}:lang=zh-cn", "sans-serif:lang=zh-cn"),
    "sans_bold": (f"{SANS_FAMILY}:lang=zh-cn:weight=bold", "sans-serif:lang=zh-cn:weight=bold"),
}


class CJKFontMissingError(KaigongError):
    code = "cjk_font_missing"
    status = 500

    def __init__(self):
        super().__init__(
            gettext_noop(
                "服务器未安装中文字体,无法生成 PDF 文档和图表。请安装 Debian 软件包 fonts-noto-cjk"
                "(apt-get install fonts-noto-cjk)后重启服务。"
            )
        )


@dataclass(frozen=True)
class FontFace:
    """One installed face: its family name (as CSS and fontconfig know it), its file, its index in a .ttc."""

    family: str
    path: Path
    index: int = 0


@dataclass(frozen=True)
class CJKFonts:
    """The faces documents and charts use. A missing bold falls back to the regular face (renderers embolden it)."""

    serif: FontFace
    serif_bold: FontFace
    sans: FontFace
    sans_bold: FontFace


def _face_index(path: Path, family: str) -> int | None:
    """The index of ``family`` inside ``path`` (a .ttc collection or a single .otf/.ttf), read from its name table."""
    from fontTools.ttLib import TTCollection, TTFont

    try:
        is_collection = path.suffix.lower() in (".ttc", ".otc")
        with TTCollection(str(path), lazy=True) if is_collection else TTFont(str(path), lazy=True) as font:
            faces = font.fonts if is_collection else [font]
            names = [face["name"].getDebugName(1) for face in faces]
    except Exception:  # an unreadable or odd file is "not this font"; fontconfig gets its turn
        return None
    return names.index(family) if family in names else None


def _fc_match(pattern: str) -> FontFace | None:
    """The face fontconfig picks for ``pattern``, if it covers Simplified Chinese (fc-match always answers
    something, often DejaVu, so the language coverage decides)."""
    executable = shutil.which("fc-match")
    if executable is None:
        return None
    try:
        result = subprocess.run(
            [executable, "--format=%{file}\n%{index}\n%{family[0]}\n%{lang}\n", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) < 4:
        return None
    file, index, family, languages = lines[:4]
    if "zh-cn" not in languages.split("|") or not Path(file).is_file():
        return None
    return FontFace(family=family, path=Path(file), index=int(index or 0))


def _find_face(role: str) -> FontFace | None:
    family, filename = _DEBIAN_FILES[role]
    path = DEBIAN_NOTO_DIR / filename
    if path.is_file() and (index := _face_index(path, family)) is not None:
        return FontFace(family=family, path=path, index=index)
    for pattern in _FONTCONFIG_PATTERNS[role]:
        if face := _fc_match(pattern):
            return face
    return None


_discovery_lock = threading.Lock()


@functools.cache
def _discover() -> CJKFonts | None:
    serif, sans = _find_face("serif"), _find_face("sans")
    if serif is None and sans is None:
        return None
    # One of the two is enough to print Chinese: a sans-only server sets the body in sans, and vice versa.
    serif = serif or sans
    sans = sans or serif
    return CJKFonts(
        serif=serif,
        serif_bold=_find_face("serif_bold") or serif,
        sans=sans,
        sans_bold=_find_face("sans_bold") or sans,
    )


def discover_cjk_fonts() -> CJKFonts:
    """The CJK faces installed on this server (cached); :class:`CJKFontMissingError` when there are none."""
    with _discovery_lock:  # two first renders at once read the font files once
        fonts = _discover()
    if fonts is None:
        raise CJKFontMissingError()
    return fonts


def clear_font_cache() -> None:
    """Forget the discovered fonts (tests; a server after `apt-get install fonts-noto-cjk` simply restarts)."""
    _discover.cache_clear()


@register(deploy=False)
def check_cjk_font_installed(app_configs, **kwargs):
    try:
        discover_cjk_fonts()
    except CJKFontMissingError as error:
        return [
            Warning(
                str(error),
                hint="apt-get install fonts-noto-cjk (Debian/Ubuntu), then restart Kaigong.",
                id="kaigong.W101",
            )
        ]
    return []


# --- PDF ----------------------------------------------------------------------------------------------------------


class URLRefusedError(ValueError):
    """A document asked for a resource the offline renderer will not fetch."""


def static_roots() -> list[Path]:
    """The directories a document may read files from: the collected static files and the app's own static dir."""
    roots = [Path(settings.STATIC_ROOT)] if getattr(settings, "STATIC_ROOT", None) else []
    roots += [Path(entry[1] if isinstance(entry, tuple | list) else entry) for entry in settings.STATICFILES_DIRS]
    return [root.resolve() for root in roots]


def check_url_allowed(url: str, roots: list[Path]) -> None:
    """Raise :class:`URLRefusedError` unless ``url`` is a ``data:`` URI or a ``file:`` under one of ``roots``."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "data":
        return
    if scheme == "file":
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise URLRefusedError(f"refused (remote file): {url}")
        path = Path(unquote(parts.path)).resolve()  # resolve: no way out through '..' or a symlink
        if any(path.is_relative_to(root) for root in roots):
            return
        raise URLRefusedError(f"refused (outside the static directories): {url}")
    raise URLRefusedError(f"refused (the server is offline; embed resources as data: URIs): {url}")


@functools.cache
def _offline_fetcher_class():
    from weasyprint.urls import URLFetcher

    class OfflineURLFetcher(URLFetcher):
        """WeasyPrint's fetcher, allowed only data: URIs and files under the static directories."""

        def __init__(self, roots: list[Path]):
            super().__init__(timeout=1, allow_redirects=False)
            self.roots = roots

        def fetch(self, url, headers=None):
            check_url_allowed(url, self.roots)
            return super().fetch(url, headers)

    return OfflineURLFetcher


def offline_url_fetcher():
    """A fresh offline fetcher (WeasyPrint keeps per-request state on it, so one per render)."""
    return _offline_fetcher_class()(static_roots())


def base_stylesheet(fonts: CJKFonts) -> str:
    """The register of a Chinese government document; a caller's stylesheet comes after it and may override any of it
    (``@page { size: A3 landscape }`` for a wide table)."""
    serif = f'"{fonts.serif.family}", "{SERIF_FAMILY}", serif'
    sans = f'"{fonts.sans.family}", "{SANS_FAMILY}", sans-serif'
    return f"""
@page {{
  size: A4;
  margin: 25mm 24mm 22mm 26mm;
  @bottom-center {{
    content: "— " counter(page) " —";
    font-family: {serif};
    font-size: 10.5pt;
  }}
}}
html {{
  font-family: {serif};
  font-size: 12pt;
  line-height: 1.65;
  color: #000;
  text-align: justify;
  orphans: 2;
  widows: 2;
}}
h1, h2, h3, h4, th, caption, figcaption, .sans {{ font-family: {sans}; }}
h1 {{ font-size: 20pt; font-weight: bold; text-align: center; line-height: 1.35; margin: 0 0 0.4em; }}
h2 {{ font-size: 15pt; font-weight: bold; margin: 0.9em 0 0.35em; break-after: avoid; }}
h3 {{ font-size: 13pt; font-weight: bold; margin: 0.7em 0 0.3em; break-after: avoid; }}
h4 {{ font-size: 12pt; font-weight: bold; margin: 0.6em 0 0.2em; break-after: avoid; }}
p {{ margin: 0 0 0.25em; text-indent: 2em; }}
p.no-indent, td p, th p, li p, .subtitle, .issuer-line {{ text-indent: 0; }}
.subtitle {{ text-align: center; margin: 0 0 0.8em; }}
.issuer-line {{ display: flex; justify-content: space-between; margin: 0.2em 0; }}
.masthead {{
  font-family: {sans}; font-weight: bold; color: #c00; text-align: center;
  font-size: 30pt; letter-spacing: 0.12em; line-height: 1.3; margin: 0 0 0.3em;
}}
.masthead-rule {{ border: 0; border-top: 2pt solid #c00; margin: 0.3em 0 1em; }}
ul, ol {{ margin: 0.2em 0 0.4em; padding-left: 2em; }}
table {{ border-collapse: collapse; width: 100%; font-size: 10.5pt; line-height: 1.4; margin: 0.5em 0 0.9em; }}
caption {{ font-weight: bold; font-size: 11pt; margin-bottom: 0.3em; }}
th, td {{ border: 0.75pt solid #000; padding: 2pt 4pt; vertical-align: middle; }}
th {{ font-weight: bold; text-align: center; background: #f0f0f0; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
td.num, th.num {{ text-align: right; white-space: nowrap; }}
figure {{ margin: 0.6em 0; text-align: center; break-inside: avoid; }}
figure img {{ width: 100%; }}
figcaption {{ font-size: 10.5pt; margin-top: 0.2em; }}
img {{ max-width: 100%; }}
.page-break {{ break-before: page; }}
"""


def render_pdf(html: str, *, stylesheets: list[str] | None = None) -> bytes:
    """``html`` as a PDF with the CJK fonts embedded; ``stylesheets`` are CSS texts applied after the base one.

    Resources must be ``data:`` URIs (charts) or files under the static directories; anything else is refused and
    left out (WeasyPrint logs a warning), so rendering never waits on a network the intranet does not have.
    """
    from weasyprint import CSS, HTML

    fonts = discover_cjk_fonts()
    fetcher = offline_url_fetcher()
    sheets = [CSS(string=base_stylesheet(fonts), url_fetcher=fetcher)]
    sheets += [CSS(string=css, url_fetcher=fetcher) for css in stylesheets or ()]
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=sheets)


# --- Word ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WordFonts:
    """The faces a .docx names (it embeds none): the 公文 faces the office PCs have."""

    body: str = "仿宋"
    heading: str = "黑体"
    latin: str = "Times New Roman"


# Sizes in points: 小二 title, 小三/四号 headings, 小四 body, 五号 tables.
_TITLE_PT, _HEADING_PT, _BODY_PT, _TABLE_PT = 18, (15, 14, 12), 12, 10.5
_THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
# XML 1.0 forbids these; a project name pasted from elsewhere can carry one, and lxml would refuse the whole run.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

CellValue = str | int | float | Decimal | None


def _set_fonts(rpr, *, latin: str, east_asia: str) -> None:
    """Name the Latin and East Asian faces on a run's or a style's ``w:rPr`` and drop the template's theme fonts,
    which would otherwise win over the explicit names."""
    from docx.oxml.ns import qn

    rfonts = rpr.get_or_add_rFonts()
    for attribute in _THEME_FONT_ATTRIBUTES:
        rfonts.attrib.pop(qn(attribute), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


class WordDocument:
    """A government-style .docx built paragraph by paragraph; :meth:`to_bytes` gives the file.

    >>> doc = WordDocument(title="重点项目工作简报")
    >>> doc.title("重点项目工作简报"); doc.subtitle("第 11 期"); doc.heading("一、总体情况")
    >>> doc.paragraph("1—11月,全市重点项目完成投资……"); doc.picture(png); data = doc.to_bytes()
    """

    def __init__(self, *, title: str = "", fonts: WordFonts | None = None, landscape: bool = False):
        import docx
        from docx.enum.section import WD_ORIENT
        from docx.shared import Cm, Pt

        self.fonts = fonts or WordFonts()
        self._document = docx.Document()
        properties = self._document.core_properties
        properties.title = title
        properties.author = properties.last_modified_by = "Kaigong"
        properties.comments = ""  # the template says "generated by python-docx"

        section = self._document.sections[0]
        width, height = Cm(21), Cm(29.7)
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            width, height = height, width
        section.page_width, section.page_height = width, height
        section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
        section.left_margin, section.right_margin = Cm(2.6), Cm(2.4)
        self._text_width = width - section.left_margin - section.right_margin

        self._style_document(Pt)
        self._page_numbers()

    def _style_document(self, Pt) -> None:
        from docx.oxml.ns import qn
        from docx.shared import RGBColor

        styles = self._document.styles
        # The template's styles (Title, Quote, Heading 4–9 …) name theme fonts, which would give Chinese text
        # a Western face wherever a caller or an editor applies them: the heading font for the template's "major"
        # theme font, the body font for its "minor".
        for rfonts in styles.element.iter(qn("w:rFonts")):
            if any(rfonts.get(qn(attribute)) for attribute in _THEME_FONT_ATTRIBUTES):
                major = "major" in (rfonts.get(qn("w:eastAsiaTheme")) or rfonts.get(qn("w:asciiTheme")) or "")
                east_asia = self.fonts.heading if major else self.fonts.body
                _set_fonts(rfonts.getparent(), latin=self.fonts.latin, east_asia=east_asia)
        # The document defaults: East Asian text is Chinese (line breaking, punctuation compression).
        defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        _set_fonts(defaults, latin=self.fonts.latin, east_asia=self.fonts.body)
        defaults.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")

        normal = styles["Normal"]
        normal.font.name = self.fonts.latin
        normal.font.size = Pt(_BODY_PT)
        _set_fonts(normal.element.get_or_add_rPr(), latin=self.fonts.latin, east_asia=self.fonts.body)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.line_spacing = 1.5

        for level, size in enumerate(_HEADING_PT, start=1):
            style = styles[f"Heading {level}"]
            style.font.size = Pt(size)
            style.font.bold = level == 1
            style.font.color.rgb = RGBColor(0, 0, 0)
            _set_fonts(style.element.get_or_add_rPr(), latin=self.fonts.latin, east_asia=self.fonts.heading)
            style.paragraph_format.space_before = Pt(10 if level == 1 else 6)
            style.paragraph_format.space_after = Pt(4)
        styles["List Bullet"].font.size = Pt(_BODY_PT)

    def _run(self, paragraph, text: str = "", *, heading: bool = False, bold: bool = False, size: float | None = None):
        from docx.shared import Pt

        run = paragraph.add_run(_CONTROL_CHARACTERS.sub("", text))
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        run.font.name = self.fonts.latin
        _set_fonts(
            run._element.get_or_add_rPr(),
            latin=self.fonts.latin,
            east_asia=self.fonts.heading if heading else self.fonts.body,
        )
        return run

    def _page_numbers(self) -> None:
        """ "— 1 —" centred in the footer: a PAGE field between two dashes."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        paragraph = self._document.sections[0].footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(paragraph, "— ", size=_TABLE_PT)
        for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None), (None, None), ("end", None)):
            run = self._run(paragraph, "1" if (kind, instruction) == (None, None) else "", size=_TABLE_PT)
            if kind:
                field_char = OxmlElement("w:fldChar")
                field_char.set(qn("w:fldCharType"), kind)
                run._element.append(field_char)
            elif instruction:
                text = OxmlElement("w:instrText")
                text.set(qn("xml:space"), "preserve")
                text.text = instruction
                run._element.append(text)
        self._run(paragraph, " —", size=_TABLE_PT)

    def title(self, text: str) -> None:
        """The document's title: centred, 黑体, bold."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        paragraph = self._document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(6)
        self._run(paragraph, text, heading=True, bold=True, size=_TITLE_PT)

    def subtitle(self, text: str) -> None:
        """A centred line under the title: the issue (第 11 期), the issuer and date."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        paragraph = self._document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(8)
        self._run(paragraph, text)

    def heading(self, text: str, *, level: int = 1) -> None:
        """A heading (Word's Heading 1–3 styles, so the navigation pane and a table of contents see it)."""
        paragraph = self._document.add_paragraph(style=f"Heading {min(max(level, 1), 3)}")
        self._run(paragraph, text, heading=True)

    def _indented(self, paragraph) -> None:
        """First line indented by two characters, as government text is: ``w:firstLineChars`` for Word and WPS,
        ``w:firstLine`` (two body characters in twips) for readers that ignore character units."""
        from docx.oxml.ns import qn
        from docx.shared import Pt

        paragraph.paragraph_format.first_line_indent = Pt(2 * _BODY_PT)
        paragraph.paragraph_format._element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")

    def paragraph(self, text: str, *, bold_lead: str = "") -> None:
        """A body paragraph; ``bold_lead`` is a lead-in set in bold before the text (“一是……”)."""
        paragraph = self._document.add_paragraph()
        self._indented(paragraph)
        if bold_lead:
            self._run(paragraph, bold_lead, bold=True)
        self._run(paragraph, text)

    def bullet(self, text: str) -> None:
        paragraph = self._document.add_paragraph(style="List Bullet")
        self._run(paragraph, text)

    def numbered(self, text: str, *, number: int | str) -> None:
        """A numbered paragraph; the label is written out (“1.”, or a given “(一)”) so each list starts where the
        caller says, which Word's automatic numbering does not do reliably."""
        paragraph = self._document.add_paragraph()
        self._indented(paragraph)
        self._run(paragraph, f"{number}." if isinstance(number, int) else number)
        self._run(paragraph, text)

    def table(
        self,
        header: list[str],
        rows: list[list[CellValue]],
        *,
        widths_cm: list[float] | None = None,
        caption: str = "",
    ) -> None:
        """A bordered table; the header row is bold and repeats on each page; numbers are right-aligned."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.shared import Cm

        if caption:
            paragraph = self._document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._run(paragraph, caption, heading=True, size=_TABLE_PT + 0.5)
        table = self._document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header_row = table.rows[0]
        header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, text in zip(header_row.cells, header, strict=True):
            paragraph = self._cell_paragraph(cell, WD_ALIGN_PARAGRAPH.CENTER)
            self._run(paragraph, text, heading=True, bold=True, size=_TABLE_PT)
        for values in rows:
            for cell, value in zip(table.add_row().cells, values, strict=True):
                numeric = isinstance(value, int | float | Decimal)
                paragraph = self._cell_paragraph(cell, WD_ALIGN_PARAGRAPH.RIGHT if numeric else None)
                self._run(paragraph, "" if value is None else str(value), size=_TABLE_PT)
        if widths_cm:
            for column, width in zip(table.columns, widths_cm, strict=True):
                for cell in column.cells:
                    cell.width = Cm(width)
        # Word glues two tables that touch into one; an empty paragraph keeps the next block apart.
        self._document.add_paragraph()

    @staticmethod
    def _cell_paragraph(cell, alignment):
        paragraph = cell.paragraphs[0]
        paragraph.alignment = alignment
        # Cells are tight: the Normal style's 1.5 lines would make tall rows.
        paragraph.paragraph_format.line_spacing = 1.15
        return paragraph

    def picture(self, png: bytes, *, width_cm: float | None = None, caption: str = "") -> None:
        """A PNG (a chart from ``charts.py``), centred at the text width unless ``width_cm`` is given."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm

        paragraph = self._document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = self._run(paragraph)
        run.add_picture(BytesIO(png), width=Cm(width_cm) if width_cm else self._text_width)
        if caption:
            paragraph = self._document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self._run(paragraph, caption, heading=True, size=_TABLE_PT)

    def page_break(self) -> None:
        from docx.enum.text import WD_BREAK

        self._run(self._document.add_paragraph()).add_break(WD_BREAK.PAGE)

    def to_bytes(self) -> bytes:
        buffer = BytesIO()
        self._document.save(buffer)
        return buffer.getvalue()
