"""A study's settled decisions as units: each turn, with the code set of every coder who settled it.

A unit is one turn of one transcript. A coder counts for a unit only when
they reviewed it and left it final: a turn they never reviewed, only wrote
a memo on, flagged to come back to, or that still carries an unsettled
merge conflict is missing for them, never "code absent". Agreement,
disagreements, adjudication and the consensus coverage all read these.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from purer_tui.core.annotation_paths import AnnotationFinder
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.bulk_loading import collector_paused

Unit = dict[str, frozenset[str]]


class UnitKey(NamedTuple):
    """One turn of one transcript (a named tuple: a study has hundreds of thousands of units)."""

    transcript: Path
    turn: int


@dataclass
class CodedUnits:
    units: dict[UnitKey, Unit] = field(default_factory=dict)
    flagged: Counter[str] = field(default_factory=Counter)  # coder -> reviewed turns left out as flagged
    # The codes each coder applied by accepting a suggestion, on the units where there are some.
    suggested: dict[UnitKey, Unit] = field(default_factory=dict)

    def suggested_counts(self) -> Counter[str]:
        """Coder -> codes among these units applied by accepting a suggestion."""
        counts: Counter[str] = Counter()
        for marks in self.suggested.values():
            for coder, codes in marks.items():
                counts[coder] += len(codes)
        return counts

    def without_suggested(self) -> CodedUnits:
        """The same units as if no suggestion had been accepted: each accepted code taken off its turn. A turn
        whose every code was accepted from a suggestion is the coder's decision no more (missing for them, never
        "nothing applies": whether they would have reviewed it, and how, is unknown)."""
        units = dict(self.units)
        for key, marks in self.suggested.items():
            unit: Unit = {}
            for coder, codes in units[key].items():
                own = codes - marks.get(coder, frozenset())
                if own or not codes or coder not in marks:
                    unit[coder] = own
            if unit:
                units[key] = unit
            else:
                del units[key]
        return CodedUnits(units, self.flagged, {})


def collect_units(transcripts: Sequence[Path], coders: Sequence[str]) -> CodedUnits:
    """Each settled turn, with the code set of every coder who settled it."""
    with collector_paused():
        return _collect(transcripts, coders)


def _collect(transcripts: Sequence[Path], coders: Sequence[str]) -> CodedUnits:
    finder = AnnotationFinder()

    def settled() -> Iterable[tuple[Path, str, SettledCodes]]:
        for path in transcripts:
            files = finder.files(path)
            for coder in coders:
                if coder in files:
                    yield path, coder, read_settled_codes(files[coder])

    return units_from(settled())


def units_from(settled: Iterable[tuple[Path, str, SettledCodes]]) -> CodedUnits:
    """The units of each transcript's coders' settled codes (read from disk, or from a commit)."""
    collected = CodedUnits()
    for path, coder, codes in settled:
        collected.flagged[coder] += codes.flagged
        for turn, turn_codes in codes.codes.items():
            collected.units.setdefault(UnitKey(path, turn), {})[coder] = turn_codes
        for turn, marked in codes.suggested.items():
            collected.suggested.setdefault(UnitKey(path, turn), {})[coder] = marked
    return collected


class SettledCodes(NamedTuple):
    """One coder's decisions in one file, as agreement and consensus count them."""

    codes: dict[int, frozenset[str]]  # each reviewed turn's codes, flagged and conflicted turns left out
    flagged: int  # reviewed turns left out because the coder flagged them to come back to
    suggested: dict[int, frozenset[str]]  # the settled turns' codes applied by accepting a suggestion, where any


def read_settled_codes(path: Path) -> SettledCodes:
    """Each settled decision's codes in one annotation file (its journal replayed).

    Left out: turns not reviewed (a memo or flag only), turns the coder
    flagged (not final yet; counted) and unsettled merge conflicts.
    """
    return settled_codes(AnnotationFile.open(path).records)


def settled_codes(records: Mapping[int, AnnotationRecord]) -> SettledCodes:
    """The settled decisions among one file's records (see `read_settled_codes`)."""
    codes: dict[int, frozenset[str]] = {}
    suggested: dict[int, frozenset[str]] = {}
    flagged = 0
    sets: dict[tuple[str, ...], frozenset[str]] = {}  # one set per distinct list of codes (a file has a few dozen)
    for record in records.values():
        if record.settled_review:
            listed = record.codes
            code_set = sets.get(listed)
            if code_set is None:
                code_set = sets[listed] = frozenset(listed)
            codes[record.turn] = code_set
            if record.suggested:
                suggested[record.turn] = frozenset(record.suggested)
        elif record.flag and record.reviewed and record.conflict is None:
            flagged += 1
    return SettledCodes(codes, flagged, suggested)
