"""The history chart: a small standalone SVG from plain numbers."""

from __future__ import annotations

import re
from xml.dom import minidom

from purer_tui.reports.history_chart import Series, line_chart_svg


def test_gaps_break_the_line_and_negative_figures_extend_the_axis() -> None:
    svg = line_chart_svg(
        "Agreement", ["a", "b", "c", "d", "e"], [Series("α", [0.5, None, 0.7, 0.9, -0.3]), Series("κ", [None] * 5)]
    )
    minidom.parseString(svg)
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(lines) == 1 and len(lines[0].split()) == 3  # c, d, e joined; a stands alone (a point, no line)
    assert svg.count("<circle") == 4
    assert ">-0.4<" in svg and ">1.0<" in svg  # the axis reaches below the lowest figure
    ys = [float(y) for y in re.findall(r'<circle cx="[^"]+" cy="([^"]+)"', svg)]
    assert ys[2] < ys[1] < ys[0] < ys[3]  # a, c, d, e: higher figures drawn higher


def test_nothing_computable_is_said() -> None:
    svg = line_chart_svg("Agreement", ["a"], [Series("α", [None])])
    minidom.parseString(svg)
    assert "no figure could be computed" in svg and "<circle" not in svg
