"""Readable tables and lines written as plain text, without importing rich.

Reports print their tables with rich on a terminal. When the output is not a terminal (a pipe, a file, a
test), rich writes no colour, and for the simple cases our reports have, the bytes it writes follow a few
plain rules: a heavy-headed box, one space of padding in each cell, a title wrapped to the table's width
and padded to it, lines wrapped at the console's width. This module writes those same bytes itself, which
spares a small report importing rich and laying its tables out (most of the time such a report takes).

It only says it can when it can be exact: `plain_width()` is None unless the output is a non-terminal,
UTF-8 stream with no setting that changes what rich writes, and the renderers return None for anything
outside the cases handled (a table too wide for the width, tabs, characters whose width rich may see
differently, ...). Callers then use rich as before. A test renders many varied tables both ways and
compares the bytes.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

#: Settings that change what rich writes (colour forced, a terminal declared, another Unicode width table).
_RICH_SETTINGS = ("FORCE_COLOR", "TTY_COMPATIBLE", "UNICODE_VERSION", "JUPYTER_COLUMNS", "JUPYTER_LINES")

#: Characters rich measures in ways of its own (variation selectors, joiners) are never measured here.
_SPECIAL = re.compile("[\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\U000e0000-\U000e01ef]")
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


def plain_width() -> int | None:
    """The width rich would use for standard output when it is not a terminal, or None when rich should
    write the output itself (a terminal, colour forced, a non-UTF-8 stream, Windows, ...)."""
    if sys.platform == "win32" or any(name in os.environ for name in _RICH_SETTINGS):
        return None
    out = sys.stdout
    try:
        if out is None or out.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    if not (getattr(out, "encoding", None) or "utf-8").lower().startswith("utf"):
        return None
    if "idlelib" in sys.modules:
        return None
    columns = os.environ.get("COLUMNS")
    width = int(columns) if columns is not None and columns.isdigit() else None
    if width is None:
        for descriptor in (0, 1, 2):
            try:
                width = os.get_terminal_size(descriptor).columns
            except (AttributeError, ValueError, OSError):
                continue
            break
        width = width or 80
    return width if width >= 4 else None


@lru_cache(maxsize=4096)
def _char_width(character: str) -> int | None:
    """Cells one character takes (0, 1 or 2), or None when it is not one this module measures."""
    code = ord(character)
    if 0x20 <= code < 0x7F:
        return 1
    if code < 0xA0 or _SPECIAL.match(character) or (code > 0xFFFF and not 0x20000 <= code <= 0x3FFFD):
        return None  # beyond the BMP only CJK ideographs: elsewhere widths changed between Unicode versions
    category = unicodedata.category(character)
    if category in ("Mn", "Me"):
        return 0
    if category[0] == "C" or category in ("Mc", "Zl", "Zp") or (category == "So" and code >= 0x2600):
        return None  # from U+2600 on, symbols include emoji, whose widths changed between Unicode versions
    if 0x1100 <= code <= 0x11FF or 0xD7B0 <= code <= 0xD7FF or 0x3164 == code or 0xFFA0 == code:
        return None  # Hangul jamo: joined into syllables
    if unicodedata.east_asian_width(character) in ("W", "F"):
        return 2
    return 1


def cell_width(text: str) -> int | None:
    """Cells a line of text takes, or None if it holds a character not measured here (or a tab or newline)."""
    if text.isascii():
        return len(text) if text.isprintable() else None
    total = 0
    for character in text:
        width = _char_width(character)
        if width is None:
            return None
        total += width
    return total


def _chop(word: str, width: int) -> list[str]:
    """A word longer than the width, folded into lines of at most `width` cells (marks stay with their letter)."""
    lines: list[str] = []
    size = 0
    start = 0
    for index, character in enumerate(word):
        cells = _char_width(character) or 0
        if not cells:
            continue
        if size + cells > width:
            lines.append(word[start:index])
            start = index
            size = 0
        size += cells
    if size:
        lines.append(word[start:])
    return lines


def _width(text: str) -> int:
    return sum(_char_width(character) or 0 for character in text)


def _wrap_line(line: str, width: int) -> list[str]:
    """One line of text divided at spaces to fit `width` cells (long words folded), as rich divides it."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(line):
        start, word = match.start(), match.group()
        length = _width(word.rstrip())
        if width - offset >= length:
            offset += _width(word)
        elif length > width:
            pieces = _chop(word, width)
            for number, piece in enumerate(pieces):
                if start:
                    breaks.append(start)
                if number == len(pieces) - 1:
                    offset = _width(piece)
                else:
                    start += len(piece)
        elif offset and start:
            breaks.append(start)
            offset = _width(word)
    bounds = [0, *breaks, len(line)]
    lines = []
    for begin, end in zip(bounds, bounds[1:], strict=False):
        piece = line[begin:end]
        if len(piece) > width:  # trailing space beyond the width goes (counted in characters, as rich does)
            space = _TRAILING_SPACE.search(piece)
            if space is not None:
                piece = piece[: len(piece) - min(len(space.group()), len(piece) - width)]
        lines.append(piece)
    return lines


