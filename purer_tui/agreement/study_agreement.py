"""Agreement over a study: which coders, which turns, and every coefficient per code, group and overall.

A unit is one turn of one transcript (see `purer_tui.core.coded_units`). A
coder counts for a unit only when they reviewed it and left it final; a turn
they never reviewed, flagged, or that carries an unsettled merge conflict is
missing for them, never "code absent".
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from purer_tui.agreement.bootstrap import AlphaIntervals, BootstrapTooLarge, alpha_intervals
from purer_tui.agreement.coefficients import COEFFICIENTS, Judgements
from purer_tui.agreement.statistics import Coefficient, Histogram, krippendorff_alpha_of, masi_distance, pattern
from purer_tui.core.codebook import Code, Codebook, CodeGroup
from purer_tui.core.codebook_outline import SEPARATOR, heading_trail
from purer_tui.core.coded_units import CodedUnits, Unit, collect_units
from purer_tui.core.errors import UsageError
from purer_tui.core.study import Study
from purer_tui.core.study_coders import agreement_coders

#: The most coders compared at once: a turn's figures cost the square of its coders, and a study is a
#: repository anyone on the team can push a thousand coders' files to.
MAX_CODERS = 100

#: The category of an exclusive group on a turn that has none of its codes.
NONE = "none"


@dataclass
class CodeAgreement:
    code: Code
    coefficients: dict[str, Coefficient]  # coefficient id -> figure, for every coefficient in the registry's order
    applied: dict[str, int]  # how many of the units the figures use each coder applied the code to

    # Shorthands for reading one figure by name; the registry, not these, decides what is computed and shown.
    @property
    def percent(self) -> Coefficient:
        return self.coefficients["percent"]

    @property
    def kappa(self) -> Coefficient:
        return self.coefficients["kappa"]

    @property
    def alpha(self) -> Coefficient:
        return self.coefficients["alpha"]

    @property
    def ac1(self) -> Coefficient:
        return self.coefficients["ac1"]


@dataclass
class GroupAgreement:
    group: CodeGroup
    categories: list[str]
    coefficients: dict[str, Coefficient]  # coefficient id -> figure, for those computed over groups
    confusion: Counter[tuple[Hashable, Hashable]] | None  # between the first two coders

    @property
    def percent(self) -> Coefficient:
        return self.coefficients["percent"]

    @property
    def alpha(self) -> Coefficient:
        return self.coefficients["alpha"]


@dataclass
class StudyAgreement:
    coders: list[str]
    transcripts: int
    turns_reviewed: int  # units at least one coder reviewed
    units_shared: int  # units two or more coders reviewed
    units_by_all: int  # units every coder reviewed
    kinds: dict[str, str]  # coefficient id -> the variant used with these coders, e.g. kappa -> "Cohen" or "Fleiss"
    codes: list[CodeAgreement] = field(default_factory=list)
    groups: list[GroupAgreement] = field(default_factory=list)
    means: dict[str, float | None] = field(default_factory=dict)  # coefficient id -> mean over codes
    masi_alpha: Coefficient | None = None
    note: str = ""
    group_labels: dict[str, str] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)  # coder -> reviewed turns left out as flagged
    # A split in progress: split code -> (the codes it was split into, turns that still carry it). Those turns
    # are not yet recoded into the new codes, so the new codes' figures are incomplete.
    split_pending: dict[str, tuple[list[str], int]] = field(default_factory=dict)
    # Coder -> codes on these turns applied by accepting a suggestion; `without_suggested`: they were taken off.
    suggested: dict[str, int] = field(default_factory=dict)
    without_suggested: bool = False
    # Bootstrap intervals of every alpha (`agree --ci`), or None when not asked for.
    intervals: AlphaIntervals | None = None
    intervals_refused: str = ""  # why there are none though they were asked for (too large to compute)

    @property
    def suggested_note(self) -> str:
        """One sentence on codes applied from suggestions, or "" when there are none."""
        if not self.suggested:
            return ""
        counts = ", ".join(f"{count} by {coder}" for coder, count in self.suggested.items())
        if self.without_suggested:
            return f"Codes applied from a suggestion are left out ({counts})"
        return f"Codes applied from a suggestion: {counts} (agree --without-suggested leaves them out)"

    @property
    def kappa_kind(self) -> str:
        """The kappa used: "Cohen" (two coders) or "Fleiss" (more)."""
        return self.kinds["kappa"]

    @property
    def split_notes(self) -> list[str]:
        """One sentence per split code still on turns: what is incomplete and how to finish the split."""
        return [
            f'{turns} turn(s) still carry split code "{code}": the figures of {", ".join(into)} are incomplete '
            f"until they are recoded (purer-tui code --recheck {code})"
            for code, (into, turns) in self.split_pending.items()
        ]


def select_transcripts(study: Study, pattern: str | None) -> list[Path]:
    return filter_transcripts(study.transcript_paths(), study.root, pattern)


def filter_transcripts(paths: Sequence[Path], root: Path, pattern: str | None) -> list[Path]:
    """The transcripts whose name, or path in the study folder `root`, matches `--transcripts`' glob."""
    if not pattern:
        return list(paths)
    return [
        path
        for path in paths
        if fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(path.relative_to(root).as_posix(), pattern)
    ]


