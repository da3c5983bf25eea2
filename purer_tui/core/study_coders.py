"""Which coders a command works with: the study's coders, checked names, and what the reports use by default.

A coder exists in a study when they have an annotation file there; a name
with none is a typo or a coder from another study, and is refused with the
list of the study's coders rather than read as "coded nothing". Reports say
on their first line which coders they use, and never use a partial
consensus silently in place of the coders' own work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.annotation_paths import AnnotationFinder
from purer_tui.core.coders import CONSENSUS_CODER, validate_coder
from purer_tui.core.consensus import (
    ConsensusCoverage,
    consensus_coders,
    consensus_coverage,
)
from purer_tui.core.errors import UsageError
from purer_tui.core.study import Study


def coders_with_files(transcripts: Sequence[Path]) -> list[str]:
    """Every coder with an annotation file of one of these transcripts, sorted."""
    finder = AnnotationFinder()
    return sorted({coder for path in transcripts for coder in finder.files(path)})


def parse_coder_list(option: str) -> list[str]:
    """`ana,ben` as valid coder ids, in the order given, without repeats."""
    names = [validate_coder(part.strip()) for part in option.split(",") if part.strip()]
    if not names:
        raise UsageError(f'"{option}" names no coder; give ids like ana,ben')
    return list(dict.fromkeys(names))


def require_coders(names: Sequence[str], known: Sequence[str]) -> None:
    """Refuse a coder with no annotation file in the study, naming the study's coders."""
    for name in names:
        if name not in known:
            listed = f"its coders are {', '.join(known)}" if known else "it has no annotation files yet"
            raise UsageError(f'no coder "{name}" in this study; {listed}')


@dataclass(frozen=True)
class CoderChoice:
    """The coders a report uses, and the one line that says so."""

    coders: list[str]
    summary: str
    consensus: ConsensusCoverage | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "used": self.coders,
            "summary": self.summary,
            "consensus": self.consensus.as_json() if self.consensus else None,
        }


def choose_report_coders(
    study: Study, transcripts: Sequence[Path], requested: Sequence[str] | None, every_coder: bool = False
) -> CoderChoice:
    """The coders named (checked), else the consensus when it is complete, else every coder but a consensus.

    With `every_coder` (exports) the default is every coder, the consensus included.
    """
    known = coders_with_files(transcripts)
    if requested:
        require_coders(requested, known)
    consensus = consensus_coders(study, known)
    if requested or every_coder:
        chosen = list(requested or known)
        shown = next((name for name in chosen if name in consensus), None)
        coverage = consensus_coverage(transcripts, shown, consensus[shown]) if shown else None
        if not chosen:
            return CoderChoice([], "coders: none (no annotation files yet)")
        notes = ([] if requested else ["every coder"]) + ([coverage.describe()] if coverage else [])
        summary = f"{_coders_label(chosen)}: {', '.join(chosen)}" + (f" ({'; '.join(notes)})" if notes else "")
        return CoderChoice(chosen, summary, coverage)
    coders = [coder for coder in known if coder not in consensus]
    if CONSENSUS_CODER in consensus:
        coverage = consensus_coverage(transcripts, CONSENSUS_CODER, consensus[CONSENSUS_CODER])
        if (coverage.complete and coverage.total) or not coders:
            # Complete, yet not everything: say what the figures leave out, so nobody reads them as the whole study.
            left_out = [f"{coverage.one_sided} turn(s) only one of them reviewed"] if coverage.one_sided else []
            others = [coder for coder in coders if coder not in coverage.sources]
            if others:
                left_out.append(f"the coding of {', '.join(others)}")
            note = f"; not in it: {' and '.join(left_out)}; --coder chooses" if left_out else ""
            return CoderChoice([CONSENSUS_CODER], f"coder: {CONSENSUS_CODER} ({coverage.phrase()}{note})", coverage)
        summary = (
            f"{_coders_label(coders)}: {', '.join(coders)} (every coder; the consensus covers only "
            f"{coverage.phrase()}, so it is not used: --coder {CONSENSUS_CODER} uses it anyway)"
        )
        return CoderChoice(coders, summary, coverage)
    if not coders:
        return CoderChoice([], "coders: none (no annotation files yet)")
    left_out = [name for name in consensus if name in known]
    but = f" but the consensus {', '.join(left_out)}" if left_out else ""
    return CoderChoice(coders, f"{_coders_label(coders)}: {', '.join(coders)} (every coder{but})")


def agreement_coders(study: Study, transcripts: Sequence[Path], requested: Sequence[str] | None) -> list[str]:
    """The coders named (each with files somewhere in the study), else every coder of these transcripts
    but a consensus."""
    if requested:
        require_coders(requested, coders_with_files(study.transcript_paths()))
        return list(requested)
    known = coders_with_files(transcripts)
    return known_agreement_coders(known, consensus_coders(study, known))


def known_agreement_coders(known: Sequence[str], consensus: Mapping[str, object]) -> list[str]:
    """The coders agreement uses by default: every coder of the transcripts (sorted) but a consensus."""
    return [coder for coder in known if coder not in consensus]


def _coders_label(coders: Sequence[str]) -> str:
    return "coder" if len(coders) == 1 else "coders"
