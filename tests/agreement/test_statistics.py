"""Agreement coefficients against published worked examples and reference implementations.

Sources of the expected values:
- Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
  for Communication, University of Pennsylvania. Section C: 4 observers, 12 units, missing
  data; nominal alpha = 0.743. The same value from the `krippendorff` package (0.9.0),
  NLTK 3.10 `AnnotationTask.alpha()` and irrCAC 0.4.4 (0.74342).
- Artstein, R. & Poesio, M. (2008). Inter-coder agreement for computational linguistics.
  Computational Linguistics 34(4). The 100-item, two-coder example shipped with NLTK as
  `nltk/metrics/artstein_poesio_example.txt`; NLTK's doctest: avg_Ao 0.88, pi 0.79953.
  Cohen's kappa 0.8013245033112583 from scikit-learn 1.9 `cohen_kappa_score` and NLTK
  `kappa()`; alpha 0.8005345806882727 from NLTK; Gwet's AC1 0.82874 from irrCAC 0.4.4.
- Gwet's AC1 and the generalised Fleiss' kappa with missing ratings: irrCAC 0.4.4
  (`CAC(...).gwet()`, `.fleiss()`), the Python port of Gwet's own irrCAC.
- MASI alpha: NLTK 3.10 `AnnotationTask(distance=masi_distance).alpha()` on the set data below.
"""

from __future__ import annotations

import pytest

from purer_tui.agreement.statistics import (
    ALL_THE_SAME,
    NO_UNITS,
    cohen_kappa,
    confusion_table,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    masi_distance,
    percent_agreement,
)

_ = None
KRIPPENDORFF_2011 = {  # rows: observers A-D; columns: units 1-12; _ = missing
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    "C": [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
}


def by_unit(table: dict[str, list]) -> list[dict]:
    width = len(next(iter(table.values())))
    return [{coder: values[u] for coder, values in table.items() if values[u] is not None} for u in range(width)]


K = by_unit(KRIPPENDORFF_2011)
AP = [
    {"a": a, "b": b}
    for a, b in zip(  # noqa: B905 (equal lengths by construction)
        ["stat"] * 46 + ["ireq"] * 44 + ["chck"] * 10,
        ["stat"] * 52 + ["ireq"] * 32 + ["chck"] * 16,
    )
]


def test_krippendorff_2011_nominal_alpha() -> None:
    alpha = krippendorff_alpha(K)
    assert round(alpha.value, 3) == 0.743
    assert alpha.value == pytest.approx(0.743421052631579, abs=1e-12)
    assert alpha.units == 11  # unit 12 has one value: not pairable


def test_krippendorff_2011_with_missing_data_other_coefficients() -> None:
    assert percent_agreement(K).value == pytest.approx(0.81818, abs=5e-6)
    assert fleiss_kappa(K).value == pytest.approx(0.76117, abs=5e-6)
    assert gwet_ac1(K, [1, 2, 3, 4, 5]).value == pytest.approx(0.77544, abs=5e-6)


def test_artstein_and_poesio_example() -> None:
    assert percent_agreement(AP).value == pytest.approx(0.88)
    assert cohen_kappa(AP, "a", "b").value == pytest.approx(0.8013245033112583, abs=1e-12)
    assert fleiss_kappa(AP).value == pytest.approx(0.7995322418977615, abs=1e-12)  # Scott's pi for two coders
    assert krippendorff_alpha(AP).value == pytest.approx(0.8005345806882727, abs=1e-12)
    assert gwet_ac1(AP, ["stat", "ireq", "chck"]).value == pytest.approx(0.82874, abs=5e-6)
    assert cohen_kappa(AP, "a", "b").units == 100


def test_confusion_table_of_the_artstein_and_poesio_example() -> None:
    assert confusion_table(AP, "a", "b") == {
        ("stat", "stat"): 46,
        ("ireq", "stat"): 6,
        ("ireq", "ireq"): 32,
        ("ireq", "chck"): 6,
        ("chck", "chck"): 10,
    }


def test_a_rare_code_collapses_kappa_but_not_ac1() -> None:
    """One coder applies a code once in 20 units, the other never (scikit-learn: 0.0; irrCAC: 0.94744)."""
    units = [{"a": 1, "b": 0}] + [{"a": 0, "b": 0}] * 19
    assert cohen_kappa(units, "a", "b").value == pytest.approx(0.0)
    assert gwet_ac1(units, [0, 1]).value == pytest.approx(0.94744, abs=5e-6)
    assert percent_agreement(units).value == pytest.approx(0.95)


def test_three_coders_with_a_missing_rating() -> None:
    """Hand-made binary data; irrCAC 0.4.4: AC1 0.62656, Fleiss 0.56938, alpha 0.57576."""
    a = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0]
    b = [1, 0, 0, 0, 1, 0, 1, 1, 0, 0]
    c = [1, 1, 0, 0, 0, 0, 1, 0, 0, None]
    units = by_unit({"a": a, "b": b, "c": c})
    assert gwet_ac1(units, [0, 1]).value == pytest.approx(0.62656, abs=5e-6)
    assert fleiss_kappa(units).value == pytest.approx(0.56938, abs=5e-6)
    assert krippendorff_alpha(units).value == pytest.approx(0.57576, abs=5e-6)


