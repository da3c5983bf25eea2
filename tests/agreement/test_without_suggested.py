"""Agreement with and without the codes a coder applied by accepting a suggestion."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import cli


def _mark_suggested(path: Path, every: int) -> int:
    """Mark every `every`-th coded line's codes as applied from a suggestion (a line of two codes: its first only);
    returns how many codes were marked."""
    lines, marked = [], 0
    for number, line in enumerate(path.read_text().splitlines()):
        data = json.loads(line)
        if data["codes"] and number % every == 0:
            data["suggested"] = data["codes"][:1]
            marked += 1
        lines.append(json.dumps(data, sort_keys=True, separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n")
    return marked


def _take_suggested_off(path: Path) -> None:
    """What `--without-suggested` means, done to the file: the marked codes off; a line whose every code was
    marked gone (the turn is no decision of the coder's then)."""
    lines = []
    for line in path.read_text().splitlines():
        data = json.loads(line)
        marked = data.pop("suggested", [])
        if marked and not set(data["codes"]) - set(marked):
            continue
        data["codes"] = [code for code in data["codes"] if code not in marked]
        lines.append(json.dumps(data, sort_keys=True, separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n")


def test_without_suggested_equals_agreement_on_files_with_those_codes_taken_off(
    demo_study: Path, tmp_path: Path
) -> None:
    marked = sum(_mark_suggested(path, 3) for path in sorted((demo_study / "transcripts").glob("*.ben.jsonl")))
    assert marked > 0
    status, with_them, _ = cli("agree", str(demo_study), "--json")
    assert status == 0 and json.loads(with_them)["suggested"] == {"ben": marked}
    status, without, _ = cli("agree", str(demo_study), "--json", "--without-suggested")
    assert status == 0

    by_hand = tmp_path / "by-hand"
    shutil.copytree(demo_study, by_hand)
    for path in by_hand.glob("transcripts/*.ben.jsonl"):
        _take_suggested_off(path)
    _, expected, _ = cli("agree", str(by_hand), "--json")
    figures, reference = json.loads(without), json.loads(expected)
    assert figures.pop("without_suggested") is True and figures.pop("suggested") == {"ben": marked}
    assert reference.pop("without_suggested") is False and reference.pop("suggested") == {}
    assert figures == reference
    assert json.loads(with_them)["codes"] != figures["codes"]  # the marks changed something


def test_the_readable_report_says_how_many_codes_came_from_suggestions(demo_study: Path) -> None:
    marked = _mark_suggested(demo_study / "transcripts" / "grp1-s01.ana.jsonl", 2)
    _, out, _ = cli("agree", str(demo_study))
    assert f"Codes applied from a suggestion: {marked} by ana (agree --without-suggested" in out
    _, out, _ = cli("agree", str(demo_study), "--without-suggested")
    assert f"Codes applied from a suggestion are left out ({marked} by ana)" in out
    status, _, err = cli("agree", str(demo_study), "--history", "--without-suggested")
    assert status != 0 and "--without-suggested goes with agree or agree --at" in err