def measure_study(
    study: Study,
    coders: Sequence[str] | None = None,
    pattern: str | None = None,
    without_suggested: bool = False,
    bootstrap: tuple[int, int] | None = None,
    say_too_large: bool = False,
) -> StudyAgreement:
    """`purer-tui agree`: the coders named (default: every coder but a consensus) on the transcripts matching
    `pattern` (default: all), as the study's files are now."""
    transcripts = select_transcripts(study, pattern)
    if not transcripts:
        raise UsageError(f'no transcript matches "{pattern}"' if pattern else "the study has no transcripts yet")
    chosen = agreement_coders(study, transcripts, coders)
    collected = collect_units(transcripts, chosen)
    codebook = study.load_codebook()
    return measure_collected(
        collected, codebook, chosen, len(transcripts), without_suggested, bootstrap, say_too_large=say_too_large
    )


def measure_collected(
    collected: CodedUnits,
    codebook: Codebook,
    coders: Sequence[str],
    transcripts: int,
    without_suggested: bool = False,
    bootstrap: tuple[int, int] | None = None,
    say_too_large: bool = False,
) -> StudyAgreement:
    """`measure` over collected units; with `without_suggested`, as if no suggestion had been accepted; with
    `bootstrap` (replicates, seed), every alpha's interval too. Intervals too large to compute raise
    BootstrapTooLarge, or with `say_too_large` leave `intervals` None and say why in `intervals_refused`."""
    if len(coders) > MAX_CODERS:
        raise UsageError(
            f"agreement compares at most {MAX_CODERS} coders at once and these transcripts have {len(coders)}; "
            "name the ones to compare with --coders"
        )
    counts = collected.suggested_counts()
    if without_suggested:
        collected = collected.without_suggested()
    units = list(collected.units.values())
    result = measure(units, codebook, coders, transcripts, collected.flagged, counts, without_suggested)
    if bootstrap is not None and not result.note:
        replicates, seed = bootstrap
        try:
            result.intervals = alpha_intervals(units, codebook, replicates, seed, group_value=_group_value)
        except BootstrapTooLarge as error:
            if not say_too_large:
                raise
            result.intervals_refused = str(error)
    return result


def measure(
    units: Sequence[Unit],
    codebook: Codebook,
    coders: Sequence[str],
    transcripts: int,
    flagged: Mapping[str, int] | None = None,
    suggested: Mapping[str, int] | None = None,
    without_suggested: bool = False,
) -> StudyAgreement:
    result = StudyAgreement(
        coders=list(coders),
        transcripts=transcripts,
        turns_reviewed=sum(1 for unit in units if unit),
        units_shared=sum(1 for unit in units if len(unit) >= 2),
        units_by_all=sum(1 for unit in units if len(unit) == len(coders)),
        kinds={
            definition.id: definition.kind(len(coders)) for definition in COEFFICIENTS if definition.kind is not None
        },
        # A nested group by its place ("Curriculum › Other"): two groups of one name stay apart.
        group_labels={group.id: SEPARATOR.join(heading_trail(codebook, group.id)) for group in codebook.groups},
        flagged={coder: count for coder, count in (flagged or {}).items() if count},
        suggested={coder: (suggested or {})[coder] for coder in coders if (suggested or {}).get(coder)},
        without_suggested=without_suggested,
    )
    split = {code.id: code.split_into for code in codebook.codes if code.split_into}
    for code_id, into in split.items():
        carrying = sum(1 for unit in units if any(code_id in codes for codes in unit.values()))
        if carrying:
            result.split_pending[code_id] = (list(into), carrying)
    if len(coders) < 2:
        result.note = "agreement needs at least two coders; name them with --coders"
    elif not result.units_shared:
        result.note = "no turn was reviewed by two or more of these coders"
    counts = _count(units, codebook, coders)
    for code in codebook.codes:
        presence = Judgements(_binary_histogram(counts, code.id), (0, 1), _binary_pairs(counts, code.id), len(coders))
        result.codes.append(
            CodeAgreement(
                code=code,
                coefficients={definition.id: definition.compute(presence) for definition in COEFFICIENTS},
                applied={coder: counts.applied[(coder, code.id)] for coder in coders},
            )
        )
    for group in codebook.groups:
        if group.exclusive:
            categories = [*(code.id for code in codebook.codes_in(group.id)), NONE]
            choice = Judgements(counts.groups[group.id], categories, counts.group_pairs[group.id], len(coders))
            result.groups.append(
                GroupAgreement(
                    group=group,
                    categories=categories,
                    coefficients={
                        definition.id: definition.compute(choice)
                        for definition in COEFFICIENTS
                        if definition.for_groups
                    },
                    confusion=counts.group_pairs[group.id] if len(coders) >= 2 else None,
                )
            )
    result.means = {
        definition.id: _mean([code.coefficients[definition.id].value for code in result.codes])
        for definition in COEFFICIENTS
    }
    result.masi_alpha = krippendorff_alpha_of(counts.code_sets, masi_distance)
    return result


