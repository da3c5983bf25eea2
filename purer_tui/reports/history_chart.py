"""A line chart of figures per row (agreement per commit or per round) as a small, standalone SVG.

The input is plain data (a title, one label per point, named series of
numbers, None where a figure is undefined), so another charting package can
draw the same chart from it. Labels are untrusted (commit subjects, tag
names): control characters are made visible and everything is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from purer_tui.core.safe_text import excerpt, visible_control_codes

WIDTH, HEIGHT = 760, 400
LEFT, RIGHT, TOP, BOTTOM = 100, 40, 56, 110
#: Room inside the plot, so the first and last points sit off the axes.
INSET = 12
#: Labels shown on the x axis at most (every n-th row's beyond that), and their length.
MAX_LABELS = 25
LABEL_CHARACTERS = 20  # a rotated label of this length stays within the left margin
#: Colour and dash per series: told apart in colour (blind-safe palette) and in grey.
STYLES = [("#0072B2", ""), ("#D55E00", "6 4"), ("#009E73", "2 3"), ("#CC79A7", "8 3 2 3")]
#: Krippendorff's thresholds: tentative conclusions from 0.667, reliable from 0.800.
THRESHOLDS = (0.667, 0.8)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _text(value: str, characters: int = 80) -> str:
    return escape(visible_control_codes(excerpt(value, characters)), quote=True)


def line_chart_svg(
    title: str, labels: Sequence[str], series: Sequence[Series], thresholds: Sequence[float] = THRESHOLDS
) -> str:
    """An SVG line chart: one point per label, one line per series, the y axis from below the lowest figure
    (at most 0) to 1, dashed lines at the thresholds."""
    values = [value for line in series for value in line.values if value is not None]
    low = min(0.0, math.floor(min(values, default=0.0) * 5) / 5)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(labels)

    def x(index: int) -> float:
        inner = plot_width - 2 * INSET
        return LEFT + INSET + (inner / 2 if count == 1 else inner * index / (count - 1))

    def y(value: float) -> float:
        return TOP + plot_height * (1 - (max(low, min(1.0, value)) - low) / (1 - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f"<title>{_text(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{_text(title)}</text>',
    ]
    tick = low
    while tick <= 1.0 + 1e-9:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(tick):.1f}" x2="{WIDTH - RIGHT}" y2="{y(tick):.1f}" stroke="#e4e4e4"/>'
            f'<text x="{LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#555">{tick:.1f}</text>'
        )
        tick = round(tick + 0.2, 6)
    for threshold in thresholds:
        if low <= threshold <= 1:
            parts.append(
                f'<line x1="{LEFT}" y1="{y(threshold):.1f}" x2="{WIDTH - RIGHT}" y2="{y(threshold):.1f}" '
                f'stroke="#999" stroke-dasharray="3 3"/>'
                f'<text x="{WIDTH - RIGHT}" y="{y(threshold) - 4:.1f}" text-anchor="end" fill="#777" '
                f'font-size="10">{threshold:.3f}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_height}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_height}" stroke="#333"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_height}" stroke="#333"/>'
    )
    step = max(1, math.ceil(count / MAX_LABELS))
    for index, label in enumerate(labels):
        if index % step and index != count - 1:
            continue
        lx, ly = x(index), TOP + plot_height + 14
        parts.append(
            f'<text x="{lx:.1f}" y="{ly}" text-anchor="end" transform="rotate(-35 {lx:.1f} {ly})" fill="#333">'
            f"{_text(label, LABEL_CHARACTERS)}</text>"
        )
    for number, line in enumerate(series):
        colour, dash = STYLES[number % len(STYLES)]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        run: list[str] = []
        for index, value in enumerate([*line.values, None]):
            if value is not None:
                run.append(f"{x(index):.1f},{y(value):.1f}")
                continue
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"{dashed}/>'
                )
            run = []
        for index, value in enumerate(line.values):
            if value is not None:
                parts.append(
                    f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}">'
                    f"<title>{_text(labels[index] if index < count else '')}: {_text(line.name)} {value:.3f}</title>"
                    "</circle>"
                )
        legend_x = LEFT + 160 * number
        parts.append(
            f'<line x1="{legend_x}" y1="38" x2="{legend_x + 24}" y2="38" stroke="{colour}" stroke-width="2"{dashed}/>'
            f'<text x="{legend_x + 30}" y="42">{_text(line.name, 20)}</text>'
        )
    if not values:
        parts.append(
            f'<text x="{LEFT + plot_width / 2}" y="{TOP + plot_height / 2}" text-anchor="middle" fill="#777">'
            "no figure could be computed</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
