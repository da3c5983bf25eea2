"""Inter-coder agreement coefficients, implemented from their published definitions.

Every function takes units as mappings from coder to value: a coder who did
not code a unit is simply absent from its mapping (missing, never a value).
Every result says how many units it rests on, and when a coefficient is
undefined (no units, or every judgement identical so chance agreement is
total) it says so instead of returning a number.

- Percent agreement: the mean, over units with two or more coders, of the
  proportion of agreeing coder pairs (for two coders, the share of units
  they agree on).
- Cohen's kappa (Cohen 1960): two coders, units both coded.
- Fleiss' kappa (Fleiss 1971): any number of coders; with missing ratings,
  Gwet's (2014) generalisation, which is Fleiss' own on complete data.
- Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's
  Alpha-Reliability"): any number of coders, missing data allowed, any
  distance (nominal by default; MASI for sets of codes).
- Gwet's AC1 (Gwet 2008; 2014, multiple raters with missing ratings): chance
  agreement that stays sensible when a category is rare.
- MASI distance (Passonneau 2006), as NLTK computes it: 1 - Jaccard times a
  monotonicity weight of 1 (equal sets), 2/3 (one contains the other), 1/3
  (they overlap) or 0 (disjoint).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

Value = TypeVar("Value", bound=Hashable)
Units = Sequence[Mapping[str, Value]]

ALL_THE_SAME = "undefined: every judgement is the same, so agreement by chance is total"
NO_UNITS = "undefined: no unit was coded by enough of these coders"


@dataclass(frozen=True)
class Coefficient:
    value: float | None  # None when undefined
    units: int  # units the figure rests on
    note: str = ""  # why it is undefined


# A unit's pattern: each value given to it and by how many coders, in a fixed order. All the
# coefficients but Cohen's depend on units only through their patterns, and a study of 300,000
# turns has few distinct ones, so they are computed from a histogram: pattern -> number of units.
Pattern = tuple[tuple[Hashable, int], ...]
Histogram = Counter[Pattern]


def _order(item: tuple[Hashable, int]) -> str:
    value = item[0]
    return repr(sorted(value, key=repr)) if isinstance(value, frozenset) else repr(value)


def pattern(values: Iterable[Hashable]) -> Pattern:
    return tuple(sorted(Counter(values).items(), key=_order))


def histogram(units: Units[Value]) -> Histogram:
    return Counter(pattern(unit.values()) for unit in units)


def _raters(unit_pattern: Pattern) -> int:
    return sum(count for _, count in unit_pattern)


def _pair_agreement(unit_pattern: Pattern, raters: int) -> float:
    return sum(n * (n - 1) for _, n in unit_pattern) / (raters * (raters - 1))


def percent_agreement(units: Units[Value]) -> Coefficient:
    return percent_agreement_of(histogram(units))


def percent_agreement_of(patterns: Histogram) -> Coefficient:
    total, counted = 0.0, 0
    for unit_pattern, units in patterns.items():
        raters = _raters(unit_pattern)
        if raters >= 2:
            total += units * _pair_agreement(unit_pattern, raters)
            counted += units
    if not counted:
        return Coefficient(None, 0, NO_UNITS)
    return Coefficient(total / counted, counted)


def cohen_kappa(units: Units[Value], first: str, second: str) -> Coefficient:
    return cohen_kappa_of(confusion_table(units, first, second))


def cohen_kappa_of(pairs: Counter[tuple[Hashable, Hashable]]) -> Coefficient:
    """Kappa from how often the first coder's value met the second's."""
    n = sum(pairs.values())
    if not n:
        return Coefficient(None, 0, NO_UNITS)
    observed = sum(count for (a, b), count in pairs.items() if a == b) / n
    firsts: Counter[Hashable] = Counter()
    seconds: Counter[Hashable] = Counter()
    for (a, b), count in pairs.items():
        firsts[a] += count
        seconds[b] += count
    expected = sum(firsts[value] * seconds[value] for value in firsts) / (n * n)
    if expected == 1:
        return Coefficient(None, n, ALL_THE_SAME)
    return Coefficient((observed - expected) / (1 - expected), n)


def fleiss_kappa(units: Units[Value]) -> Coefficient:
    return fleiss_kappa_of(histogram(units))


def fleiss_kappa_of(patterns: Histogram) -> Coefficient:
    """Fleiss' kappa, generalised to missing ratings as Gwet (2014) does; on complete data it is Fleiss' (1971)."""
    observed, shares, pairable = _agreement_and_shares(patterns)
    if not pairable:
        return Coefficient(None, 0, NO_UNITS)
    expected = sum(share * share for share in shares.values())
    if expected == 1:
        return Coefficient(None, pairable, ALL_THE_SAME)
    return Coefficient((observed - expected) / (1 - expected), pairable)


def _agreement_and_shares(patterns: Histogram) -> tuple[float, defaultdict[Hashable, float], int]:
    """Observed agreement over units with two or more ratings; each category's mean share over rated units."""
    observed, pairable, rated_units = 0.0, 0, 0
    shares: defaultdict[Hashable, float] = defaultdict(float)
    for unit_pattern, units in patterns.items():
        raters = _raters(unit_pattern)
        if not raters:
            continue
        rated_units += units
        for value, n in unit_pattern:
            shares[value] += units * n / raters
        if raters >= 2:
            pairable += units
            observed += units * _pair_agreement(unit_pattern, raters)
    if pairable:
        observed /= pairable
    for value in shares:
        shares[value] /= rated_units
    return observed, shares, pairable


