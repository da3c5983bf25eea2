"""How many times each kind of unit is drawn in a resample with replacement: exact, from a seeded generator.

A bootstrap resample of N units that fall into K kinds is a multinomial draw of N over the kinds, weighted by
their sizes. Drawing the N units one by one costs N; drawing each kind's count from a binomial, given what the
kinds before it took, costs K. A study of 300,000 turns has about a thousand kinds, so the second is what makes
its resamples cheap; a small study whose turns are nearly all different draws its units one by one.

The binomial draws are exact: inversion (walking the probabilities from 0) when the expected count is small,
else Hormann's transformed rejection with squeeze, BTRS ("The generation of binomial random variates",
J. Statist. Comput. Simul. 46, 1993), which takes a few uniform numbers whatever n is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import floor, lgamma, log, sqrt

#: Below this expected count (n * min(p, 1 - p)), inversion; from it on, BTRS (valid from 10 on).
INVERSION_BELOW = 10.0


def binomial(uniform: Callable[[], float], n: int, p: float) -> int:
    """A draw from Binomial(n, p), using `uniform` (numbers in [0, 1), e.g. random.Random(seed).random)."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial(uniform, n, 1.0 - p)
    if n * p < INVERSION_BELOW:
        return _by_inversion(uniform, n, p)
    return _by_transformed_rejection(uniform, n, p)


def _by_inversion(uniform: Callable[[], float], n: int, p: float) -> int:
    """Walk P(X = 0), P(X = 1), ... until they add up past a uniform number (p <= 0.5, n * p small)."""
    q = 1.0 - p
    ratio = p / q
    while True:
        u = uniform()
        probability = q**n  # P(X = 0): at least e^-20 here, so never 0
        k = 0
        while u > probability and k < n:
            u -= probability
            k += 1
            probability *= ratio * (n - k + 1) / k  # P(X = k) from P(X = k - 1)
        if u <= probability:
            return k
        # Rounding left a sliver past P(X = n): draw again (exact, and it almost never happens).


def _by_transformed_rejection(uniform: Callable[[], float], n: int, p: float) -> int:
    """Hormann's BTRS for p <= 0.5 and n * p >= 10."""
    q = 1.0 - p
    spread = sqrt(n * p * q)
    b = 1.15 + 2.53 * spread
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    accept_at_once = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spread
    odds = log(p / q)
    mode = floor((n + 1) * p)
    at_mode = lgamma(mode + 1) + lgamma(n - mode + 1)
    while True:
        u = uniform() - 0.5
        v = uniform()
        us = 0.5 - abs(u)
        if us == 0.0:
            continue  # the generator gave exactly 0.0: a point of no weight, rejected rather than divided by
        k = floor((2 * a / us + b) * u + c)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= accept_at_once:
            return k
        # v is 0 only when the generator returns exactly 0.0: then log would fail, and any k is accepted
        if (
            v == 0.0
            or log(v * alpha / (a / (us * us) + b)) <= at_mode - lgamma(k + 1) - lgamma(n - k + 1) + (k - mode) * odds
        ):
            return k


def multinomial(uniform: Callable[[], float], total: int, weights: Sequence[int]) -> list[int]:
    """How many of `total` draws fall on each item, each draw picking an item in proportion to its weight:
    each item's count from a binomial, given what the items before it took."""
    counts = [0] * len(weights)
    left, weight_left = total, sum(weights)
    for index, weight in enumerate(weights):
        if left == 0:
            break
        drawn = left if weight >= weight_left else binomial(uniform, left, weight / weight_left)
        counts[index] = drawn
        left -= drawn
        weight_left -= weight
    return counts
