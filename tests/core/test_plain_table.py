"""The plain renderer writes exactly what rich writes to a non-terminal console, wherever it says it can."""

from __future__ import annotations

import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from purer_tui.core.plain_table import (
    PlainTable,
    _char_width,
    _one_cell_breaks,
    _one_cell_each,
    _word_breaks,
    column_widths,
    plain_width,
    table_lines,
    text_lines,
)

PIECES = [
    "a",
    "code",
    "stage-2",
    "Ana",
    "ben",
    "x",
    "12",
    "0.83",
    "n/a",
    "100%",
    "—",
    "…",
    "κ",
    "α (MASI)",
    "é",
    "e\u0301",
    "n\u0303o",
    "Straße",
    "Ωμέγα",
    "кириллица",
    "日本語",
    "中文字",
    "한국어",
    "ｆｕｌｌ",
    "a\u0300\u0301",
    "\u0301",
    "ä",
    "supercalifragilisticexpialidocious",
    "日本語日本語日本語日本語日本語",
    "␛x",
    "⌚",
    "→",
    "",
    " ",
    "  ",
    "-",
    "(dim)",
    "␛",
    "<U+202E>",
    "\U00020000",
    "ab\u3000cd",
]


def _phrase(rng: random.Random, words: int) -> str:
    return "".join(rng.choice(PIECES) + rng.choice(["", " ", " ", "  "]) for _ in range(words))


def _rich(width: int) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, force_terminal=False, legacy_windows=False, _environ={}), out


def _rich_table(spec: PlainTable) -> Table:
    if spec.boxed:
        table = Table(title=Text(spec.title, style="bold"), title_justify="left")
    else:
        table = Table(title=Text(spec.title, style="dim"), title_justify="left", box=None, padding=(0, 1))
    for header, justify in zip(spec.headers, spec.justify, strict=True):
        table.add_column(Text(header), justify=justify)  # type: ignore[arg-type]
    for row in spec.rows:
        table.add_row(*[Text(cell, style=random.choice(["", "bold", "green", "dim"])) for cell in row])
    return table


def test_every_character_measured_here_has_the_width_rich_gives_it() -> None:
    measured = 0
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000:
            continue
        width = _char_width(chr(code))
        if width is not None:
            measured += 1
            assert width == cell_len(chr(code)), hex(code)
    assert measured > 100_000


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_are_written_byte_for_byte_as_rich_writes_them(seed: int) -> None:
    rng = random.Random(seed)
    handled = 0
    for _ in range(200):
        columns = rng.randint(1, 5)
        width = rng.choice([rng.randint(4, 60), rng.randint(60, 200), rng.randint(60, 200)])
        spec = PlainTable(
            title=_phrase(rng, rng.choice([0, 1, 3, 12, 30])),
            headers=[_phrase(rng, rng.randint(0, 2)) for _ in range(columns)],
            justify=["left", *(rng.choice(["right", "right", "left"]) for _ in range(columns - 1))],
            rows=[[_phrase(rng, rng.randint(0, 2)) for _ in range(columns)] for _ in range(rng.randint(0, 6))],
            boxed=rng.random() < 0.7,
        )
        handled += _written_as_rich_writes_it(spec, width)
    assert handled > 50  # most tables fit: the comparison is not vacuous


def _written_as_rich_writes_it(spec: PlainTable, width: int) -> bool:
    """Whether the plain renderer takes the table at this width; when it does, its bytes must be rich's."""
    console, out = _rich(width)
    console.print(_rich_table(spec))
    mine = table_lines(spec, width)
    if mine is not None:
        assert mine == out.getvalue(), (spec, width)
    return mine is not None


