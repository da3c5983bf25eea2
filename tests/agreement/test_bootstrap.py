"""Bootstrap intervals of Krippendorff's alpha (`agree --ci`).

The reference is an independent, plain implementation written for this test: it resamples the list of
turns itself (with the same random stream, one draw per turn) and computes each alpha from scratch with
`krippendorff_alpha` over the resampled units, without the kinds of units the study-scale computation
counts; the 2.5th and 97.5th percentiles are the standard library's (`statistics.quantiles`, inclusive
method: Hyndman & Fan's definition 7, as R's and numpy's default).
"""

from __future__ import annotations

import json
import random
import statistics
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from purer_tui.agreement import report
from purer_tui.agreement.bootstrap import alpha_intervals, percentile
from purer_tui.agreement.statistics import krippendorff_alpha, masi_distance
from purer_tui.agreement.study_agreement import _group_value, measure_collected
from purer_tui.cli import main
from purer_tui.core.coded_units import Unit, collect_units
from purer_tui.core.plain_table import PlainTable
from purer_tui.core.study import load_study
from purer_tui.core.study_coders import agreement_coders
from tests.agreement.test_plain_report import widths_written_as_rich
from tests.agreement.test_study_agreement import small_study


def reference_interval(units: Sequence[Unit], value_of, distance, replicates: int, seed: int):  # type: ignore[no-untyped-def]
    """Resample the turns coded by two or more coders; alpha of each resample from scratch; percentiles."""
    pairable = [unit for unit in units if len(unit) >= 2]
    # One draw per turn, turns listed kind by kind in the order each kind first appears (as the study-scale
    # computation counts them), so the same seed draws the same turns.
    first_seen: dict[object, int] = {}
    for unit in pairable:
        first_seen.setdefault(tuple(sorted(unit.items())), len(first_seen))
    ordered = sorted(pairable, key=lambda unit: first_seen[tuple(sorted(unit.items()))])
    rng = random.Random(seed)
    alphas = []
    for _ in range(replicates):
        resample = [ordered[int(rng.random() * len(ordered))] for _ in ordered]
        values = [{coder: value_of(codes) for coder, codes in unit.items()} for unit in resample]
        alpha = krippendorff_alpha(values, distance).value
        if alpha is not None:
            alphas.append(alpha)
    if len(alphas) < 0.9 * replicates:
        return None
    cuts = statistics.quantiles(alphas, n=40, method="inclusive")
    return (cuts[0], cuts[-1])


def study_units(folder: Path):  # type: ignore[no-untyped-def]
    study = load_study(folder)
    transcripts = study.transcript_paths()
    coders = agreement_coders(study, transcripts, None)
    collected = collect_units(transcripts, coders)
    return study, coders, len(transcripts), collected


CODING = {
    "ana": {1: ["p"], 2: ["p", "s1"], 3: [], 4: ["s2"], 5: ["p"], 6: ["s1"]},
    "ben": {1: ["p"], 2: ["s1"], 3: ["p"], 4: ["s2"], 5: [], 6: ["s1"]},
    "cy": {1: ["p"], 2: ["p", "s2"], 3: [], 5: ["p"], 6: ["s1"]},
}


def test_each_interval_equals_the_plain_reference(tmp_path: Path) -> None:
    from purer_tui.agreement.statistics import nominal_distance

    study, coders, _, collected = study_units(small_study(tmp_path / "s", CODING))
    codebook = study.load_codebook()
    units = list(collected.units.values())
    found = alpha_intervals(units, codebook, 300, 7, group_value=_group_value)
    for code in codebook.codes:
        expected = reference_interval(units, lambda codes, c=code.id: int(c in codes), nominal_distance, 300, 7)
        assert found.codes[code.id] == (pytest.approx(expected) if expected else None), code.id
    for group in codebook.groups:
        if group.exclusive:
            members = [c.id for c in codebook.codes_in(group.id)]
            expected = reference_interval(
                units, lambda codes, m=members: _group_value(codes, m), nominal_distance, 300, 7
            )
            assert found.groups[group.id] == (pytest.approx(expected) if expected else None)
    expected = reference_interval(units, lambda codes: codes, masi_distance, 300, 7)
    assert found.masi == (pytest.approx(expected) if expected else None)
    assert any(interval is not None for interval in found.codes.values())


