"""Readable tables and lines written as plain text, without importing rich.

Reports print their tables with rich on a terminal. When the output is not a terminal (a pipe, a file, a
test), rich writes no colour, and for the simple cases our reports have, the bytes it writes follow a few
plain rules: a heavy-headed box, one space of padding in each cell, a table too wide narrowed column by
column (its cells then wrapped at spaces, words too long cut short with an ellipsis), a title wrapped to
the table's width and padded to it, lines wrapped at the console's width. This module writes those same
bytes itself, which spares a small report importing rich and laying its tables out (most of the time such
a report takes).

It only says it can when it can be exact: `plain_width()` is None unless the output is a non-terminal,
UTF-8 stream with no setting that changes what rich writes, and the renderers return None for anything
outside the cases handled (tabs, characters whose width rich may see differently, a table squeezed to
almost nothing, ...). Callers then use rich as before. A test renders many varied tables both ways and
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


#: Anything but printable ASCII (one cell each): what a line's width needs looking up, found at C speed.
_NOT_PLAIN_ASCII = re.compile("[^\x20-\x7e]")


def cell_width(text: str) -> int | None:
    """Cells a line of text takes, or None if it holds a character not measured here (or a tab or newline)."""
    others = _NOT_PLAIN_ASCII.findall(text)
    total = len(text) - len(others)
    for character in others:
        width = _char_width(character)
        if width is None:
            return None
        total += width
    return total


@lru_cache(maxsize=4096)
def _one_cell_not_space(character: str) -> bool:
    return _char_width(character) == 1 and not character.isspace()


def _one_cell_each(line: str) -> bool:
    """Whether every character of a line takes one cell and only " " is a space (most lines of text)."""
    return all(_one_cell_not_space(character) for character in _NOT_PLAIN_ASCII.findall(line))


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
    others = _NOT_PLAIN_ASCII.findall(text)  # most words have none: one cell per character
    return len(text) - len(others) + sum(_char_width(character) or 0 for character in others)


def _wrap_line(line: str, width: int, fold: bool = True) -> list[str]:
    """One line of text divided at spaces to fit `width` cells, as rich divides it: a word longer than the
    width is folded into pieces (`fold`, as in lines and titles) or left whole on a line of its own (as in
    table cells, where it is then cut short with an ellipsis)."""
    breaks = _one_cell_breaks(line, width) if _one_cell_each(line) else None
    return _pieces(line, _word_breaks(line, width, fold) if breaks is None else breaks, width)


def _word_breaks(line: str, width: int, fold: bool) -> list[int]:
    """Where `_wrap_line` breaks a line, word by word (any line)."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(line):
        start, word = match.start(), match.group()
        length = _width(word.rstrip())
        if width - offset >= length:
            offset += _width(word)
        elif length > width:
            if not fold:
                if start:
                    breaks.append(start)
                offset = _width(word)
                continue
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
    return breaks


def _one_cell_breaks(line: str, width: int) -> list[int] | None:
    """Where `_wrap_line` breaks a line whose characters take one cell each, with only " " for a space
    (`_one_cell_each`), found a line at a time rather than a word at a time: each line takes the words that end within
    the width, and the next starts at the first word that does not. None when a word is longer than the
    width (it is folded: left to the word-by-word rules)."""
    breaks: list[int] = []
    start, length = 0, len(line)
    while start + width < length:
        limit = start + width  # the first character beyond the width
        if line[limit] == " ":
            if not line[start:limit].strip(" "):
                return None  # spaces up to the width: the first word (with them) crosses it
            following = len(line) - len(line[limit:].lstrip(" "))
            if following == length:
                break  # only spaces after the width: they stay on this line (trimmed below)
            breaks.append(following)
            start = following
            continue
        word = line.rfind(" ", start, limit) + 1  # the word that crosses the width starts the next line
        if word <= start or not line[start:word].strip(" "):
            return None  # the line's first word crosses the width: too long for a line of its own
        breaks.append(word)
        start = word
    return breaks


