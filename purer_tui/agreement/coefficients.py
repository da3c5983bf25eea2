"""The agreement coefficients `purer-tui agree` reports: one entry each, read by the measuring and by every output.

Adding a coefficient is adding one `CoefficientDefinition` to `COEFFICIENTS`: `measure` computes
it for every code (and every exclusive group, if it applies there), and the readable tables, the
JSON and the CSV show it in the registry's order. The formulas themselves live in `statistics`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from purer_tui.agreement.statistics import (
    Coefficient,
    Histogram,
    cohen_kappa_of,
    fleiss_kappa_of,
    gwet_ac1_of,
    krippendorff_alpha_of,
    percent_agreement_of,
)


@dataclass(frozen=True)
class Judgements:
    """What the coders decided about one code (applied or not) or one exclusive group (which code, or none)."""

    patterns: Histogram  # each unit's pattern of values -> how many units have it
    categories: Sequence[Hashable]  # every value a coder could give
    pairs: Counter[tuple[Hashable, Hashable]]  # with two coders: (first's value, second's value) -> units both reviewed
    coders: int  # how many coders are compared


@dataclass(frozen=True)
class CoefficientDefinition:
    id: str  # the key in `StudyAgreement.means`, in `CodeAgreement.coefficients` and in the JSON's "mean_over_codes"
    column: str  # the JSON key of the figure for each code and group, and the CSV column
    heading: str  # the readable table's column
    label: str  # the name in the readable summary lines ("Overall: ...", an exclusive group's line)
    compute: Callable[[Judgements], Coefficient]
    as_percent: bool = False  # shown as "92%" rather than "0.920" in the readable report
    for_groups: bool = False  # also computed over each exclusive group, with "none" as a category
    # For a coefficient whose variant depends on how many coders there are: that variant's name,
    # which prefixes its heading and label ("Cohen κ") and fills the column `<column>_kind`.
    kind: Callable[[int], str] | None = None

    @property
    def kind_column(self) -> str:
        return f"{self.column}_kind"


def _kappa(judgements: Judgements) -> Coefficient:
    return cohen_kappa_of(judgements.pairs) if judgements.coders == 2 else fleiss_kappa_of(judgements.patterns)


def _kappa_kind(coders: int) -> str:
    return "Cohen" if coders == 2 else "Fleiss"


PERCENT_AGREEMENT = CoefficientDefinition(
    id="percent",
    column="percent_agreement",
    heading="agree",
    label="agreement",
    compute=lambda judgements: percent_agreement_of(judgements.patterns),
    as_percent=True,
    for_groups=True,
)
KAPPA = CoefficientDefinition(id="kappa", column="kappa", heading="κ", label="κ", compute=_kappa, kind=_kappa_kind)
#: The headline figure: the readable tables sort by it and show its units, and MASI alpha shares its CSV column.
ALPHA = CoefficientDefinition(
    id="alpha",
    column="alpha",
    heading="α",
    label="α",
    compute=lambda judgements: krippendorff_alpha_of(judgements.patterns),
    for_groups=True,
)
AC1 = CoefficientDefinition(
    id="ac1",
    column="ac1",
    heading="AC1",
    label="AC1",
    compute=lambda judgements: gwet_ac1_of(judgements.patterns, judgements.categories),
)

#: Every coefficient, in the order the outputs show them.
COEFFICIENTS: tuple[CoefficientDefinition, ...] = (PERCENT_AGREEMENT, KAPPA, ALPHA, AC1)
