"""Small server-rendered SVG plots (line and grouped bar charts) from frozen series, each
followed by its numbers as a table: a plot is an image to sighted staff, the table is what a
screen reader reads (WCAG 1.1.1, 1.3.1). Pure: a chart in, HTML out.

Accessible by construction: the SVG is role="img" named by its <title> and described by its
<desc>; every colour has at least 3:1 contrast with the white background, and no series is
told by colour alone (each line has its own dash and marker, each bar its own fill pattern,
and the legend shows them beside the series' name).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 44, 52  # the plot area's margins (legend on top)
INK, GRID = "#1a1a1a", "#595959"  # 17:1 and 7:1 on white
# (colour, line dash, marker) per series; colours 5:1 to 9:1 on white.
STYLES = (
    ("#0b5394", "", "circle"),
    ("#a34100", "7 4", "square"),
    ("#2e7d32", "2 3", "triangle"),
    ("#6a1b9a", "10 3 2 3", "diamond"),
    ("#00695c", "4 2", "circle"),
    ("#ad1457", "1 3", "square"),
    ("#37474f", "12 4", "triangle"),
    ("#4e342e", "6 2 1 2", "diamond"),
)
PATTERNS = ("solid", "hatch", "dots", "cross", "solid", "hatch", "dots", "cross")  # bar fills
LEGEND_ROW = 20  # px between the legend's rows (a row more pushes the plot down)
MAX_TICK_LABELS = 8  # category labels under the axis (the table has them all)


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]  # one per category; None: nothing to show


@dataclass(frozen=True)
class Chart:
    ident: str  # unique in the page: prefixes the ids of the plot's elements
    title: str  # the plot's name and its table's caption
    description: str  # one sentence that says what the plot shows
    categories: tuple[str, ...]  # the x axis: days, channels…
    series: tuple[Series, ...]
    category_heading: str = "Jour"
    percent: bool = False  # values are shares from 0 to 1


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def number(value: float | None, percent: bool = False) -> str:
    """A value as French writes it: 1 234, 12,5 %; a dash for none."""
    if value is None:
        return "—"
    if percent:
        return f"{value * 100:.1f}".replace(".", ",") + "\u00a0%"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.replace(",", "\u202f").replace(".", ",")


def scale(values: list[float], percent: bool) -> tuple[float, float]:
    """The y axis' top and its gridlines' step: 0 to 100 % by 25 % for shares; else a round
    step (1, 2 or 5 × 10ⁿ, whole numbers) giving at most 5 gridlines up to the max."""
    if percent:
        return 1.0, 0.25
    peak = max(values, default=0.0)
    if peak <= 0:
        return 1.0, 1.0
    rough = max(1.0, peak / 4)
    power = 10 ** math.floor(math.log10(rough))
    step = next(n * power for n in (1, 2, 5, 10) if n * power >= rough)
    return step * math.ceil(peak / step), step


def _frame(
    chart: Chart, axis: tuple[float, float], inner: str, legend: tuple[str, int], defs: str = ""
) -> str:
    """The SVG: title, description, the y axis' gridlines, INNER and the category labels,
    moved down by the LEGEND's extra rows (its markup and rows), which sits on top."""
    ident, plot_h = chart.ident, HEIGHT - TOP - BOTTOM
    extra = LEGEND_ROW * (legend[1] - 1)
    parts = [
        f'<svg class="plot-svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT + extra}" '
        f'aria-labelledby="{ident}-title {ident}-desc" focusable="false">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description)}</desc>',
    ]
    if defs:
        parts.append(f"<defs>{defs}</defs>")
    parts.append(f'<g transform="translate(0 {extra})">')
    top, step = axis
    for index in range(round(top / step) + 1):
        y = TOP + plot_h - plot_h * index * step / top
        value = number(index * step, chart.percent)
        dash = "" if index == 0 else ' stroke-dasharray="1 3"'
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}"{dash}/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(value)}</text>'
        )
    parts.append(inner)
    parts += _category_labels(chart)
    parts += ["</g>", legend[0], "</svg>"]
    return "\n".join(parts)


def _slot(chart: Chart) -> float:
    return (WIDTH - LEFT - RIGHT) / max(1, len(chart.categories))


def _category_labels(chart: Chart) -> list[str]:
    """Every label when they fit, else one in EVERY and the last; long ones on two rows."""
    every = max(1, math.ceil(len(chart.categories) / MAX_TICK_LABELS))
    last = len(chart.categories) - 1
    widest = max((len(label) for label in chart.categories), default=0) * 7  # px at 12px
    staggered = every == 1 and widest > _slot(chart)
    labels = []
    for index, label in enumerate(chart.categories):
        if index != last and (index % every or last - index < every):
            continue
        x = LEFT + _slot(chart) * (index + 0.5)
        y = HEIGHT - BOTTOM + 18 + (16 if staggered and index % 2 else 0)
        labels.append(
            f'<text x="{x:.1f}" y="{y}" text-anchor="middle" '
            f'font-size="12" fill="{INK}">{escape(label)}</text>'
        )
    return labels