def test_an_interval_is_the_same_for_a_seed_and_holds_the_point_value(tmp_path: Path) -> None:
    study, coders, transcripts, collected = study_units(small_study(tmp_path / "s", CODING))
    codebook = study.load_codebook()
    first = measure_collected(collected, codebook, coders, transcripts, bootstrap=(400, 3))
    again = measure_collected(collected, codebook, coders, transcripts, bootstrap=(400, 3))
    other = measure_collected(collected, codebook, coders, transcripts, bootstrap=(400, 4))
    assert first.intervals == again.intervals and first.intervals != other.intervals
    assert first.intervals is not None
    checked = 0
    for item in first.codes:
        interval = first.intervals.codes[item.code.id]
        if interval is not None and item.alpha.value is not None:
            assert interval[0] <= item.alpha.value <= interval[1], item.code.id
            checked += 1
    masi = first.masi_alpha
    assert first.intervals.masi is not None and masi is not None and masi.value is not None
    assert first.intervals.masi[0] <= masi.value <= first.intervals.masi[1]
    assert checked >= 1


def test_perfect_agreement_gives_a_point_interval_and_the_percentile_is_definition_seven() -> None:
    values = sorted(random.Random(1).random() for _ in range(37))
    for share, index in ((0.025, 0), (0.975, -1)):
        assert percentile(values, share) == pytest.approx(statistics.quantiles(values, n=40, method="inclusive")[index])


