"""A self-contained HTML page for reports: inline style, no script, nothing fetched, printable.

The page's Content-Security-Policy allows no script and no request at all (styles and images only
inline), so even a browser that found something to fetch in it would not. Every piece of untrusted
text (codes, participants, transcript names, quotes) goes through `text`, which escapes markup and
shows control characters as placeholders.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from purer_tui.core.safe_text import visible_controls

_COLOUR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")

#: Nothing may be loaded or run: inline styles and inline (data:) images only.
CONTENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #222; background: #fff; max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #ddd; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.lead { color: #555; margin-top: 0; }
p.note, .note { color: #555; font-size: .9rem; }
nav ol { columns: 2; font-size: .95rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
td.cell { text-align: center; min-width: 3.5rem; }
.furthest { font-weight: bold; }
.swatch { display: inline-block; width: .9em; height: .9em; border: 1px solid #888; vertical-align: -0.1em;
  margin-right: .3em; }
figure { margin: .8rem 0 1.2rem; }
figure svg { width: 100%; height: auto; max-width: 760px; display: block; }
figcaption { color: #555; font-size: .9rem; }
.banner { border: 3px solid #b00020; background: #fff1f1; color: #600; padding: .6rem .9rem; font-weight: bold; }
.manual dt { font-weight: bold; margin-top: .7rem; }
.manual dd { margin-left: 1.2rem; }
.manual .key { font-family: ui-monospace, Menlo, Consolas, monospace; border: 1px solid #aaa; border-radius: 3px;
  padding: 0 .3em; }
blockquote { border-left: 4px solid #ccc; margin: .6rem 0; padding: .2rem .8rem; }
cite { color: #555; font-style: normal; font-size: .9rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  h2, h3, dt, p.lead { break-after: avoid; }
  figure, table, blockquote, dd { break-inside: avoid; }
  .banner { border-width: 2px; }
}
"""


def text(value: object) -> str:
    """Untrusted text for HTML: markup escaped, control and bidirectional-formatting characters shown."""
    return html.escape(visible_controls(str(value)), quote=True)


@dataclass(frozen=True)
class Cell:
    """A table cell: already-escaped HTML, with a class and an inline style (both from trusted code only)."""

    markup: str
    css_class: str = ""
    style: str = ""


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str = "") -> str:
    """An HTML table; plain values are escaped (numbers right-aligned), `Cell`s are written as they are."""
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption class='note'>{text(caption)}</caption>")
    if any(headers):
        parts.append("<thead><tr>" + "".join(f"<th scope='col'>{text(h)}</th>" for h in headers) + "</tr></thead>")
    parts.append("<tbody>")
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, Cell):
                attributes = (f" class='{value.css_class}'" if value.css_class else "") + (
                    f" style='{value.style}'" if value.style else ""
                )
                cells.append(f"<td{attributes}>{value.markup}</td>")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                cells.append(f"<td>{text('' if value is None else value)}</td>")
            else:
                shown = f"{value:.3f}" if isinstance(value, float) else str(value)
                cells.append(f"<td class='number'>{shown}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")
    return "\n".join(parts)


def figure(svg: str, caption: str = "") -> str:
    """A chart (trusted SVG from reports.charts) with its caption."""
    shown = f"<figcaption>{text(caption)}</figcaption>" if caption else ""
    return f"<figure>\n{svg}{shown}</figure>"


def css_colour(colour: str | None) -> str | None:
    """A codebook colour as "#rrggbb" ("#abc" written out), or None when there is none or it is not one."""
    found = _COLOUR.fullmatch(colour or "")
    if found is None:
        return None
    digits = found.group(1)
    return "#" + ("".join(digit * 2 for digit in digits) if len(digits) == 3 else digits).lower()


def swatch(colour: str | None) -> str:
    """A small square in a codebook colour, or "" without one."""
    shown = css_colour(colour)
    return f"<span class='swatch' style='background:{shown}'></span>" if shown else ""


def coloured(colour: str | None) -> str:
    """The style of a cell in a codebook colour, in black or white, whichever reads better on it ("" without)."""
    shown = css_colour(colour)
    if shown is None:
        return ""
    red, green, blue = (int(shown[index : index + 2], 16) for index in (1, 3, 5))
    ink = "#000" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "#fff"
    return f"background:{shown};color:{ink}"


def page(title: str, body: str, banner: str = "") -> str:
    """The whole document: head with the policy and the style, an optional warning banner, the body."""
    warning = f"<p class='banner' role='alert'>{banner}</p>\n" if banner else ""
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CONTENT_POLICY}\">\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        "<meta name='referrer' content='no-referrer'>\n"
        f"<title>{text(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{warning}{body}\n</body>\n</html>\n"
    )
