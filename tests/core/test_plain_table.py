"""The plain renderer writes exactly what rich writes to a non-terminal console, wherever it says it can."""

from __future__ import annotations

import io
import random

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from purer_tui.core.plain_table import PlainTable, _char_width, plain_width, table_lines, text_lines

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
        console, out = _rich(width)
        console.print(_rich_table(spec))
        mine = table_lines(spec, width)
        if mine is not None:
            handled += 1
            assert mine == out.getvalue(), (spec, width)
    assert handled > 50  # most tables fit: the comparison is not vacuous


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


def test_a_table_too_wide_or_with_a_tab_is_left_to_rich() -> None:
    wide = PlainTable("t", ["a", "b"], ["left", "right"], [["x" * 50, "y" * 50]])
    assert table_lines(wide, 80) is None
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
