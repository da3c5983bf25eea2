"""The readable agreement report written without rich is the bytes rich writes to a non-terminal output."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from rich.console import Console

from purer_tui.agreement import report
from tests.agreement.test_study_agreement import measured, small_study


@pytest.mark.parametrize("seed", range(3))
def test_the_agreement_report_matches_rich(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    codes = ["p", "s1", "s2", "[]"]
    coding = {
        coder: {turn: rng.sample(codes[:3], rng.randint(0, 2)) for turn in range(1, 4)}
        for coder in ["ana", "ben", "cy"][: rng.choice([2, 2, 3])]
    }
    result = measured(small_study(tmp_path / "s", coding))
    assert widths_written_as_rich(report._report_parts(result), [20, 40, 60, 80, 100, 140, 200], monkeypatch) >= 3


def widths_written_as_rich(parts: list[object], widths: list[int], monkeypatch: pytest.MonkeyPatch) -> int:
    """At how many of these widths the report is written without rich; each time, its bytes must be rich's."""
    handled = 0
    for width in widths:
        monkeypatch.setenv("COLUMNS", str(width))
        out = io.StringIO()
        report._rich_report(parts, Console(file=out, width=width, force_terminal=False, legacy_windows=False))  # type: ignore[arg-type]
        mine = report._plain_report(parts)  # type: ignore[arg-type]
        if mine is not None:
            handled += 1
            assert mine == out.getvalue(), width
    return handled
