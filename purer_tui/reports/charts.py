"""Charts for reports, drawn by pygal as SVG: the progression of participants, moves per session, agreement.

Every chart takes plain data (labels, named series of numbers, None where there is no figure), so a report
never builds SVG by hand. The SVG is made to travel: no script (pygal's tooltips load one from the web,
and its inline configuration is dropped too), no comment carrying the day it was drawn, and an id chosen
by the caller instead of a random one, so the same study gives the same file. Labels are untrusted (code
labels, participants, commit subjects): characters XML cannot carry are shown as placeholders, and pygal
escapes the rest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from purer_tui.core.safe_text import excerpt

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

#: Told apart in colour by people with any common colour blindness (Okabe & Ito), then in grey by dashes.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
DASHES = ("", "6, 4", "2, 3", "8, 3, 2, 3")
#: Krippendorff's thresholds: tentative conclusions from 0.667, reliable from 0.800.
THRESHOLDS = (0.667, 0.8)
LABEL_CHARACTERS = 24
#: Every chart's width; its height is in its viewBox (`chart_height`).
WIDTH = 760
#: Characters XML 1.0 cannot carry besides the control characters `visible_control_codes` replaces.
_NOT_XML = re.compile("[\ufffe\uffff]")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    colour: str | None = None
    #: A 95% interval per value (None: none), drawn as a whisker on bar charts.
    intervals: Sequence[tuple[float, float] | None] | None = None


def label(text: str, characters: int = LABEL_CHARACTERS) -> str:
    """Untrusted text as a chart label: one line, shortened, nothing XML cannot hold."""
    # excerpt already shows control and bidirectional-formatting characters as placeholders
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", excerpt(text, characters))


def line_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    thresholds: Sequence[float] = THRESHOLDS,
) -> str:
    """Figures from 1 down to below the lowest (at most 0), one point per label and one line per series,
    dashed lines at the thresholds: agreement per commit or per round."""
    import pygal

    values = [value for line in series for value in line.values if value is not None]
    low = _axis_floor(values)
    shown = [threshold for threshold in thresholds if low <= threshold <= 1] if values else []
    colours = [line.colour or _colour(number) for number, line in enumerate(series)] + ["#999999"] * len(shown)
    chart = pygal.Line(
        _config(title, len(labels), colours),
        range=(low, 1.0),
        allow_interruptions=True,
        x_label_rotation=35 if len(labels) > 6 else 0,
        show_minor_x_labels=len(labels) <= 25,
        x_labels_major_count=25,
        y_labels=_fifths(low),
        value_formatter=lambda value: f"{value:.3f}",
    )
    chart.x_labels = [label(text, 20) for text in labels]
    for number, line in enumerate(series):
        chart.add(label(line.name), list(line.values), stroke_style=_stroke(number, 2))
    for threshold in shown:
        chart.add(
            f"{threshold:.3f}",
            [threshold] * len(labels),
            show_dots=False,
            stroke_style={"width": 1, "dasharray": "3, 3"},
        )
    return render(chart, chart_id, values)


def stage_chart(
    chart_id: str,
    title: str,
    sessions: Sequence[str],
    stages: Sequence[str],
    lines: Sequence[Series],
    also_seen: Sequence[tuple[int, int]] = (),
    joined: bool = True,
) -> str:
    """Stages (ordered, bottom to top) across sessions, one line per participant through the furthest stage
    seen in each session; `also_seen` marks (session index, stage index) where an earlier stage was seen too.
    Not `joined` (columns that are transcripts, not sessions), each point stands alone.

    Each participant's line is moved up or down a little, so people at the same stage stay apart."""
    import pygal

    count = len(lines)
    names = [label(name, 16) for name in stages]
    colours = [line.colour or _colour(number) for number, line in enumerate(lines)] + ["#777777"]
    chart = pygal.XY(
        _config(title, len(sessions), colours),
        range=(0.5, len(stages) + 0.5),
        xrange=(0.5, len(sessions) + 0.5),
        allow_interruptions=True,
        show_x_guides=False,
        x_labels=[{"label": label(name, 16), "value": index + 1} for index, name in enumerate(sessions)],
        y_labels=[{"label": name, "value": index + 1} for index, name in enumerate(names)],
        x_label_rotation=35 if len(sessions) > 8 else 0,
        value_formatter=lambda value: names[min(len(names), max(1, round(value))) - 1] if names else "",
    )
    for number, line in enumerate(lines):
        offset = 0.0 if count == 1 else 0.3 * (number / (count - 1) - 0.5)
        chart.add(
            label(line.name),
            [(index + 1, None if value is None else value + 1 + offset) for index, value in enumerate(line.values)],
            stroke_style=_stroke(number // len(PALETTE), 3),
            stroke=joined,
            dots_size=4,
        )
    if also_seen:
        chart.add(
            "earlier stage also seen",
            [(session + 1, stage + 1) for session, stage in also_seen],
            stroke=False,
            dots_size=2,
        )
    return render(chart, chart_id, [1.0] if any(v is not None for line in lines for v in line.values) else [])


def stacked_bars(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """Counts per label, one stacked segment per series: a session's moves, each move in its colour."""
    import pygal

    totals = [sum(bars.values[index] or 0 for bars in series) for index in range(len(labels))]
    highest = max(totals, default=0)
    step = max(1, math.ceil(highest / 10))  # counts: whole numbers on the axis, ten steps at most
    chart = pygal.StackedBar(
        _config(title, len(labels), [bars.colour or _colour(number) for number, bars in enumerate(series)]),
        y_labels=list(range(0, math.ceil(highest / step) * step + 1, step)),
        range=(0, max(1, math.ceil(highest / step) * step)),
        x_label_rotation=35 if len(labels) > 8 else 0,
        value_formatter=lambda value: f"{value:.0f}",
        print_values=False,
    )
    chart.x_labels = [label(text, 16) for text in labels]
    for bars in series:
        chart.add(label(bars.name), [value or None for value in bars.values])
    return render(chart, chart_id, [v for bars in series for v in bars.values if v])


def interval_bars(chart_id: str, title: str, labels: Sequence[str], bars: Series) -> str:
    """One horizontal bar per label with its 95% interval as a whisker (alpha per code), from 1 down to below
    the lowest figure or interval (at most 0), lines at the thresholds."""
    import pygal

    values = [value for value in bars.values if value is not None]
    ends = [end for interval in bars.intervals or () if interval for end in interval]
    low = _axis_floor(values + ends)
    chart = pygal.HorizontalBar(
        _config(title, len(labels), [bars.colour or PALETTE[0]], height=max(240, 120 + 26 * len(labels))),
        range=(low, 1.0),
        show_legend=False,
        truncate_label=40,
        value_formatter=lambda value: f"{value:.3f}",
        y_labels=_fifths(low),
    )
    # Horizontal bars list the first label at the bottom: reversed, the table's order reads top down.
    chart.x_labels = [label(text, 40) for text in reversed(labels)]
    intervals = list(bars.intervals or [None] * len(bars.values))
    points: list[Any] = []
    for value, interval in zip(reversed(bars.values), reversed(intervals), strict=True):
        if value is None:
            points.append(None)
        elif interval is None:
            points.append(value)
        else:
            points.append({"value": value, "ci": {"low": interval[0], "high": interval[1]}})
    chart.add(label(bars.name), points)
    return render(chart, chart_id, values)


def _colour(number: int) -> str:
    return PALETTE[number % len(PALETTE)]


def _stroke(number: int, width: int) -> dict[str, object]:
    return {"width": width, "dasharray": DASHES[number % len(DASHES)]}


def _axis_floor(values: Sequence[float]) -> float:
    """0, or the fifth below the lowest figure when one is negative."""
    return min(0.0, math.floor(min(values, default=0.0) * 5) / 5)


def _fifths(low: float) -> list[dict[str, object]]:
    """Axis labels every 0.2 from `low` to 1, written with one decimal."""
    steps = round((1 - low) * 5)
    return [{"label": f"{low + step / 5:.1f}", "value": low + step / 5} for step in range(steps + 1)]


def _config(title: str, labels: int, colours: Sequence[str] = PALETTE, height: int = 380) -> Any:
    import pygal
    from pygal.style import Style

    style = Style(
        background="white",
        plot_background="white",
        foreground="#333333",
        foreground_strong="#111111",
        foreground_subtle="#dddddd",
        font_family="sans-serif",
        title_font_size=15,
        legend_font_size=12,
        label_font_size=11,
        major_label_font_size=11,
        no_data_font_size=14,
        opacity="1",
        opacity_hover="1",
        transition="0ms",
        colors=tuple(colours) or PALETTE,
        guide_stroke_color="#e4e4e4",
        guide_stroke_dasharray="0",
        major_guide_stroke_color="#d0d0d0",
        major_guide_stroke_dasharray="0",
    )
    config = pygal.Config()
    config.style = style
    config.title = label(title, 90)
    config.width = WIDTH
    config.height = height
    config.js = []  # pygal's default loads its tooltip script from the web
    config.disable_xml_declaration = True  # the SVG goes inside an HTML page as well as into a file
    config.legend_at_bottom = True
    config.legend_at_bottom_columns = 4
    config.truncate_legend = LABEL_CHARACTERS
    config.truncate_label = LABEL_CHARACTERS
    config.no_data_text = "no figure could be computed"
    config.explicit_size = True  # a saved SVG file opens at its size; in a page, the style scales it
    config.margin_right = 40  # the last label on the x axis is centred on the last point
    return config


def render(chart: Any, chart_id: str, values: Sequence[float]) -> str:
    """The chart's SVG with no script or comment, under the id `chart-<chart_id>` (its style is scoped to it)."""
    from pygal.etree import etree

    # The standard library's XML writer, even where lxml is installed: the same SVG on every machine.
    etree.to_etree()
    chart.uuid = re.sub(r"[^a-z0-9-]", "-", chart_id.lower())
    chart.xml_filters.append(_without_scripts)
    if not values:
        chart.config.show_legend = False
    if not chart.raw_series:
        chart.add("", [])  # pygal cannot draw a chart of no series; of an empty one it says there is no figure
    svg: str = chart.render(is_unicode=True)
    return svg + "\n"


def _without_scripts(root: Element) -> Element:
    for parent in list(root.iter()):
        for child in list(parent):
            # pygal's configuration script (its tooltips are off) and comments (one carries today's date).
            if not isinstance(child.tag, str) or child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return root


def chart_height(svg: str) -> int:
    """A chart's height, from its viewBox."""
    found = re.search(r'viewBox="0 0 \d+ (\d+)"', svg)
    return int(found.group(1)) if found else 380
