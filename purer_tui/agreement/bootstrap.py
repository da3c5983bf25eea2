"""Bootstrap intervals for Krippendorff's alpha: how sure a figure is, for a methods section.

Units (turns) are resampled with replacement, as many as were coded by two or more coders, and alpha is
computed again on each resample; the interval is the 2.5th and 97.5th percentile of those alphas (Efron &
Tibshirani 1993, ch. 13, the percentile interval). Hayes & Krippendorff (2007) recommend bootstrapping
alpha; their macro resamples pairs of judgments, which keeps no unit whole, so the units are resampled here
(a unit's codes move together, as they were decided together). One resample serves every figure: each
code's alpha, each exclusive group's, and the overall alpha over whole code sets (MASI).

A study of 300,000 turns has a few thousand kinds of units (the same coders giving the same codes), so a
resample is a count per kind: drawn unit by unit (a kind in proportion to its units) in a small study whose
turns are mostly different, else kind by kind from binomials (resampling.py), which is the same distribution
for far fewer draws. Draws are made with `random.Random(seed)`, never the global generator, so a seed gives
the same interval every time.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from itertools import islice
from operator import mul

from purer_tui.agreement.resampling import multinomial
from purer_tui.agreement.statistics import Histogram, krippendorff_alpha_of, masi_distance, nominal_distance, pattern
from purer_tui.core.codebook import Codebook
from purer_tui.core.coded_units import Unit
from purer_tui.core.errors import UsageError

#: Replicates by default: enough for the 2.5th and 97.5th percentiles to settle (Efron & Tibshirani: 1,000).
DEFAULT_REPLICATES = 1000
#: The most replicates asked for: beyond this the interval moves no more, only the wait grows.
MAX_REPLICATES = 100_000
#: Below this share of replicates with a defined alpha (a resample where every coder agreed on "absent"
#: throughout has none), no interval is given: it would describe only the resamples that happened to vary.
MIN_DEFINED_SHARE = 0.9
#: The most work a bootstrap may do, counted in draws' worth of time (about 0.25 microseconds each), times the
#: resamples: about two minutes; beyond it `--boot` must be lowered. Bounds the time a study anyone can push to
#: (thousands of codes, tens of thousands of distinct sets of codes) can take. 1,000 resamples of 300,000
#: shared turns (900,000 records) fit.
WORK_LIMIT = 500_000_000
#: Pairs of distinct sets of codes that share a code, kept for the overall alpha's resamples: beyond this many
#: (about 100 MB) even 100 resamples would pass WORK_LIMIT, so none is attempted.
MAX_OVERLAPS = 1_000_000
#: From this many units per kind on, a resample draws each kind's count (a binomial, a few microseconds)
#: rather than each unit (a quarter of a microsecond): the same distribution, far fewer draws.
UNITS_PER_KIND_FOR_COUNTS = 16
#: The most resampled alphas kept (each figure's, for its percentiles): 160 MB as 8-byte floats.
MAX_STORED_ALPHAS = 20_000_000

Interval = tuple[float, float]


@dataclass
class AlphaIntervals:
    """95% intervals: per code id, per exclusive group id, and over whole code sets (None: not computable)."""

    replicates: int
    seed: int
    codes: dict[str, Interval | None]
    groups: dict[str, Interval | None]
    masi: Interval | None


class BootstrapTooLarge(UsageError):
    """The resamples asked for would take longer than anyone should wait; fewer would fit."""


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
    are the ones reported. Raises BootstrapTooLarge when the work would pass WORK_LIMIT."""
    pairable = Counter(tuple(sorted(unit.items())) for unit in units if len(unit) >= 2)
    kinds = list(pairable)
    total = sum(pairable.values())
    # A code nobody applied on these turns has no alpha in any resample: only the applied ones are resampled.
    applied = {code for kind in kinds for _, codes in kind for code in codes}
    code_ids = [code.id for code in codebook.codes if code.id in applied]
    exclusive = {group.id: [c.id for c in codebook.codes_in(group.id)] for group in codebook.groups if group.exclusive}
    figures = len(code_ids) + len(exclusive) + 1
    # Setting up costs the pairs of distinct sets of codes on each kind (the overall alpha's observed part).
    setup = sum(len(set(codes for _, codes in kind)) ** 2 for kind in kinds)
    _refuse_beyond(replicates * figures, MAX_STORED_ALPHAS, replicates, total, code_ids, "figures kept")
    _refuse_beyond(4 * setup, WORK_LIMIT, 1, total, code_ids, "setting up")
    binary = _BinaryCounts(kinds, code_ids)
    # An exclusive group has a few categories: its alpha comes from the histogram of its patterns.
    groups = {
        group_id: [pattern(group_value(codes, members) for _, codes in kind) for kind in kinds]
        for group_id, members in exclusive.items()
    }
    sets = _SetCounts(kinds)
    # In draws' worth of time: a draw (in C), a kind, a code on a kind, a code's figure (in Python, about four
    # draws each), a pair of overlapping sets of codes (in C).
    draws = total if total < UNITS_PER_KIND_FOR_COUNTS * len(kinds) else 12 * len(kinds)  # a binomial: ~3 us
    visits = len(kinds) * (1 + len(groups)) + binary.entries + sets.entries + figures
    _refuse_beyond(replicates * (draws + 4 * visits + sets.overlaps), WORK_LIMIT, replicates, total, code_ids, "time")
    alphas: dict[tuple[str, str], array[float]] = {("code", code_id): array("d") for code_id in code_ids}
    alphas.update({("group", group_id): array("d") for group_id in groups})
    alphas[("masi", "")] = array("d")
    draw = _resampler(list(pairable.values()), seed)
    for _ in range(replicates if total else 0):
        drawn = draw()
        for code_id, value in zip(code_ids, binary.alphas(drawn), strict=True):
            if value is not None:
                alphas[("code", code_id)].append(value)
        for group_id, patterns in groups.items():
            histogram: Histogram = Counter()
            for kind, count in drawn.items():
                histogram[patterns[kind]] += count
            value = krippendorff_alpha_of(histogram, nominal_distance).value
            if value is not None:
                alphas[("group", group_id)].append(value)
        value = sets.alpha(drawn)
        if value is not None:
            alphas[("masi", "")].append(value)

    def interval(target: tuple[str, str]) -> Interval | None:
        values = sorted(alphas.get(target, ()))
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


