"""The report charts (reports/charts.py): pygal's SVG made safe to travel and the same on every run."""

from __future__ import annotations

import re
from xml.dom import minidom

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purer_tui.reports.charts import Series, interval_bars, line_chart, stacked_bars, stage_chart

HOSTILE = "\x1b[31m\x00\ufffe\ud800<script>x</script>"


def charts() -> dict[str, str]:
    return {
        "line": line_chart("h", "Agreement", ["a", "b", "c", "d", "e"], [Series("α", [0.5, None, 0.7, 0.9, -0.3])]),
        "stages": stage_chart("s", "Group 1", ["session 1", "session 2"], ["1", "2a", "2b"], [Series("P1", [0, 2])]),
        "bars": stacked_bars("m", "Moves", ["session 1", "session 2"], [Series("P", [3, 0]), Series("U", [1, 2])]),
        "intervals": interval_bars(
            "a", "Alpha", ["p", "u", "r"], Series("α", [0.8, 0.3, None], intervals=[(0.6, 0.95), None, None])
        ),
    }


@pytest.mark.parametrize("name", ["line", "stages", "bars", "intervals"])
def test_a_chart_is_svg_with_no_script_no_comment_and_nothing_to_fetch(name: str) -> None:
    svg = charts()[name]
    document = minidom.parseString(svg)
    assert document.documentElement.tagName == "svg"
    assert "<script" not in svg and "<!--" not in svg
    assert not re.search(r"(?:href|src)\s*=|url\(|@import|https?://(?!www\.w3\.org/)", svg)


def test_the_same_data_gives_the_same_bytes_and_the_id_is_the_callers() -> None:
    first, again = charts(), charts()
    assert first == again
    assert 'id="chart-h"' in first["line"] and "#chart-h " in first["line"]  # its style is scoped to it


def test_untrusted_labels_are_escaped_and_characters_xml_cannot_hold_are_shown() -> None:
    svg = line_chart("x", HOSTILE, [HOSTILE], [Series(HOSTILE, [0.5])])
    stages = stage_chart("y", HOSTILE, [HOSTILE], [HOSTILE], [Series(HOSTILE, [0])])
    for chart in (svg, stages):
        document = minidom.parseString(chart)
        assert not document.getElementsByTagName("script")
        assert "␛" in chart and "␀" in chart and "&lt;U+D800&gt;" in chart and "\x1b" not in chart
        assert "&lt;script&gt;" in chart


def test_a_line_breaks_at_a_gap_and_a_negative_figure_extends_the_axis() -> None:
    svg = charts()["line"]
    # pygal draws one path per unbroken run: a | c d e
    lines = re.findall(r'<path d="M([^"]+)" class="line reactive nofill"', svg)
    assert len(lines) == 1 + 2  # c-d-e (a alone is a dot, not a line), and the two threshold lines
    assert ">-0.4<" in svg and ">1.0<" in svg
    assert svg.count('class="dot reactive tooltip-trigger"') == 4  # a, c, d, e


def test_nothing_computable_is_said() -> None:
    svg = line_chart("n", "Agreement", ["a"], [Series("α", [None])])
    assert "no figure could be computed" in svg


def test_intervals_are_drawn_only_where_there_is_one() -> None:
    svg = charts()["intervals"]
    assert svg.count('class="ci"') == 1


def test_each_participant_is_one_line_through_the_stages_and_earlier_stages_are_dots() -> None:
    svg = stage_chart(
        "g",
        "Group",
        ["s1", "s2", "s3", "s4"],
        ["1", "2", "3"],
        [Series("P1", [0, 1, 2, 2]), Series("P2", [2, 1, None, 0])],
        [(0, 1)],
    )
    # P1 one line; P2 a line for s1-s2, broken where no stage was seen (s3), then s4 a dot on its own
    assert svg.count('class="line reactive nofill"') == 2
    assert ">earlier stage also seen<" in svg
    assert ">P1<" in svg and ">P2<" in svg


@given(st.text(max_size=40))
@settings(max_examples=60, deadline=None)
def test_any_text_in_any_label_gives_well_formed_svg(name: str) -> None:
    made = [
        line_chart("a", name, [name], [Series(name, [0.5])]),
        stage_chart("b", name, [name], [name, name], [Series(name, [1])], [(0, 0)]),
        stacked_bars("c", name, [name], [Series(name, [2])]),
        interval_bars("d", name, [name], Series(name, [0.5], intervals=[(0.1, 0.9)])),
    ]
    for svg in made:
        minidom.parseString(svg)
        assert "<script" not in svg


def test_counts_are_whole_numbers_on_the_axis() -> None:
    for values, expected in (([1, 1], ["0", "1"]), ([17, 30], [str(n) for n in range(0, 33, 3)])):
        svg = stacked_bars("m", "Moves", ["a", "b"], [Series("x", values)])
        shown = re.findall(
            r'<text x="[^"]+" y="[^"]+" class="[a-z]*">([^<]+)</text>',
            svg.split('class="axis y')[1].split('class="axis x')[0],
        )
        assert sorted(shown, key=float) == expected  # each once: no "0 0 0 1 1" from rounding fractions