def test_agree_ci_on_the_command_line(demo_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(demo_study)
    runner = CliRunner()
    data = json.loads(runner.invoke(main, ["agree", "--ci", "--boot", "200", "--seed", "5", "--json"]).stdout)
    assert data["bootstrap"]["replicates"] == 200 and data["bootstrap"]["seed"] == 5
    assert all("alpha_ci" in code for code in data["codes"]) and "masi_alpha_ci" in data["overall"]
    low, high = data["overall"]["masi_alpha_ci"]
    assert low <= data["overall"]["masi_alpha"]["value"] <= high
    assert "alpha_ci" not in json.loads(runner.invoke(main, ["agree", "--json"]).stdout)["codes"][0]
    rows = runner.invoke(main, ["agree", "--ci", "--boot", "200", "--csv"]).stdout.splitlines()
    import csv

    table = list(csv.reader(rows))
    assert table[0][-2:] == ["alpha_ci_low", "alpha_ci_high"] and all(len(row) == len(table[0]) for row in table)
    for args, message in (
        (["agree", "--seed", "3"], "--boot and --seed go with --ci"),
        (["agree", "--ci", "--history"], "--ci goes with agree or agree --at, not --history"),
    ):
        refused = runner.invoke(main, args)
        assert refused.exit_code == 2 and message in refused.stderr


def test_the_report_with_intervals_written_without_rich_is_rich_s_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study, coders, transcripts, collected = study_units(small_study(tmp_path / "s", CODING))
    result = measure_collected(collected, study.load_codebook(), coders, transcripts, bootstrap=(200, 1))
    parts = report._report_parts(result)
    assert widths_written_as_rich(parts, [40, 80, 120, 200], monkeypatch) >= 2
    assert any(isinstance(part, PlainTable) and "α 95% CI" in part.headers for part in parts)


@given(
    st.dictionaries(
        st.sampled_from(["ana", "ben", "cy"]),
        st.dictionaries(st.integers(1, 6), st.lists(st.sampled_from(["p", "s1", "s2"]), unique=True, max_size=3)),
        min_size=2,
        max_size=3,
    ),
    st.integers(0, 50),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_coding_s_intervals_equal_the_plain_reference(
    tmp_path_factory: pytest.TempPathFactory, coding: dict[str, dict[int, list[str]]], seed: int
) -> None:
    """The per-code sums and the overlapping sets of codes give what recomputing every alpha from scratch gives."""
    from purer_tui.agreement.statistics import nominal_distance

    study, _, _, collected = study_units(small_study(tmp_path_factory.mktemp("s"), coding))
    codebook = study.load_codebook()
    units = list(collected.units.values())
    found = alpha_intervals(units, codebook, 100, seed, group_value=_group_value)
    for code in codebook.codes:
        expected = reference_interval(units, lambda codes, c=code.id: int(c in codes), nominal_distance, 100, seed)
        assert found.codes[code.id] == (pytest.approx(expected) if expected else None), code.id
    expected = reference_interval(units, lambda codes: codes, masi_distance, 100, seed)
    assert found.masi == (pytest.approx(expected) if expected else None)


def test_a_bootstrap_too_large_to_wait_for_is_refused_in_one_line_and_the_report_goes_without(
    demo_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A study anyone can push to could hold thousands of codes and sets of codes: the work is bounded."""
    import purer_tui.agreement.bootstrap as bootstrap

    monkeypatch.setattr(bootstrap, "WORK_LIMIT", 10_000)
    result = CliRunner().invoke(main, ["agree", str(demo_study), "--ci"])
    assert result.exit_code == 2
    assert "would take too much time" in result.stderr and "--boot" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = CliRunner().invoke(main, ["report", str(demo_study), "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No intervals:" in page and "would take too much time" in page and "0.663" in page  # the overall alpha


def test_too_many_overlapping_sets_of_codes_are_counted_before_they_are_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import purer_tui.agreement.bootstrap as bootstrap

    monkeypatch.setattr(bootstrap, "MAX_OVERLAPS", 10)
    # every set carries "a": 8 distinct sets, 28 pairs sharing a code
    kinds = [(("ana", frozenset({"a", f"x{n}"})), ("ben", frozenset({"a"}))) for n in range(8)]
    assert bootstrap._SetCounts(kinds).overlaps == bootstrap.WORK_LIMIT
    monkeypatch.setattr(bootstrap, "MAX_OVERLAPS", 100)
    assert bootstrap._SetCounts(kinds).overlaps == 8 * 9 // 2  # the 9 sets ({"a"} too) all share "a"
    separate = [(("ana", frozenset({f"x{n}"})), ("ben", frozenset({f"y{n}"}))) for n in range(8)]
    assert bootstrap._SetCounts(separate).overlaps == 0


def test_codes_nobody_applied_cost_nothing_and_the_kept_figures_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pushed codebook of tens of thousands of codes, applied to nothing: no resample visits them, and the
    figures kept for the percentiles are bounded (memory)."""
    import purer_tui.agreement.bootstrap as bootstrap

    study, _, _, collected = study_units(small_study(tmp_path / "s", CODING))
    codebook = study.load_codebook()
    units = list(collected.units.values())
    unused = bootstrap.alpha_intervals(units, codebook, 200, 1, group_value=_group_value)
    applied = {code for unit in units for codes in unit.values() for code in codes}
    assert {code for code, interval in unused.codes.items() if interval is not None} <= applied
    assert set(unused.codes) == {code.id for code in codebook.codes}  # every code still answers (None: no interval)
    monkeypatch.setattr(bootstrap, "MAX_STORED_ALPHAS", 600)  # 5 figures (3 codes, a group, overall): 120 resamples
    with pytest.raises(bootstrap.BootstrapTooLarge, match="too much memory; --boot 100 fits"):
        bootstrap.alpha_intervals(units, codebook, 200, 1, group_value=_group_value)


def test_more_coders_than_agreement_compares_are_refused_in_one_line(tmp_path: Path) -> None:
    from purer_tui.agreement import study_agreement

    coding = {f"c{n:03d}": {1: ["p"], 2: []} for n in range(study_agreement.MAX_CODERS + 1)}
    folder = small_study(tmp_path / "s", coding)
    result = CliRunner().invoke(main, ["agree", str(folder)])
    assert result.exit_code == 2 and "at most 100 coders" in result.stderr and "--coders" in result.stderr
    result = CliRunner().invoke(main, ["agree", str(folder), "--coders", "c000,c001"])
    assert result.exit_code == 0
    result = CliRunner().invoke(main, ["report", str(folder), "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 0 and "at most 100 coders" in (tmp_path / "r.html").read_text(encoding="utf-8")