def nominal_distance(a: Hashable, b: Hashable) -> float:
    return 0.0 if a == b else 1.0


def krippendorff_alpha(
    units: Units[Value], distance: Callable[[Value, Value], float] = nominal_distance
) -> Coefficient:
    return krippendorff_alpha_of(histogram(units), distance)


def krippendorff_alpha_of(patterns: Histogram, distance: Callable[[Any, Any], float] = nominal_distance) -> Coefficient:
    """Alpha from the coincidence matrix: 1 - observed / expected disagreement."""
    coincidences: defaultdict[tuple[Hashable, Hashable], float] = defaultdict(float)
    pairable = 0
    for unit_pattern, units in patterns.items():
        raters = _raters(unit_pattern)
        if raters < 2:
            continue
        pairable += units
        for c, n_c in unit_pattern:
            for k, n_k in unit_pattern:
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                if pairs:
                    coincidences[(c, k)] += units * pairs / (raters - 1)
    if not pairable:
        return Coefficient(None, 0, NO_UNITS)
    marginals: defaultdict[Hashable, float] = defaultdict(float)
    for (c, _), weight in coincidences.items():
        marginals[c] += weight
    n = sum(marginals.values())
    observed = sum(weight * distance(c, k) for (c, k), weight in coincidences.items() if c != k)
    expected = sum(marginals[c] * marginals[k] * distance(c, k) for c in marginals for k in marginals if c != k) / (
        n - 1
    )
    if expected == 0:
        return Coefficient(None, pairable, ALL_THE_SAME)
    return Coefficient(1 - observed / expected, pairable)


def gwet_ac1(units: Units[Value], categories: Sequence[Value]) -> Coefficient:
    return gwet_ac1_of(histogram(units), categories)


def gwet_ac1_of(patterns: Histogram, categories: Sequence[Hashable]) -> Coefficient:
    """AC1 for any number of raters with missing ratings (Gwet 2014, chapter 4)."""
    q = len(categories)
    if q < 2:
        return Coefficient(None, 0, "undefined: needs at least two categories")
    observed, shares, pairable = _agreement_and_shares(patterns)
    if not pairable:
        return Coefficient(None, 0, NO_UNITS)
    expected = sum(shares[c] * (1 - shares[c]) for c in categories) / (q - 1)
    return Coefficient((observed - expected) / (1 - expected), pairable)


def masi_distance(a: frozenset[Hashable], b: frozenset[Hashable]) -> float:
    """1 - Jaccard x monotonicity (two empty sets, "reviewed, no code" twice, are identical: 0)."""
    if a == b:
        return 0.0
    intersection, union = len(a & b), len(a | b)
    if intersection == min(len(a), len(b)):
        monotonicity = 2 / 3  # one set contains the other
    elif intersection:
        monotonicity = 1 / 3
    else:
        monotonicity = 0.0
    return 1 - intersection / union * monotonicity


def confusion_table(units: Units[Value], first: str, second: str) -> Counter[tuple[Hashable, Hashable]]:
    """How often the first coder's value met the second's, over units both coded."""
    return Counter((unit[first], unit[second]) for unit in units if first in unit and second in unit)
