"""The exact binomial and multinomial draws behind large studies' bootstrap (agreement/resampling.py).

Each test draws with a fixed seed, so it gives the same verdict on every run: the thresholds are far in the
tail (a goodness-of-fit p-value below one in a million fails), so a correct sampler passes with any seed and a
wrong probability or constant fails with nearly every one.
"""

from __future__ import annotations

import random
from math import exp, lgamma, log, sqrt
from pathlib import Path

import pytest

from purer_tui.agreement import bootstrap
from purer_tui.agreement.resampling import binomial, multinomial
from tests.conftest import write


def binomial_probabilities(n: int, p: float) -> list[float]:
    return [
        exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * log(p) + (n - k) * log(1 - p)) for k in range(n + 1)
    ]


def chi_square_limit(degrees: int) -> float:
    """The chi-square value a fit exceeds with probability 1e-6 (Wilson & Hilferty's approximation)."""
    z = 4.753  # the standard normal's upper 1e-6 point
    return degrees * (1 - 2 / (9 * degrees) + z * sqrt(2 / (9 * degrees))) ** 3


def fits(counts: dict[int, int], probabilities: dict[int, float], draws: int) -> bool:
    """Pearson's chi-square over the outcomes, neighbours pooled until each expects at least 10."""
    observed, expected, pooled_o, pooled_e = [], [], 0, 0.0
    for outcome in sorted(probabilities):
        pooled_o += counts.get(outcome, 0)
        pooled_e += probabilities[outcome] * draws
        if pooled_e >= 10:
            observed.append(pooled_o)
            expected.append(pooled_e)
            pooled_o, pooled_e = 0, 0.0
    observed[-1] += pooled_o
    expected[-1] += pooled_e
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    return statistic < chi_square_limit(len(observed) - 1)


@pytest.mark.parametrize(
    ("n", "p"),
    [
        (5, 0.3),  # inversion
        (40, 0.1),  # inversion, expected 4
        (40, 0.5),  # transformed rejection, expected 20
        (1_000, 0.02),  # transformed rejection just past the switch
        (300_000, 0.37),  # a large kind of a large study
        (50, 0.9),  # p above one half: the mirror
        (100_000, 0.00003),  # inversion with a large n
    ],
)
def test_binomial_draws_follow_the_binomial_distribution(n: int, p: float) -> None:
    uniform = random.Random(20261201).random
    draws = 20_000
    counts: dict[int, int] = {}
    for _ in range(draws):
        k = binomial(uniform, n, p)
        assert 0 <= k <= n
        counts[k] = counts.get(k, 0) + 1
    low, high = int(n * p - 12 * sqrt(n * p * (1 - p)) - 12), int(n * p + 12 * sqrt(n * p * (1 - p)) + 12)
    probabilities = {k: q for k, q in enumerate(binomial_probabilities(n, p)) if low <= k <= high}
    assert fits(counts, probabilities, draws)
    mean = sum(k * c for k, c in counts.items()) / draws
    assert abs(mean - n * p) < 5 * sqrt(n * p * (1 - p) / draws)


def test_a_wrong_probability_is_caught_by_the_fit() -> None:
    """The fit test can fail: draws from p = 0.31 do not pass for p = 0.30."""
    uniform = random.Random(7).random
    counts: dict[int, int] = {}
    for _ in range(20_000):
        k = binomial(uniform, 400, 0.31)
        counts[k] = counts.get(k, 0) + 1
    assert not fits(counts, dict(enumerate(binomial_probabilities(400, 0.30))), 20_000)


def test_the_edges() -> None:
    uniform = random.Random(1).random
    assert binomial(uniform, 0, 0.5) == 0 and binomial(uniform, 10, 0.0) == 0 and binomial(uniform, 10, 1.0) == 10


def test_multinomial_counts_add_up_and_each_follows_its_binomial() -> None:
    uniform = random.Random(3).random
    weights = [5_000, 3, 0, 120_000, 40, 40, 1]
    total = sum(weights)
    draws = 4_000
    tallies: list[dict[int, int]] = [{} for _ in weights]
    for _ in range(draws):
        counts = multinomial(uniform, total, weights)
        assert sum(counts) == total and counts[2] == 0
        for index, count in enumerate(counts):
            tallies[index][count] = tallies[index].get(count, 0) + 1
    for index, weight in enumerate(weights):
        if weight:
            p = weight / total
            assert fits(tallies[index], dict(enumerate(binomial_probabilities(total, p))), draws), index


def test_a_large_study_s_interval_is_the_same_drawn_by_kind_as_unit_by_unit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The two ways of resampling give the same intervals up to the bootstrap's own randomness."""
    from purer_tui.agreement.study_agreement import _group_value
    from purer_tui.core.codebook import load_codebook

    codebook = load_codebook(
        write(
            tmp_path / "c.toml",
            '[codebook]\nname = "c"\n[groups.g]\nlabel = "G"\nexclusive = true\n'
            '[codes.a]\nlabel = "A"\ngroup = "g"\ndefinition = "d"\n'
            '[codes.b]\nlabel = "B"\ngroup = "g"\ndefinition = "d"\n'
            '[codes.x]\nlabel = "X"\ndefinition = "d"\n',
        )
    )
    rng = random.Random(11)
    units = []
    for _ in range(3_000):  # 3,000 turns, two coders, a dozen kinds: far more units than kinds
        truth = rng.choice([frozenset(), frozenset({"a"}), frozenset({"b"}), frozenset({"a", "x"})])
        slip = rng.random() < 0.15
        other = rng.choice([frozenset(), frozenset({"b"}), frozenset({"x"})]) if slip else truth
        units.append({"ana": truth, "ben": other})
    by_kind = bootstrap.alpha_intervals(units, codebook, 2_000, 5, group_value=_group_value)
    monkeypatch.setattr(bootstrap, "UNITS_PER_KIND_FOR_COUNTS", 10**9)
    by_unit = bootstrap.alpha_intervals(units, codebook, 2_000, 5, group_value=_group_value)
    pairs = [(by_kind.masi, by_unit.masi), *((by_kind.codes[c], by_unit.codes[c]) for c in ("a", "b", "x"))]
    pairs.append((by_kind.groups["g"], by_unit.groups["g"]))
    for first, second in pairs:
        assert first is not None and second is not None
        # 2,000 resamples: each limit's Monte-Carlo error is well under 0.01 here
        assert first == pytest.approx(second, abs=0.015)
        assert first != second  # they did draw differently


def test_a_generator_giving_exactly_zero_is_drawn_again_not_divided_by() -> None:
    numbers = random.Random(2)
    given = iter([0.0, 0.0, *[numbers.random() for _ in range(1_000)]])
    assert 0 <= binomial(lambda: next(given), 1_000, 0.3) <= 1_000
