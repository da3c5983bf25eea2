"""`agree --ci` against a recorded reference: Krippendorff's canonical nominal example.

The data: four observers (A-D) give twelve units a value from 1 to 5, seven values missing (Krippendorff 2011,
"Computing Krippendorff's Alpha-Reliability", University of Pennsylvania, section C, and its 2013 revision; the
"C" data of R's irr package). Nominal alpha = 0.743, as published there. Unit 12 has a single value, so 11 units are
pairable; they are what the bootstrap resamples.

Reference interval, from an independent implementation run while this test was written: the PyPI package
`krippendorff` 0.9.0 (numpy 2.4.6, Python 3.11.7; it shares no code with purer-tui) computed the nominal alpha
of 20,000 resamples of the 11 pairable units (11 drawn with replacement each time, by
`numpy.random.default_rng(20240601).integers`), recomputing the observed and the expected disagreement on
each; the 2.5th and 97.5th percentiles by `numpy.quantile` (its default, Hyndman & Fan's definition 7).
Result, 2026-12-01: (0.41762, 1.0); every resample's alpha was defined; 2.8% of them were exactly 1 (no unit
with a disagreement drawn: (8/11)^11 = 3.0%), so at 20,000 resamples the upper limit is 1 whatever the seed.
Resampling all 12 units instead, the unpairable one included, gave (0.41558, 1.0): no practical difference.

A published interval on these data (Hughes 2021, "krippendorffsalpha: An R Package for Measuring Agreement
Using Krippendorff's Alpha Coefficient", R Journal 13(1), p. 418-419: alpha 0.7429, 95% interval (0.4644, 1)
from 1,000 bootstrap samples, set.seed(42)) resamples units too, but keeps the expected disagreement of the
full data fixed and recomputes only the observed one (step 4 of its algorithm, "alpha_i = 1 - D_o(i) / D_e"),
and counts the unpairable unit's value in D_e (hence 0.7429 rather than 0.7434). That is not the interval
purer-tui computes, so it is not compared with. (The same fixed-D_e scheme, run with the reference's 20,000
resamples, gives a lower limit of 0.462, consistent with the published 0.4644.) Hayes & Krippendorff's KALPHA
macro resamples pairs of values, not units, and is not comparable either.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from purer_tui.agreement.study_agreement import StudyAgreement, measure_collected
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.coded_units import collect_units
from purer_tui.core.study import load_study
from purer_tui.core.study_coders import agreement_coders
from tests.conftest import write

# Krippendorff (2011), section C: observer -> value per unit 1-12 (None: the observer left the unit uncoded).
OBSERVERS: dict[str, list[int | None]] = {
    "a": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "b": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "c": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "d": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
PUBLISHED_ALPHA = 0.743  # Krippendorff (2011), section C, nominal alpha

REFERENCE_INTERVAL = (0.41762, 1.0)  # `krippendorff` 0.9.0, 20,000 unit resamples (see the module docstring)
REPLICATES = 20_000
# The 2.5th percentile of 20,000 bootstrap alphas varies from seed to seed with a standard deviation of about
# 0.002 here (12 seeds each: 0.0017 for purer-tui, 0.0021 for the reference; the binomial order-statistic bound,
# a quantile's band p +- sqrt(p(1 - p) / B), gives at most 0.004). The difference of two independent estimates
# then has a standard error of 0.003 (0.0056 at the bound): 0.015 is five times the first, 2.7 times the second,
# and a third of the gap to the fixed-D_e scheme's 0.462, which it would catch.
TOLERANCE = 0.015

CODEBOOK = '[codebook]\nname = "canonical"\n[groups.value]\nlabel = "Value"\nexclusive = true\n' + "".join(
    f'[codes.v{value}]\ngroup = "value"\nlabel = "{value}"\ndefinition = "value {value}"\n' for value in range(1, 6)
)


def canonical_study(folder: Path) -> Path:
    """One transcript of 12 turns (the units); each observer a coder; one exclusive group, its codes the values."""
    write(folder / "purer.toml", '[study]\nname = "k"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n')
    write(folder / "c.toml", CODEBOOK)
    write(folder / "t.txt", "".join(f"{'A' if n % 2 else 'B'}: unit {n}\n" for n in range(1, 13)))
    for coder, values in OBSERVERS.items():
        AnnotationFile.open(folder / f"t.{coder}.jsonl").put_many(
            AnnotationRecord(turn, (f"v{value}",)) for turn, value in enumerate(values, 1) if value is not None
        )
    return folder


def agreement(folder: Path, bootstrap: tuple[int, int] | None = None) -> StudyAgreement:
    study = load_study(folder)
    transcripts = study.transcript_paths()
    coders = agreement_coders(study, transcripts, None)
    collected = collect_units(transcripts, coders)
    return measure_collected(collected, study.load_codebook(), coders, len(transcripts), bootstrap=bootstrap)


def test_the_point_alpha_is_krippendorff_s_published_value(tmp_path: Path) -> None:
    result = agreement(canonical_study(tmp_path / "s"))
    assert result.coders == ["a", "b", "c", "d"] and result.units_shared == 11
    (group,) = result.groups
    assert group.alpha.units == 11
    assert round(group.alpha.value or 0, 3) == PUBLISHED_ALPHA
    # One code per turn: MASI between single codes is the nominal distance, so the overall alpha is the same.
    assert result.masi_alpha is not None and result.masi_alpha.value == pytest.approx(group.alpha.value)


def test_the_interval_agrees_with_an_independent_implementation(tmp_path: Path) -> None:
    result = agreement(canonical_study(tmp_path / "s"), bootstrap=(REPLICATES, 2011))
    assert result.intervals is not None
    low, high = result.intervals.groups["value"] or (None, None)
    assert low == pytest.approx(REFERENCE_INTERVAL[0], abs=TOLERANCE)
    assert high == REFERENCE_INTERVAL[1]  # 3% of resamples agree perfectly: more than the top 2.5%
    assert result.intervals.masi == pytest.approx((low, high))
