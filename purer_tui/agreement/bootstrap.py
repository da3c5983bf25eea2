"""Bootstrap intervals for Krippendorff's alpha: how sure a figure is, for a methods section.

Units (turns) are resampled with replacement, as many as were coded by two or more coders, and alpha is
computed again on each resample; the interval is the 2.5th and 97.5th percentile of those alphas (Efron &
Tibshirani 1993, ch. 13, the percentile interval). Hayes & Krippendorff (2007) recommend bootstrapping
alpha; their macro resamples pairs of judgments, which keeps no unit whole, so the units are resampled here
(a unit's codes move together, as they were decided together). One resample serves every figure: each
code's alpha, each exclusive group's, and the overall alpha over whole code sets (MASI).

A study of 300,000 turns has a few thousand kinds of units (the same coders giving the same codes), so a
resample is a count per kind: each draw picks a unit, that is a kind in proportion to its units. Draws are
made with `random.Random(seed)`, never the global generator, so a seed gives the same interval every time.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from purer_tui.agreement.statistics import Histogram, krippendorff_alpha_of, masi_distance, nominal_distance, pattern
from purer_tui.core.codebook import Codebook
from purer_tui.core.coded_units import Unit

#: Replicates by default: enough for the 2.5th and 97.5th percentiles to settle (Efron & Tibshirani: 1,000).
DEFAULT_REPLICATES = 1000
#: The most replicates asked for: beyond this the interval moves no more, only the wait grows.
MAX_REPLICATES = 100_000
#: Below this share of replicates with a defined alpha (a resample where every coder agreed on "absent"
#: throughout has none), no interval is given: it would describe only the resamples that happened to vary.
MIN_DEFINED_SHARE = 0.9

Interval = tuple[float, float]


@dataclass
class AlphaIntervals:
    """95% intervals: per code id, per exclusive group id, and over whole code sets (None: not computable)."""

    replicates: int
    seed: int
    codes: dict[str, Interval | None]
    groups: dict[str, Interval | None]
    masi: Interval | None


def alpha_intervals(
    units: Sequence[Unit],
    codebook: Codebook,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
    *,
    group_value: Callable[[frozenset[str], list[str]], Hashable],
) -> AlphaIntervals:
    """Bootstrap intervals for every alpha `measure` reports, from the same units (coder -> codes per turn).

    `group_value` gives an exclusive group's category on a turn (study_agreement's rule), so the groups' alphas
    are the ones reported."""
    pairable = Counter(tuple(sorted(unit.items())) for unit in units if len(unit) >= 2)
    kinds = list(pairable)
    total = sum(pairable.values())
    exclusive = {group.id: [c.id for c in codebook.codes_in(group.id)] for group in codebook.groups if group.exclusive}
    # Each figure's pattern for each kind of unit, found once: a resample only counts kinds.
    targets: dict[tuple[str, str], tuple[list[Any], Callable[[Any, Any], float]]] = {}
    for code in codebook.codes:
        presence = [pattern(int(code.id in codes) for _, codes in kind) for kind in kinds]
        targets[("code", code.id)] = (presence, nominal_distance)
    for group_id, members in exclusive.items():
        targets[("group", group_id)] = (
            [pattern(group_value(codes, members) for _, codes in kind) for kind in kinds],
            nominal_distance,
        )
    targets[("masi", "")] = ([pattern(codes for _, codes in kind) for kind in kinds], masi_distance)
    alphas: dict[tuple[str, str], list[float]] = {target: [] for target in targets}
    # Unit i (counted kind by kind) belongs to kind_of_unit[i]; a draw u picks unit int(u * total), the same
    # kind as bisecting the kinds' cumulative counts at u * total. The chain of maps runs in C: a fifth of the
    # time of a Python loop per draw.
    kind_of_unit = [index for index, kind in enumerate(kinds) for _ in range(pairable[kind])]
    scale = float(total)
    draws = iter(random.Random(seed).random, None)  # the generator's numbers, one after another, never None
    for _ in range(replicates if total else 0):
        drawn = Counter(map(kind_of_unit.__getitem__, map(int, map(scale.__mul__, islice(draws, total)))))
        for target, (patterns, distance) in targets.items():
            histogram: Histogram = Counter()
            for kind, count in drawn.items():
                histogram[patterns[kind]] += count
            value = krippendorff_alpha_of(histogram, distance).value
            if value is not None:
                alphas[target].append(value)

    def interval(target: tuple[str, str]) -> Interval | None:
        values = sorted(alphas[target])
        if not replicates or len(values) < MIN_DEFINED_SHARE * replicates:
            return None
        return (percentile(values, 0.025), percentile(values, 0.975))

    return AlphaIntervals(
        replicates=replicates,
        seed=seed,
        codes={code.id: interval(("code", code.id)) for code in codebook.codes},
        groups={group_id: interval(("group", group_id)) for group_id in exclusive},
        masi=interval(("masi", "")),
    )


def percentile(ordered: Sequence[float], share: float) -> float:
    """The value below which `share` of the sorted values lie, interpolated between the two nearest
    (Hyndman & Fan 1996 definition 7, R's and numpy's default)."""
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
