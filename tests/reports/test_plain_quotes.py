"""Readable quotes written without rich are the bytes rich writes to a non-terminal output."""

from __future__ import annotations

import io
import random

import pytest
from rich.console import Console

from purer_tui.reports.quotes import _plain_lines, _rich_lines

WORDS = ["I", "noticed", "my back", "日本語", "e\u0301", "Ωμέγα", "“quoted”", "x" * 50, "[dim]", ":smile:", "  ", "—"]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.choice([0, 1, 5, 30, 80])))


@pytest.mark.parametrize("seed", range(3))
def test_quotes_match_rich(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    for _ in range(20):
        lines = [
            []
            if rng.random() < 0.2
            else [(_text(rng), rng.choice(["", "bold", "dim", "cyan"])) for _ in range(rng.choice([1, 1, 4]))]
            for _ in range(rng.randint(1, 12))
        ]
        width = rng.randint(20, 200)
        monkeypatch.setenv("COLUMNS", str(width))
        monkeypatch.setattr("sys.stdout", io.StringIO())
        out = io.StringIO()
        _rich_lines(lines, Console(file=out, width=width, force_terminal=False, legacy_windows=False, _environ={}))
        assert _plain_lines(lines) == out.getvalue(), width