@dataclass
class _Counts:
    """Everything the coefficients need, gathered in one pass over the units."""

    units_by_raters: Counter[int] = field(default_factory=Counter)  # how many units m coders reviewed
    with_code: dict[str, Counter[tuple[int, int]]] = field(default_factory=dict)  # code -> (m, k applying) -> units
    applied: Counter[tuple[str, str]] = field(
        default_factory=Counter
    )  # (coder, code) -> units two or more coders reviewed
    shared: int = 0  # units both of two coders reviewed
    pairs: dict[str, Counter[tuple[int, int]]] = field(default_factory=dict)  # code -> (first has, second has) -> units
    groups: dict[str, Histogram] = field(default_factory=dict)
    group_pairs: dict[str, Counter[tuple[Hashable, Hashable]]] = field(default_factory=dict)
    code_sets: Histogram = field(default_factory=Counter)


def _count(units: Sequence[Unit], codebook: Codebook, coders: Sequence[str]) -> _Counts:
    counts = _Counts()
    exclusive = {g.id: [c.id for c in codebook.codes_in(g.id)] for g in codebook.groups if g.exclusive}
    counts.groups = {group_id: Counter() for group_id in exclusive}
    counts.group_pairs = {group_id: Counter() for group_id in exclusive}
    first, second = (coders[0], coders[1]) if len(coders) == 2 else (None, None)
    # Units with the same coders giving the same codes count alike: hundreds of thousands of turns
    # fall into a few thousand kinds, each counted once, with its number of units as the weight.
    kinds = Counter(tuple(sorted(unit.items())) for unit in units if unit)
    for kind, weight in kinds.items():
        unit = dict(kind)
        m = len(unit)
        counts.units_by_raters[m] += weight
        present: Counter[str] = Counter()
        for coder, codes in kind:
            present.update(codes)
            if m >= 2:  # only the units the coefficients are computed over
                for code in codes:
                    counts.applied[(coder, code)] += weight
        for code, k in present.items():
            counts.with_code.setdefault(code, Counter())[(m, k)] += weight
        if first is not None and first in unit and second in unit:
            counts.shared += weight
            a, b = unit[first], unit[second]
            for code in a | b:
                counts.pairs.setdefault(code, Counter())[(int(code in a), int(code in b))] += weight
        for group_id, members in exclusive.items():
            values = {coder: _group_value(codes, members) for coder, codes in kind}
            counts.groups[group_id][pattern(values.values())] += weight
            if len(coders) >= 2 and coders[0] in values and coders[1] in values:
                counts.group_pairs[group_id][(values[coders[0]], values[coders[1]])] += weight
        counts.code_sets[pattern(unit.values())] += weight
    return counts


def _binary_histogram(counts: _Counts, code: str) -> Histogram:
    """Patterns of one code's presence: units where k of m coders applied it (units without it: k = 0)."""
    histogram: Histogram = Counter()
    with_code = counts.with_code.get(code, Counter())
    for m, units in counts.units_by_raters.items():
        applying = sum(n for (raters, _), n in with_code.items() if raters == m)
        if units - applying:
            histogram[((0, m),)] += units - applying
    for (m, k), units in with_code.items():
        histogram[tuple(item for item in ((0, m - k), (1, k)) if item[1])] += units
    return histogram


def _binary_pairs(counts: _Counts, code: str) -> Counter[tuple[Hashable, Hashable]]:
    pairs: Counter[tuple[Hashable, Hashable]] = Counter(counts.pairs.get(code, Counter()))
    neither = counts.shared - sum(pairs.values())
    if neither:
        pairs[(0, 0)] += neither
    return pairs


def _group_value(codes: frozenset[str], members: list[str]) -> str:
    """The group's code on the turn, or "none" (the first in codebook order if a bad file has two)."""
    return next((member for member in members if member in codes), NONE)


def _mean(values: list[float | None]) -> float | None:
    defined = [value for value in values if value is not None]
    return sum(defined) / len(defined) if defined else None