def _pieces(line: str, breaks: list[int], width: int) -> list[str]:
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
    if width <= 0:
        return ""
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
    (multi-line cells, characters not measured here, a table squeezed narrower than a few cells)."""
    columns = len(table.headers)
    if not columns or any(len(row) != columns for row in table.rows):
        return None
    grid = [list(table.headers), *(list(row) for row in table.rows)]
    widest = [0] * columns
    for row in grid:
        for index, cell in enumerate(row):
            size = None if "\n" in cell else cell_width(cell)
            if size is None:
                return None
            widest[index] = max(widest[index], size)
    extra = columns + 1 if table.boxed else 0
    sizes = column_widths(widest, width - extra)
    table_width = sum(sizes) + extra
    if table_width > width or table_width < 4:
        return None
    out: list[str] = []
    if table.title:
        title = wrapped(table.title, table_width, pad=True)
        if title is None:
            return None
        out.extend(title)

    def line(cells: list[str], header: bool) -> list[str]:
        shown = [
            _cell_lines(cell, size, justify) for cell, size, justify in zip(cells, sizes, table.justify, strict=True)
        ]
        height = max(1, *(len(lines) for lines in shown))
        for lines, size in zip(shown, sizes, strict=True):
            blank = [" " * size] * (height - len(lines))
            lines[:] = blank + lines if header else lines + blank
        if table.boxed:
            rule = "┃" if header else "│"
            return [rule + rule.join(row) + rule for row in zip(*shown, strict=True)]
        return ["".join(row) for row in zip(*shown, strict=True)]

    if table.boxed:
        out.append("┏" + "┳".join("━" * size for size in sizes) + "┓")
        out.extend(line(grid[0], header=True))
        out.append("┡" + "╇".join("━" * size for size in sizes) + "┩")
        for row in grid[1:]:
            out.extend(line(row, header=False))
        out.append("└" + "┴".join("─" * size for size in sizes) + "┘")
    else:
        out.extend(line(grid[0], header=True))
        for row in grid[1:]:
            out.extend(line(row, header=False))
    return "".join(text + "\n" for text in out)


def column_widths(widest: Sequence[int], room: int) -> list[int]:
    """The width of each column, one space of padding either side included, as rich lays out a table
    whose widest cells (in cells) are `widest` in `room` cells (the width less the box's lines).

    A table that fits keeps its natural widths. One too wide is narrowed as rich narrows it: the widest
    columns are brought down together towards the next widest until the table fits (or all are equally
    wide), then every column still too wide gives up an even share of what is left over."""
    if room < 1:
        sizes = [1] * len(widest)  # rich measures nothing in no room, and then gives each column 1
    elif room < 3:
        sizes = [room] * len(widest)  # no room for text inside the padding: each column takes it all
    else:
        sizes = [min(size + 2, room) for size in widest]
    if sum(sizes) <= room:
        return sizes
    excess = sum(sizes) - room
    while excess > 0:
        largest = max(sizes)
        below = max((size for size in sizes if size != largest), default=0)
        if not largest:
            break
        sizes = _spread_cut(excess, [size == largest for size in sizes], min(excess, largest - below), sizes)
        excess = sum(sizes) - room
    if excess > 0:
        sizes = _spread_cut(excess, [size > 0 for size in sizes], None, sizes)
    return sizes


def _spread_cut(total: int, chosen: Sequence[bool], most: int | None, sizes: Sequence[int]) -> list[int]:
    """`sizes` with `total` taken off the chosen ones, left to right, each giving the rounded share left
    over the chosen not yet cut (Python's round, halves to even), at most `most` (or its own size)."""
    left = sum(chosen)
    out = []
    for size, take in zip(sizes, chosen, strict=True):
        if take and left:
            cut = min(size if most is None else most, round(total / left))
            out.append(size - cut)
            total -= cut
            left -= 1
        else:
            out.append(size)
    return out


def _cell_lines(text: str, size: int, justify: str) -> list[str]:
    """A cell's lines in a column `size` cells wide (padding included): the text divided at spaces to
    fit inside the padding, a word too long cut short with an ellipsis, justified. A column with no room
    inside its padding shows no lines at all (the row's other cells say how tall it is)."""
    inner = size - 2
    if inner < 1:
        return []
    lines = []
    for piece in _wrap_line(text, inner, fold=False):
        if justify == "right":
            piece = piece.rstrip()
        cells = _width(piece)
        if cells > inner:
            piece, cells = _crop(piece, inner - 1) + "…", inner
        room = " " * (inner - cells)
        lines.append(" " + (room + piece if justify == "right" else piece + room) + " ")
    return lines