def _refuse_beyond(work: int, limit: int, replicates: int, total: int, code_ids: Sequence[str], what: str) -> None:
    """Raise BootstrapTooLarge, naming a --boot that fits, when `work` for `replicates` passes `limit`."""
    if work <= limit:
        return
    fits = limit * replicates // max(1, work)
    advice = f"--boot {fits // 100 * 100} fits" if fits >= 100 and replicates > 1 else "no --boot fits; leave out --ci"
    raise BootstrapTooLarge(
        f"{replicates} resamples of {total} turns with {len(code_ids)} codes applied would take too much "
        f"{'memory' if what == 'figures kept' else 'time'}; {advice}"
    )


def _resampler(sizes: list[int], seed: int) -> Callable[[], Counter[int]]:
    """A function giving, at each call, how many units of each kind (by index) one resample drew."""
    total = sum(sizes)
    uniform = random.Random(seed).random
    if total < UNITS_PER_KIND_FOR_COUNTS * len(sizes):
        # Unit i (counted kind by kind) belongs to kind_of_unit[i]; a draw u picks unit int(u * total), the same
        # kind as bisecting the kinds' cumulative sizes at u * total. The chain of maps runs in C.
        kind_of_unit = [index for index, size in enumerate(sizes) for _ in range(size)]
        scale = float(total)
        draws = iter(uniform, None)  # the generator's numbers, one after another (never None)
        return lambda: Counter(map(kind_of_unit.__getitem__, map(int, map(scale.__mul__, islice(draws, total)))))

    def by_kind() -> Counter[int]:
        return Counter({index: count for index, count in enumerate(multinomial(uniform, total, sizes)) if count})

    return by_kind


Kind = tuple[tuple[str, frozenset[str]], ...]  # a kind of unit: (coder, codes) for each coder who reviewed it