def _crop(text: str, width: int) -> str:
    """The first `width` cells of a line; a wide character cut in half becomes a space."""
    size = 0
    for index, character in enumerate(text):
        cells = _char_width(character) or 0
        if size + cells > width:
            return text[:index] + " " * (width - size)
        size += cells
    return text


def wrapped(text: str, width: int, pad: bool = False) -> list[str] | None:
    """`text` as rich prints it at `width`: lines divided at spaces, padded to the width when `pad`
    (a left-justified title). None if the text holds anything not handled here."""
    lines: list[str] = []
    for line in text.split("\n"):
        if cell_width(line) is None:
            return None
        for piece in _wrap_line(line, width):
            size = _width(piece)
            if size > width:
                piece, size = _crop(piece, width), width
            lines.append(piece + " " * (width - size) if pad else piece)
    return lines


def text_lines(text: str, width: int) -> str | None:
    """What printing `text` (plain, no markup) writes at `width`, or None if not handled here."""
    lines = wrapped(text, width)
    return None if lines is None else "".join(line + "\n" for line in lines)


@dataclass
class PlainTable:
    """A table as our reports make it: `justify` is "left" or "right" per column; boxed is rich's default
    heavy-headed box with edges, unboxed is no box at all (one space either side of every cell)."""

    title: str
    headers: Sequence[str]
    justify: Sequence[str]
    rows: Sequence[Sequence[str]]
    boxed: bool = True


def table_lines(table: PlainTable, width: int) -> str | None:
    """What printing `table` with rich writes at `width`, or None when this module cannot say exactly
    (too wide, so rich would wrap cells; multi-line cells; characters not measured here)."""
    columns = len(table.headers)
    if not columns or any(len(row) != columns for row in table.rows):
        return None
    grid = [list(table.headers), *(list(row) for row in table.rows)]
    sizes: list[list[int]] = []
    for row in grid:
        measured = []
        for cell in row:
            size = None if "\n" in cell else cell_width(cell)
            if size is None:
                return None
            measured.append(size)
        sizes.append(measured)
    inner = [max(row[index] for row in sizes) for index in range(columns)]
    extra = columns + 1 if table.boxed else 0
    if sum(inner) + 2 * columns + extra > width:
        return None
    table_width = sum(inner) + 2 * columns + extra
    out: list[str] = []
    if table.title:
        title = wrapped(table.title, table_width, pad=True)
        if title is None:
            return None
        out.extend(title)

    def line(cells: list[str], measured: list[int], vertical: str, edges: tuple[str, str]) -> str:
        shown = []
        for index, (cell, size) in enumerate(zip(cells, measured, strict=True)):
            room = inner[index]
            if table.justify[index] == "right":
                text = cell.rstrip()
                shown.append(" " + " " * (room - _width(text)) + text + " ")
            else:
                if len(cell) > room:
                    space = _TRAILING_SPACE.search(cell)
                    if space is not None:
                        cell = cell[: len(cell) - min(len(space.group()), len(cell) - room)]
                        size = _width(cell)
                shown.append(" " + cell + " " * (room - size) + " ")
        return edges[0] + vertical.join(shown) + edges[1]

    if table.boxed:
        out.append("┏" + "┳".join("━" * (size + 2) for size in inner) + "┓")
        out.append(line(grid[0], sizes[0], "┃", ("┃", "┃")))
        out.append("┡" + "╇".join("━" * (size + 2) for size in inner) + "┩")
        out.extend(line(row, measured, "│", ("│", "│")) for row, measured in zip(grid[1:], sizes[1:], strict=True))
        out.append("└" + "┴".join("─" * (size + 2) for size in inner) + "┘")
    else:
        out.extend(line(row, measured, "", ("", "")) for row, measured in zip(grid, sizes, strict=True))
    return "".join(text + "\n" for text in out)
