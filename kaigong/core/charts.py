"""Charts drawn on the server for documents: matplotlib, PNG bytes.

- **PNG, so one chart serves both formats.** The same bytes go into the PDF (as a ``data:`` URI, see
  :func:`png_data_uri`; WeasyPrint fetches nothing) and into the Word file (``WordDocument.picture``). The pages'
  interactive charts stay ECharts in the browser; a document cannot run JavaScript.
- **Thread-safe by construction.** Each chart is its own ``matplotlib.figure.Figure`` on its own ``FigureCanvasAgg``
  (the Agg raster backend, named explicitly); pyplot and its global current-figure state are never imported, and
  rcParams are never changed, so two requests drawing at once do not see each other's figures.
- **Chinese without tofu.** Every text element gets a ``FontProperties`` built from the CJK font file found by
  ``kaigong.core.documents.discover_cjk_fonts`` (the SC face of Noto Sans CJK, by its index in the .ttc), instead of
  registering fonts with matplotlib's global font manager. No "missing glyph" warning is emitted; a test holds it.
- **Names are text, never TeX:** a project called "年产$5$万吨" would otherwise be typeset as mathematics (or
  fail to draw on an unbalanced "$"), so every label is set with ``parse_math=False``.
- **Deterministic size:** 1600×900 px at 200 dpi (8×4.5 in), a 16:9 picture that fills an A4 text width at print
  resolution; the layout is constrained inside that fixed canvas (never ``bbox_inches="tight"``, which changes it),
  and the PNG carries no software/version metadata, so the same data gives the same bytes.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from typing import NamedTuple

from kaigong.core.documents import FontFace, discover_cjk_fonts
from kaigong.core.money import strip_zeros

WIDTH_PX, HEIGHT_PX, DPI = 1600, 900, 200
# Navy, red, amber, green, purple, grey: distinct in print and in greyscale photocopies by their lightness.
PALETTE = ("#1f4e79", "#c0392b", "#e0a020", "#2e7d32", "#6a1b9a", "#7f8c8d")
LINE_STYLES = ("-", "--", "-.", ":")
REFERENCE_COLOUR = "#c00000"
# Values are printed on the bars only while they stay legible.
MAX_LABELLED_BARS = 24

Number = Decimal | float | int | None


class ReferenceLine(NamedTuple):
    """A horizontal line across a bar chart, e.g. 序时进度 at 91.7 (%)."""

    value: Decimal | float | int
    label: str


class _Fonts(NamedTuple):
    title: object
    label: object
    tick: object
    small: object


def _font_path(face: FontFace):
    from matplotlib.font_manager import FontPath

    return FontPath(str(face.path), face.index)


def _fonts() -> _Fonts:
    from matplotlib.font_manager import FontProperties

    fonts = discover_cjk_fonts()
    regular, bold = _font_path(fonts.sans), _font_path(fonts.sans_bold)
    return _Fonts(
        title=FontProperties(fname=bold, size=13),
        label=FontProperties(fname=regular, size=10),
        tick=FontProperties(fname=regular, size=9),
        small=FontProperties(fname=regular, size=7.5),
    )


def _value(number: Number) -> float:
    return math.nan if number is None else float(number)


def _label(number: Number) -> str:
    """1234.5 → '1234.5', 12.00 → '12': two places at most, as the article writes amounts."""
    if number is None:
        return ""
    return strip_zeros(Decimal(str(number)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _new_axes():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    axes.ticklabel_format(axis="y", style="plain", useOffset=False)
    return figure, axes


def _finish(figure, axes, fonts: _Fonts, *, title: str, unit: str, reference=None) -> bytes:
    if title:
        figure.suptitle(title, fontproperties=fonts.title, parse_math=False)
    if unit:
        axes.set_ylabel(unit, fontproperties=fonts.label, parse_math=False)
    # The numeric ticks in the same face as the rest; ticks the locator adds later copy the first tick's font.
    for tick in axes.yaxis.get_major_ticks():
        tick.label1.set_fontproperties(fonts.tick)
    handles, labels = axes.get_legend_handles_labels()
    if handles:
        # matplotlib lists lines before bars; the reference line reads better after the series it measures.
        order = sorted(range(len(handles)), key=lambda i: handles[i] is reference)
        legend = figure.legend(
            [handles[i] for i in order],
            [labels[i] for i in order],
            loc="outside lower center",
            ncols=min(len(handles), 4),
            frameon=False,
            prop=fonts.label,
        )
        for text in legend.get_texts():
            text.set_parse_math(False)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _check_lengths(labels: Sequence[str], series: dict[str, Sequence[Number]]) -> None:
    if not labels:
        raise ValueError("a chart needs at least one category")
    for name, values in series.items():
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} categories")


def _category_ticks(axes, positions, labels: Sequence[str], fonts: _Fonts) -> None:
    # Long or many Chinese labels collide when level; tilt them instead of shrinking them.
    crowded = sum(len(label) for label in labels) > 40
    axes.set_xticks(
        positions,
        list(labels),
        fontproperties=fonts.tick,
        rotation=30 if crowded else 0,
        ha="right" if crowded else "center",
        rotation_mode="anchor",
        parse_math=False,
    )


def bar_chart(
    categories: Sequence[str],
    series: dict[str, Sequence[Number]],
    *,
    title: str,
    unit: str,
    reference_line: ReferenceLine | tuple | None = None,
) -> bytes:
    """Grouped bars, one group per category and one bar per series (e.g. 年度计划 and 1—11月累计 per 县区), with an
    optional horizontal reference line (序时进度). ``None`` values leave a gap. PNG bytes."""
    import numpy

    _check_lengths(categories, series)
    fonts = _fonts()
    figure, axes = _new_axes()
    positions = numpy.arange(len(categories))
    width = 0.8 / max(len(series), 1)
    label_bars = len(categories) * len(series) <= MAX_LABELLED_BARS
    for index, (name, values) in enumerate(series.items()):
        offset = (index - (len(series) - 1) / 2) * width
        bars = axes.bar(
            positions + offset,
            [_value(value) for value in values],
            width * 0.92,
            label=name,
            color=PALETTE[index % len(PALETTE)],
        )
        if label_bars:
            axes.bar_label(bars, labels=[_label(value) for value in values], padding=1.5, fontproperties=fonts.small)
    reference = None
    if reference_line is not None:
        line = ReferenceLine(*reference_line)
        reference = axes.axhline(
            float(line.value), color=REFERENCE_COLOUR, linestyle="--", linewidth=1.2, label=line.label
        )
    _category_ticks(axes, positions, categories, fonts)
    axes.margins(y=0.12)
    if all(_value(v) >= 0 for values in series.values() for v in values if v is not None):
        axes.set_ylim(bottom=0)
    return _finish(figure, axes, fonts, title=title, unit=unit, reference=reference)


def line_chart(
    months: Sequence[str],
    series: dict[str, Sequence[Number]],
    *,
    title: str,
    unit: str,
) -> bytes:
    """One line per series over the months (e.g. a project's cumulative actual investment against its plan): solid
    for the first series, dashed for the second …; ``None`` (a month not reported yet) leaves a gap. PNG bytes."""
    import numpy

    _check_lengths(months, series)
    fonts = _fonts()
    figure, axes = _new_axes()
    positions = numpy.arange(len(months))
    for index, (name, values) in enumerate(series.items()):
        axes.plot(
            positions,
            [_value(value) for value in values],
            label=name,
            color=PALETTE[index % len(PALETTE)],
            linestyle=LINE_STYLES[index % len(LINE_STYLES)],
            linewidth=1.8,
            marker="o",
            markersize=3.5,
        )
    _category_ticks(axes, positions, months, fonts)
    axes.margins(x=0.03, y=0.1)
    if all(_value(v) >= 0 for values in series.values() for v in values if v is not None):
        axes.set_ylim(bottom=0)
    return _finish(figure, axes, fonts, title=title, unit=unit)


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,…`` for an ``<img src>`` in a PDF's HTML."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
