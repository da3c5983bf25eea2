"""Readable report tables written without rich are the bytes rich writes to a non-terminal output."""

from __future__ import annotations

import io
import random

import pytest
from rich.console import Console

from purer_tui.reports.tables import ReportTable, StyledCell, _plain_tables, _rich_tables

WORDS = ["stage-2", "Ana", "κ", "日本語", "e\u0301", "\x1b[31m", "\u202e", "", "reframing the story", "n/a", "x" * 30]


def _cell(rng: random.Random) -> object:
    kind = rng.randrange(6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([0.0, 0.5, 1.0, 0.8333, 1.5, -2.25, 123.456])
    if kind == 2:
        return rng.randint(-5, 100_000)
    if kind == 3:
        return StyledCell(rng.choice([None, 0.75, 3, rng.choice(WORDS)]), rng.choice(["", "bold", "green", "dim red"]))
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3)))


@pytest.mark.parametrize("seed", range(4))
def test_report_tables_match_rich(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    handled = 0
    for _ in range(60):
        width = rng.randint(20, 200)
        monkeypatch.setenv("COLUMNS", str(width))
        tables = [
            ReportTable(
                " ".join(rng.choice(WORDS) for _ in range(rng.choice([1, 2, 12]))),
                [rng.choice(WORDS) or "count" for _ in range(columns)],
                [[_cell(rng) for _ in range(columns)] for _ in range(rng.randint(0, 5))],  # type: ignore[misc]
                note=rng.choice(["", "n/a: fewer than two coders " * rng.randint(1, 6)]),
            )
            for columns in [rng.choice([rng.randint(1, 5), rng.randint(5, 25)]) for _ in range(rng.randint(1, 3))]
        ]
        out = io.StringIO()
        _rich_tables(tables, Console(file=out, width=width, force_terminal=False, legacy_windows=False, _environ={}))
        mine = _plain_tables(tables)
        if mine is not None:
            handled += 1
            assert mine == out.getvalue()
    assert handled > 20