class _BinaryCounts:
    """Each code's alpha over present/absent, from the kinds of units that carry it.

    For a unit of m coders, j of whom applied the code, the coincidences are j(j-1)/(m-1) present-present,
    (m-j)(m-j-1)/(m-1) absent-absent and j(m-j)/(m-1) each way between; with n1 values "present" of n,
    alpha = 1 - (n - 1) * o_01 / (n1 * (n - n1)), undefined when every value is the same. Only kinds where
    someone applied the code add to n1 and o_01, so a resample costs the codes on its kinds, not codes x kinds.
    """

    def __init__(self, kinds: Sequence[Kind], code_ids: Sequence[str]) -> None:
        place = {code_id: index for index, code_id in enumerate(code_ids)}
        self.codes = len(code_ids)
        self.coders = [len(kind) for kind in kinds]
        self.carried: list[list[tuple[int, int, float]]] = []  # per kind: (code, j, j(m-j)/(m-1))
        for kind in kinds:
            m = len(kind)
            applied = Counter(code for _, codes in kind for code in codes if code in place)
            self.carried.append([(place[code], j, j * (m - j) / (m - 1)) for code, j in applied.items()])
        self.entries = sum(len(entries) for entries in self.carried)

    def alphas(self, drawn: Counter[int]) -> list[float | None]:
        n = sum(self.coders[kind] * count for kind, count in drawn.items())
        present = [0] * self.codes
        between = [0.0] * self.codes
        for kind, count in drawn.items():
            for code, j, pairs in self.carried[kind]:
                present[code] += count * j
                between[code] += count * pairs
        return [
            None if n1 == 0 or n1 == n else 1 - (n - 1) * o01 / (n1 * (n - n1))
            for n1, o01 in zip(present, between, strict=True)
        ]


class _SetCounts:
    """The alpha over each turn's whole set of codes (MASI distance), from per-kind sums and the pairs of
    distinct sets that share a code.

    Observed disagreement is a sum over units, so each kind's share is worked out once. The expected one is
    sum over ordered pairs of distinct sets c, k of n_c n_k d(c, k): sets sharing no code are 1 apart, so
    it is (n^2 - sum n_c^2) minus 2 n_c n_k (1 - d(c, k)) for each pair that shares a code, and a resample
    costs those pairs, not the square of the distinct sets.
    """

    def __init__(self, kinds: Sequence[Kind]) -> None:
        place: dict[frozenset[str], int] = {}
        self.values: list[frozenset[str]] = []
        self.given: list[list[tuple[int, int]]] = []  # per kind: (set, how many of its coders gave it)
        self.observed: list[float] = []  # per kind: its unit's disagreement, sum over ordered pairs / (m - 1)
        self.coders: list[int] = []
        for kind in kinds:
            given = Counter(codes for _, codes in kind)
            m = len(kind)
            self.coders.append(m)
            self.observed.append(
                sum(n_c * n_k * masi_distance(c, k) for c, n_c in given.items() for k, n_k in given.items() if c != k)
                / (m - 1)
            )
            self.given.append([(place.setdefault(codes, len(place)), count) for codes, count in given.items()])
        self.values = list(place)
        self.entries = sum(len(given) for given in self.given)
        carrying: dict[str, list[int]] = {}
        for index, codes in enumerate(self.values):
            for code in codes:
                carrying.setdefault(code, []).append(index)
        pairs: set[tuple[int, int]] = set()
        too_many = False
        for indexes in carrying.values():
            if len(pairs) + len(indexes) * (len(indexes) - 1) // 2 > MAX_OVERLAPS:
                too_many = True  # more than any bootstrap may visit (counted before they are made): say so
                pairs.clear()
                break
            pairs.update((a, b) for position, a in enumerate(indexes) for b in indexes[position + 1 :])
        self.overlaps = WORK_LIMIT if too_many else len(pairs)
        self.first = [a for a, _ in sorted(pairs)]
        self.second = [b for _, b in sorted(pairs)]
        self.similarity = [1 - masi_distance(self.values[a], self.values[b]) for a, b in sorted(pairs)]

    def alpha(self, drawn: Counter[int]) -> float | None:
        counts = [0] * len(self.values)
        observed = 0.0
        for kind, count in drawn.items():
            observed += count * self.observed[kind]
            for value, given in self.given[kind]:
                counts[value] += count * given
        if sum(1 for count in counts if count) < 2:
            return None  # one set of codes throughout: nothing to disagree about
        n = sum(counts)
        products = map(mul, map(counts.__getitem__, self.first), map(counts.__getitem__, self.second))
        shared: float = sum(map(mul, products, self.similarity))
        expected = (n * n - sum(count * count for count in counts) - 2 * shared) / (n - 1)
        return 1 - observed / expected


def percentile(ordered: Sequence[float], share: float) -> float:
    """The value below which `share` of the sorted values lie, interpolated between the two nearest
    (Hyndman & Fan 1996 definition 7, R's and numpy's default)."""
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
