"""Agreement over a study: which coders, which turns, and every coefficient per code, group and overall.

A unit is one turn of one transcript. A coder counts for a unit only when
they reviewed it (their file has a record for the turn); a turn they never
reviewed is missing for them, never "code absent". A record still carrying an
unsettled merge conflict counts as missing too.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from purer_tui.agreement.statistics import (
    Coefficient,
    cohen_kappa,
    confusion_table,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    masi_distance,
    percent_agreement,
)
from purer_tui.core.annotations import CONSENSUS_CODER, AnnotationFile, annotation_files
from purer_tui.core.codebook import Code, Codebook, CodeGroup
from purer_tui.core.study import Study

#: The category of an exclusive group on a turn that has none of its codes.
NONE = "none"

Unit = dict[str, frozenset[str]]


@dataclass(frozen=True)
class UnitKey:
    transcript: Path
    turn: int


@dataclass
class CodeAgreement:
    code: Code
    percent: Coefficient
    kappa: Coefficient
    alpha: Coefficient
    ac1: Coefficient
    applied: dict[str, int]  # how many units each coder applied the code to


@dataclass
class GroupAgreement:
    group: CodeGroup
    categories: list[str]
    percent: Coefficient
    alpha: Coefficient
    confusion: Counter[tuple[Hashable, Hashable]] | None  # between the first two coders


@dataclass
class StudyAgreement:
    coders: list[str]
    transcripts: int
    turns_reviewed: int  # units at least one coder reviewed
    units_shared: int  # units two or more coders reviewed
    units_by_all: int  # units every coder reviewed
    kappa_kind: str  # "Cohen" or "Fleiss"
    codes: list[CodeAgreement] = field(default_factory=list)
    groups: list[GroupAgreement] = field(default_factory=list)
    means: dict[str, float | None] = field(default_factory=dict)
    masi_alpha: Coefficient | None = None
    note: str = ""
    group_labels: dict[str, str] = field(default_factory=dict)


def study_coders(study: Study, transcripts: Sequence[Path]) -> list[str]:
    """Every coder with an annotation file among these transcripts, but the consensus coder."""
    coders = {coder for path in transcripts for coder in annotation_files(path)}
    coders.discard(CONSENSUS_CODER)
    return sorted(coders)


def select_transcripts(study: Study, pattern: str | None) -> list[Path]:
    paths = study.transcript_paths()
    if not pattern:
        return paths
    return [
        path
        for path in paths
        if fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(path.relative_to(study.root).as_posix(), pattern)
    ]


def collect_units(transcripts: Sequence[Path], coders: Sequence[str]) -> dict[UnitKey, Unit]:
    """Each reviewed turn, with the code set of every coder who reviewed it."""
    units: dict[UnitKey, Unit] = {}
    for path in transcripts:
        files = annotation_files(path)
        for coder in coders:
            if coder not in files:
                continue
            for turn, record in AnnotationFile.open(files[coder]).records.items():
                if record.conflict is not None:
                    continue
                units.setdefault(UnitKey(path, turn), {})[coder] = frozenset(record.codes)
    return units


def measure(units: Sequence[Unit], codebook: Codebook, coders: Sequence[str], transcripts: int) -> StudyAgreement:
    result = StudyAgreement(
        coders=list(coders),
        transcripts=transcripts,
        turns_reviewed=sum(1 for unit in units if unit),
        units_shared=sum(1 for unit in units if len(unit) >= 2),
        units_by_all=sum(1 for unit in units if len(unit) == len(coders)),
        kappa_kind="Cohen" if len(coders) == 2 else "Fleiss",
        group_labels={group.id: group.label for group in codebook.groups},
    )
    if len(coders) < 2:
        result.note = "agreement needs at least two coders; name them with --coders"
    elif not result.units_shared:
        result.note = "no turn was reviewed by two or more of these coders"
    for code in codebook.codes:
        binary = [{coder: int(code.id in codes) for coder, codes in unit.items()} for unit in units]
        kappa = cohen_kappa(binary, coders[0], coders[1]) if len(coders) == 2 else fleiss_kappa(binary)
        result.codes.append(
            CodeAgreement(
                code=code,
                percent=percent_agreement(binary),
                kappa=kappa,
                alpha=krippendorff_alpha(binary),
                ac1=gwet_ac1(binary, [0, 1]),
                applied={coder: sum(1 for unit in units if code.id in unit.get(coder, ())) for coder in coders},
            )
        )
    for group in codebook.groups:
        if group.exclusive:
            result.groups.append(_group_agreement(units, codebook, group, coders))
    result.means = {
        name: _mean([getattr(code, name).value for code in result.codes]) for name in ("percent", "kappa", "alpha", "ac1")
    }
    result.masi_alpha = krippendorff_alpha(units, masi_distance)
    return result


def _group_agreement(units: Sequence[Unit], codebook: Codebook, group: CodeGroup, coders: Sequence[str]) -> GroupAgreement:
    members = [code.id for code in codebook.codes_in(group.id)]
    nominal = [{coder: _group_value(codes, members) for coder, codes in unit.items()} for unit in units]
    return GroupAgreement(
        group=group,
        categories=[*members, NONE],
        percent=percent_agreement(nominal),
        alpha=krippendorff_alpha(nominal),
        confusion=confusion_table(nominal, coders[0], coders[1]) if len(coders) >= 2 else None,
    )


def _group_value(codes: frozenset[str], members: list[str]) -> str:
    """The group's code on the turn, or "none" (the first in codebook order if a bad file has two)."""
    return next((member for member in members if member in codes), NONE)


def _mean(values: list[float | None]) -> float | None:
    defined = [value for value in values if value is not None]
    return sum(defined) / len(defined) if defined else None