@pytest.mark.parametrize("seed", range(4))
def test_random_tables_wider_than_the_width_are_narrowed_as_rich_narrows_them(seed: int) -> None:
    """Many columns, long words and long headings: rich narrows the widest columns, then all evenly,
    wraps cells at spaces and cuts words too long with an ellipsis; columns may end up with no room."""
    rng = random.Random(1000 + seed)
    handled = narrowed = 0
    for _ in range(100):
        columns = rng.choice([rng.randint(2, 8), rng.randint(8, 30)])
        width = rng.randint(20, 200)
        long = ["grp1-s01", "Metacognitive awareness", "x" * rng.randint(10, 60), "日本語" * rng.randint(1, 8)]

        def cell(words: int, long: list[str] = long) -> str:
            return " ".join(rng.choice(long) if rng.random() < 0.4 else _phrase(rng, 1).strip() for _ in range(words))

        spec = PlainTable(
            title=_phrase(rng, rng.choice([0, 2, 20])),
            headers=[cell(rng.randint(0, 4)) for _ in range(columns)],
            justify=["left", *(rng.choice(["right", "right", "left"]) for _ in range(columns - 1))],
            rows=[[cell(rng.randint(0, 5)) for _ in range(columns)] for _ in range(rng.randint(0, 5))],
            boxed=rng.random() < 0.8,
        )
        if _written_as_rich_writes_it(spec, width):
            handled += 1
            natural = sum(max(cell_len(row[i]) for row in [spec.headers, *spec.rows]) + 3 for i in range(columns))
            narrowed += natural + 1 > width
    assert handled > 80
    assert narrowed > 40  # most of them had to be narrowed: the comparison exercises it


def test_column_widths_narrow_the_widest_first_then_evenly() -> None:
    assert column_widths([10, 3, 5], 40) == [12, 5, 7]  # fits: natural widths
    assert column_widths([30, 3, 20], 40) == [18, 5, 17]  # the widest brought down towards the next
    assert column_widths([30, 30, 3], 40) == [18, 17, 5]
    assert column_widths([8] * 10, 40) == [4] * 10  # all equal: an even share off each
    assert sum(column_widths([20] * 30, 40)) <= 40


@pytest.mark.parametrize("seed", range(4))
def test_random_lines_are_wrapped_byte_for_byte_as_rich_wraps_them(seed: int) -> None:
    rng = random.Random(100 + seed)
    handled = 0
    for _ in range(300):
        width = rng.randint(4, 120)
        text = "\n".join(_phrase(rng, rng.randint(0, 40)) for _ in range(rng.choice([1, 1, 2, 3])))
        console, out = _rich(width)
        console.print(Text(text, style=rng.choice(["", "dim", "bold"])))
        mine = text_lines(text, width)
        if mine is not None:
            handled += 1
            assert mine == out.getvalue(), (text, width)
    assert handled > 250


def test_a_table_with_a_tab_or_squeezed_to_nothing_is_left_to_rich() -> None:
    assert table_lines(PlainTable("t", ["a"] * 40, ["left"] * 40, []), 30) is None  # wider than the width
    assert table_lines(PlainTable("t", ["a"], ["left"], [["x\ty"]]), 80) is None
    assert text_lines("a\tb", 80) is None
    assert text_lines("a\U0001f600", 80) is None  # an emoji: widths differ between Unicode versions


def test_only_a_plain_utf8_non_terminal_output_is_written_here(monkeypatch: pytest.MonkeyPatch) -> None:
    class Out(io.StringIO):
        encoding = "utf-8"
        tty = False

        def isatty(self) -> bool:
            return self.tty

    out = Out()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setenv("COLUMNS", "93")
    assert plain_width() == 93
    out.tty = True
    assert plain_width() is None
    out.tty = False
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert plain_width() is None
    monkeypatch.delenv("FORCE_COLOR")
    Out.encoding = "latin-1"
    assert plain_width() is None


@settings(max_examples=600, deadline=None, derandomize=True)
@given(
    words=st.lists(
        st.tuples(st.text(alphabet="ab.-'!\u201c\u00e9", min_size=1, max_size=14), st.integers(1, 3)), max_size=30
    ),
    leading=st.integers(0, 6),
    width=st.integers(4, 30),
)
def test_lines_of_one_cell_characters_are_broken_a_line_at_a_time_where_the_word_rules_break_them(
    words: list[tuple[str, int]], leading: int, width: int
) -> None:
    """The fast path for lines of one-cell characters gives the breaks of the word-by-word rules (which the tests above
    hold to rich), or leaves the line to them."""
    line = " " * leading + "".join(word + " " * spaces for word, spaces in words)
    assert _one_cell_each(line)
    fast = _one_cell_breaks(line, width)
    if fast is not None:
        assert fast == _word_breaks(line, width, fold=True) == _word_breaks(line, width, fold=False)


def test_a_line_with_a_wide_character_a_mark_or_another_space_is_broken_word_by_word() -> None:
    assert _one_cell_each("“quoted” café")
    for line in ("漢字 word", "cafe\u0301 x", "no\u00a0break space", "a\u2003b"):
        assert not _one_cell_each(line)