def _y(value: float, top: float) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    return TOP + plot_h - plot_h * min(value, top) / top


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if shape == "triangle":
        points = f"{x:.1f},{y - 4.5:.1f} {x - 4.5:.1f},{y + 3.5:.1f} {x + 4.5:.1f},{y + 3.5:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x - 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x + 5:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def _legend(chart: Chart, swatch: Callable[[int, float, float], str]) -> tuple[str, int]:
    """The series' names on top, each after its swatch (dash and marker, or pattern), in as
    many rows as they need; the markup and the number of rows."""
    parts, x, row = [], LEFT, 0
    for index, series in enumerate(chart.series):
        width = 44 + 8 * len(series.label)
        if x > LEFT and x + width > WIDTH - RIGHT:  # the next row
            x, row = LEFT, row + 1
        y = 16 + LEGEND_ROW * row
        parts.append(swatch(index, x, y))
        parts.append(
            f'<text x="{x + 30}" y="{y + 4}" font-size="13" fill="{INK}">'
            f"{escape(series.label)}</text>"
        )
        x += width
    return "\n".join(parts), row + 1


def _values(chart: Chart) -> list[float]:
    return [v for s in chart.series for v in s.values if v is not None]


def line_chart(chart: Chart) -> str:
    """One line per series, each with its own colour, dash and marker."""
    axis, slot = scale(_values(chart), chart.percent), _slot(chart)
    top = axis[0]
    parts = []
    for index, series in enumerate(chart.series):
        colour, dash, shape = STYLES[index % len(STYLES)]
        points = [
            (LEFT + slot * (i + 0.5), _y(v, top))
            for i, v in enumerate(series.values)
            if v is not None
        ]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dashes}/>'
        )
        parts += [_marker(shape, x, y, colour) for x, y in points]

    def swatch(index: int, x: float, y: float) -> str:
        colour, dash, shape = STYLES[index % len(STYLES)]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        line = (
            f'<line x1="{x}" y1="{y}" x2="{x + 24}" y2="{y}" stroke="{colour}" '
            f'stroke-width="2.5"{dashes}/>'
        )
        return line + _marker(shape, x + 12, y, colour)

    return _frame(chart, axis, "\n".join(parts), _legend(chart, swatch))


def _pattern(ident: str, index: int) -> str:
    """The fill pattern of series INDEX (solid, hatched, dotted, cross-hatched)."""
    colour, kind = STYLES[index % len(STYLES)][0], PATTERNS[index % len(PATTERNS)]
    marks = {
        "solid": f'<rect width="6" height="6" fill="{colour}"/>',
        "hatch": f'<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="{colour}" '
        'stroke-width="2"/>',
        "dots": f'<circle cx="3" cy="3" r="1.6" fill="{colour}"/>',
        "cross": f'<path d="M0,3 h6 M3,0 v6" stroke="{colour}" stroke-width="1.5"/>',
    }[kind]
    return (
        f'<pattern id="{ident}-fill{index}" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="#ffffff"/>{marks}</pattern>'
    )


def bar_chart(chart: Chart) -> str:
    """Bars grouped by category, one per series, each series with its own fill pattern."""
    axis, slot = scale(_values(chart), chart.percent), _slot(chart)
    top, count = axis[0], max(1, len(chart.series))
    width = min(slot * 0.8 / count, 48.0)  # a lone bar stays a bar, not a wall
    base = HEIGHT - BOTTOM
    parts = []
    for index, series in enumerate(chart.series):
        colour = STYLES[index % len(STYLES)][0]
        for i, value in enumerate(series.values):
            if value is None:
                continue
            x = LEFT + slot * (i + 0.5) + width * (index - count / 2)
            y = _y(value, top)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{base - y:.1f}" '
                f'fill="url(#{chart.ident}-fill{index})" stroke="{colour}" stroke-width="1"/>'
            )
            if len(chart.categories) <= MAX_TICK_LABELS:  # room for the value above the bar
                parts.append(
                    f'<text x="{x + width / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                    f'font-size="12" fill="{INK}">{escape(number(value, chart.percent))}</text>'
                )

    def swatch(index: int, x: float, y: float) -> str:
        colour = STYLES[index % len(STYLES)][0]
        return (
            f'<rect x="{x}" y="{y - 8}" width="24" height="14" '
            f'fill="url(#{chart.ident}-fill{index})" stroke="{colour}"/>'
        )

    defs = "".join(_pattern(chart.ident, index) for index in range(count))
    return _frame(chart, axis, "\n".join(parts), _legend(chart, swatch), defs)


def data_table(chart: Chart) -> str:
    """The chart's numbers: a row per category, a column per series."""
    heads = "".join(f'<th scope="col">{escape(s.label)}</th>' for s in chart.series)
    rows = "\n".join(
        f'<tr><th scope="row">{escape(category)}</th>'
        + "".join(f"<td>{escape(number(s.values[i], chart.percent))}</td>" for s in chart.series)
        + "</tr>"
        for i, category in enumerate(chart.categories)
    )
    return (
        f'<table class="journal plot-data">\n<caption>{escape(chart.title)}</caption>\n'
        f'<thead><tr><th scope="col">{escape(chart.category_heading)}</th>{heads}</tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )


def figure(chart: Chart, kind: str = "line") -> str:
    """The plot, then its numbers in a table that a <details> opens."""
    plot = bar_chart(chart) if kind == "bar" else line_chart(chart)
    return (
        f'<figure class="plot" id="{chart.ident}">\n{plot}\n'
        f"<details>\n<summary>Les chiffres : {escape(chart.title)}</summary>\n"
        f'<div class="table-scroll">\n{data_table(chart)}\n</div>\n</details>\n</figure>'
    )