def test_two_coders_by_hand() -> None:
    """Four units: agree on 3 (1,1 / 0,0 / 0,0), disagree on 1 (1,0).

    Po = 3/4; coder a says 1 twice, b once: Pe = (2*1 + 2*3)/16 = 1/2; kappa = (3/4 - 1/2)/(1/2) = 1/2.
    """
    units = [{"a": 1, "b": 1}, {"a": 1, "b": 0}, {"a": 0, "b": 0}, {"a": 0, "b": 0}]
    assert percent_agreement(units).value == 0.75
    assert cohen_kappa(units, "a", "b").value == pytest.approx(0.5)


def test_masi_distance_and_alpha_over_sets() -> None:
    assert masi_distance(frozenset(), frozenset()) == 0.0
    assert masi_distance(frozenset({"p"}), frozenset({"p"})) == 0.0
    assert masi_distance(frozenset({"p"}), frozenset({"p", "r"})) == pytest.approx(1 - 0.5 * 2 / 3)
    assert masi_distance(frozenset({"p", "r"}), frozenset({"p", "e"})) == pytest.approx(1 - (1 / 3) * (1 / 3))
    assert masi_distance(frozenset({"p"}), frozenset({"e"})) == 1.0
    sets = [
        {"a": {"p"}, "b": {"p"}, "c": {"p", "r"}},
        {"a": {"p", "r"}, "b": {"r"}, "c": {"e"}},
        {"a": {"s1"}, "b": {"s1"}, "c": {"s1"}},
        {"a": {"s2", "p"}, "b": {"s2", "p"}},
        {"a": {"e"}, "b": {"u"}, "c": {"e", "u"}},
        {"b": {"f"}, "c": {"f", "p"}},
        {"a": {"s3"}},
    ]
    units = [{coder: frozenset(codes) for coder, codes in unit.items()} for unit in sets]
    assert krippendorff_alpha(units, masi_distance).value == pytest.approx(0.46149843912591026, abs=1e-12)


@pytest.mark.parametrize("value", [0, 1])
def test_everyone_giving_the_same_value_everywhere_is_undefined(value: int) -> None:
    """A code nobody used (all 0) or everyone used on every unit (all 1)."""
    units = [{"a": value, "b": value, "c": value}] * 5
    assert cohen_kappa(units, "a", "b").note == ALL_THE_SAME
    assert krippendorff_alpha(units).value is None and krippendorff_alpha(units).note == ALL_THE_SAME
    assert fleiss_kappa(units).value is None
    assert percent_agreement(units).value == 1.0  # the agreement itself is real, only chance-corrected ones are not
    assert gwet_ac1(units, [0, 1]).value == 1.0


def test_one_coder_or_no_overlap_is_undefined_not_a_crash() -> None:
    alone = [{"a": 1}, {"a": 0}]
    apart = [{"a": 1}, {"b": 0}]
    for units in (alone, apart, []):
        for result in (
            percent_agreement(units),
            cohen_kappa(units, "a", "b"),
            fleiss_kappa(units),
            krippendorff_alpha(units),
            gwet_ac1(units, [0, 1]),
        ):
            assert result.value is None and result.units == 0 and result.note == NO_UNITS
