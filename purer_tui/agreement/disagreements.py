"""Turns where coders differ: what to discuss, and what adjudication steps through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.coded_units import Unit, collect_units
from purer_tui.core.transcript import Transcript, Turn, load_transcript


@dataclass(frozen=True)
class Disagreement:
    transcript: Path
    turn: Turn | None  # None when the transcript no longer has the turn
    number: int
    codes: dict[str, frozenset[str]]  # coder -> codes, for the coders who decided the turn


def differs(unit: Unit, code: str | None) -> bool:
    """Two or more coders reviewed the turn and did not apply the same codes (or, with `code`, that code)."""
    if len(unit) < 2:
        return False
    if code is None:
        return len(set(unit.values())) > 1
    return len({code in codes for codes in unit.values()}) > 1


def one_sided(unit: Unit, coders: Sequence[str]) -> bool:
    """Some of the coders decided the turn and the others did not (not reviewed, or flagged): nothing to compare."""
    return 0 < len(unit) < len(coders)


def find_disagreements(
    transcripts: Sequence[Path], coders: Sequence[str], code: str | None = None, only_one_sided: bool = False
) -> list[Disagreement]:
    """Turns the coders decided differently; with `only_one_sided`, the turns only some of them decided."""
    units = collect_units(transcripts, coders).units
    order = {path: index for index, path in enumerate(transcripts)}
    loaded: dict[Path, Transcript] = {}
    found = []
    for key in sorted(units, key=lambda k: (order[k.transcript], k.turn)):
        unit = units[key]
        if not (one_sided(unit, coders) if only_one_sided else differs(unit, code)):
            continue
        transcript = loaded.get(key.transcript) or loaded.setdefault(key.transcript, load_transcript(key.transcript))
        turn = transcript.turn(key.turn) if key.turn <= len(transcript.turns) else None
        found.append(
            Disagreement(key.transcript, turn, key.turn, {coder: unit[coder] for coder in coders if coder in unit})
        )
    return found


def disagreeing_turns(transcript: Path, first: str, second: str) -> list[int]:
    """Turns of one transcript that both coders reviewed with different codes, in order."""
    units = collect_units([transcript], [first, second]).units
    return sorted(key.turn for key, unit in units.items() if len(unit) == 2 and unit[first] != unit[second])
