"""The dashboard's SVG plots: accessible names and descriptions, series told apart without
colour, colours of enough contrast, the numbers as a real table, French numbers, scales."""

from __future__ import annotations

import re
from dataclasses import replace
from xml.etree import ElementTree

import pytest

from bot.web.console.svg_plot import (
    GRID,
    HEIGHT,
    INK,
    LEGEND_ROW,
    STYLES,
    WIDTH,
    Chart,
    Series,
    bar_chart,
    data_table,
    figure,
    line_chart,
    number,
    scale,
)

SVG = "{http://www.w3.org/2000/svg}"
CHART = Chart(
    "abonnes",
    "Abonnés par canal",
    "Abonnés actifs à la fin de chaque jour, un trait par canal.",
    ("23/11", "24/11", "25/11"),
    (Series("Telegram", (3, 2, 3)), Series("E-mail", (0, 1, None))),
)


def contrast(colour: str, other: str = "#ffffff") -> float:
    """WCAG's contrast ratio of two sRGB colours."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(colour), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(
        svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    )


@pytest.mark.parametrize("draw", [line_chart, bar_chart])
def test_a_plot_is_an_image_named_by_its_title_and_described(draw) -> None:
    root = parsed(draw(CHART))

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "abonnes-title abonnes-desc"
    assert root.find(f"{SVG}title").text == "Abonnés par canal"
    assert root.find(f"{SVG}title").get("id") == "abonnes-title"
    assert root.find(f"{SVG}desc").text == CHART.description
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Telegram" in texts and "E-mail" in texts  # the legend names each series
    assert {"23/11", "24/11", "25/11"} <= set(texts)


def drawn(root: ElementTree.Element, tag: str) -> list[ElementTree.Element]:
    """The TAG elements drawn: the legend's (on top) and the plot's (in its group)."""
    return root.findall(f"{SVG}{tag}") + root.findall(f"{SVG}g/{SVG}{tag}")


def test_lines_differ_by_dash_and_marker_not_colour_alone() -> None:
    root = parsed(line_chart(CHART))

    lines = drawn(root, "polyline")
    assert len(lines) == 2
    assert lines[0].get("stroke-dasharray") is None
    assert lines[1].get("stroke-dasharray") == STYLES[1][1]
    # The first series' points are circles, the second's squares (its None has no point).
    assert len(drawn(root, "circle")) == 3 + 1  # and one in the legend
    assert len(drawn(root, "rect")) == 2 + 1
    assert len({dash for _, dash, _ in STYLES}) == len(STYLES)


def test_bars_differ_by_fill_pattern() -> None:
    root = parsed(bar_chart(CHART))

    patterns = root.findall(f"{SVG}defs/{SVG}pattern")
    assert [p.get("id") for p in patterns] == ["abonnes-fill0", "abonnes-fill1"]
    fills = [r.get("fill") for r in drawn(root, "rect")]
    assert fills.count("url(#abonnes-fill0)") == 3 + 1  # three bars and the legend's swatch
    assert fills.count("url(#abonnes-fill1)") == 2 + 1  # None draws no bar
    # Few categories: each bar carries its value.
    assert [t.text for t in root.iter(f"{SVG}text")].count("3") >= 2


def test_a_long_legend_wraps_and_pushes_the_plot_down() -> None:
    names = ["Actualités", "Travaux", "Écoles", "Conseil municipal", "Événements", "Alertes"]
    names += ["Vidéos", "Déchets"]
    chart = replace(CHART, series=tuple(Series(name, (1.0, 2.0, 3.0)) for name in names))

    root = parsed(line_chart(chart))

    legend = [t for t in root.findall(f"{SVG}text") if t.text in names]
    rows = sorted({float(t.get("y")) for t in legend})
    assert [t.text for t in legend] == names  # in order, each named once
    assert len(rows) >= 2 and rows[1] - rows[0] == LEGEND_ROW
    assert all(float(t.get("x")) + 8 * len(t.text) <= WIDTH for t in legend)  # none cut off
    extra = LEGEND_ROW * (len(rows) - 1)
    assert root.get("viewBox") == f"0 0 {WIDTH} {HEIGHT + extra}"
    assert root.find(f"{SVG}g").get("transform") == f"translate(0 {extra})"
    lines = drawn(root, "polyline")
    styles = {(line.get("stroke"), line.get("stroke-dasharray")) for line in lines}
    assert len(styles) == len(names)  # eight lines, eight looks


def test_every_colour_has_at_least_3_to_1_contrast_with_white() -> None:
    assert all(contrast(colour) >= 4.5 for colour, _, _ in STYLES)  # even text's 4.5:1
    assert contrast(INK) >= 4.5 and contrast(GRID) >= 3


def test_the_numbers_table_has_a_caption_and_headers_with_scope() -> None:
    table = data_table(CHART)

    assert "<caption>Abonnés par canal</caption>" in table
    assert (
        '<thead><tr><th scope="col">Jour</th><th scope="col">Telegram</th>'
        '<th scope="col">E-mail</th></tr></thead>' in table
    )
    assert '<tr><th scope="row">24/11</th><td>2</td><td>1</td></tr>' in table
    assert '<tr><th scope="row">25/11</th><td>3</td><td>—</td></tr>' in table


def test_a_figure_is_the_plot_then_its_table_in_details() -> None:
    html = figure(CHART, "bar")

    assert html.startswith('<figure class="plot" id="abonnes">\n<svg')
    assert "<summary>Les chiffres : Abonnés par canal</summary>" in html
    assert html.index("</svg>") < html.index("<details>") < html.index("<table")
    assert html.endswith("</figure>")


def test_many_days_show_a_few_labels_and_the_table_all_of_them() -> None:
    days = tuple(f"{d:02d}/11" for d in range(1, 31))
    chart = Chart("jours", "Messages", "Par jour.", days, (Series("Site web", tuple(range(30))),))

    labels = [t.text for t in parsed(bar_chart(chart)).iter(f"{SVG}text")]

    assert "01/11" in labels and "30/11" in labels and "02/11" not in labels
    assert "29" not in labels  # no value over each of 30 bars: the table has them
    assert data_table(chart).count('<th scope="row">') == 30


@pytest.mark.parametrize(
    ("value", "percent", "text"),
    [
        (0, False, "0"),
        (1234, False, "1\u202f234"),
        (2.5, False, "2,5"),
        (0.125, True, "12,5\u00a0%"),
        (None, True, "—"),
    ],
)
def test_numbers_are_written_the_french_way(value, percent: bool, text: str) -> None:
    assert number(value, percent) == text


@pytest.mark.parametrize(
    ("values", "percent", "axis"),
    [
        ([], False, (1, 1)),
        ([0, 0], False, (1, 1)),
        ([3], False, (3, 1)),  # whole numbers of people: no 0,75 gridline
        ([5], False, (6, 2)),
        ([12], False, (15, 5)),
        ([100], False, (100, 50)),
        ([7, 51], False, (60, 20)),
        ([1234], False, (1500, 500)),
        ([0.2], True, (1.0, 0.25)),
    ],
)
def test_the_axis_has_round_whole_steps(values, percent: bool, axis: tuple[float, float]) -> None:
    assert scale(values, percent) == axis


def test_the_gridlines_are_labelled_with_their_values() -> None:
    labels = [t.text for t in parsed(line_chart(CHART)).iter(f"{SVG}text")]

    assert labels[:4] == ["0", "1", "2", "3"]


def test_text_is_escaped() -> None:
    chart = Chart("x", "A < B & C", "d'un « thème »", ("<b>",), (Series("<i>", (1,)),))

    svg = line_chart(chart)

    assert '<title id="x-title">A &lt; B &amp; C</title>' in svg
    assert "<b>" not in svg and "<i>" not in svg
    assert re.search(r"&lt;b&gt;", data_table(chart))
