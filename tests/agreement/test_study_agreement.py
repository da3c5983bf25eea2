"""Agreement over a study, hand-checked on small studies, and the agree / disagreements commands."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from purer_tui.agreement.disagreements import find_disagreements
from purer_tui.agreement.study_agreement import measure
from purer_tui.core.annotation_records import AnnotationRecord, Conflict, TurnVersion
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.coded_units import collect_units
from purer_tui.core.study import load_study
from purer_tui.core.study_coders import agreement_coders
from tests.conftest import write

CODEBOOK = """\
[codebook]
name = "small"
[groups.stage]
label = "Stage"
exclusive = true
[codes.p]
label = "P"
definition = "p"
[codes.s1]
group = "stage"
label = "S1"
definition = "s1"
[codes.s2]
group = "stage"
label = "S2"
definition = "s2"
"""


def small_study(folder: Path, coding: dict[str, dict[int, list[str]]]) -> Path:
    write(folder / "purer.toml", '[study]\nname = "s"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n')
    write(folder / "c.toml", CODEBOOK)
    write(folder / "t.txt", "".join(f"{'A' if n % 2 else 'B'}: turn {n}\n" for n in range(1, 7)))
    for coder, turns in coding.items():
        store = AnnotationFile.open(folder / f"t.{coder}.jsonl")
        store.put_many(AnnotationRecord(n, tuple(codes)) for n, codes in turns.items())
    return folder


def measured(folder: Path, coders: list[str] | None = None):  # type: ignore[no-untyped-def]
    study = load_study(folder)
    transcripts = study.transcript_paths()
    chosen = agreement_coders(study, transcripts, coders)
    collected = collect_units(transcripts, chosen)
    return measure(list(collected.units.values()), study.load_codebook(), chosen, len(transcripts), collected.flagged)


def test_two_coders_with_a_missing_unit_by_hand(tmp_path: Path) -> None:
    """Code p: units 1-3 shared (turn 4 only ana, 5-6 nobody): pairs (1,1) (1,0) (0,0).

    Po = 2/3; ana applies p to 2 of the 3, ben to 1: Pe = (2*1 + 1*2)/9 = 4/9; kappa = (2/9)/(5/9) = 0.4.
    """
    folder = small_study(
        tmp_path / "s", {"ana": {1: ["p"], 2: ["p"], 3: [], 4: ["p"]}, "ben": {1: ["p"], 2: [], 3: []}}
    )
    result = measured(folder)
    p = next(item for item in result.codes if item.code.id == "p")
    assert (p.percent.value, p.percent.units) == (pytest.approx(2 / 3), 3)
    assert (p.kappa.value, p.kappa.units) == (pytest.approx(0.4), 3)
    assert p.applied == {"ana": 2, "ben": 1}  # over the 3 turns both reviewed (turn 4, ana alone, is in no figure)
    assert (result.turns_reviewed, result.units_shared, result.units_by_all) == (4, 3, 3)
    assert result.kappa_kind == "Cohen"


def test_an_exclusive_group_is_one_nominal_value_with_none(tmp_path: Path) -> None:
    """Stage per turn: ana s1, s1, none, s2; ben s1, s2, none, s2. Agreement 3/4.

    Alpha, nominal: coincidences over 4 units x 2 values: s1-s1 2, s1-s2 1+1, none-none 2, s2-s2 2;
    n_s1 = 3, n_s2 = 3, n_none = 2, n = 8; D_o = 2/8; D_e = (2*(3*3) + 2*(3*2) + 2*(3*2)) / (8*7) = 42/56;
    alpha = 1 - (2/8)/(42/56) = 1 - 1/3 = 2/3.
    """
    folder = small_study(
        tmp_path / "s",
        {"ana": {1: ["s1"], 2: ["s1"], 3: ["p"], 4: ["s2"]}, "ben": {1: ["s1"], 2: ["s2"], 3: [], 4: ["s2"]}},
    )
    stage = measured(folder).groups[0]
    assert stage.categories == ["s1", "s2", "none"]
    assert stage.percent.value == pytest.approx(0.75)
    assert stage.alpha.value == pytest.approx(2 / 3)
    assert stage.confusion == {("s1", "s1"): 1, ("s1", "s2"): 1, ("none", "none"): 1, ("s2", "s2"): 1}


def test_three_coders_use_fleiss_and_missing_units(tmp_path: Path) -> None:
    folder = small_study(
        tmp_path / "s",
        {"ana": {1: ["p"], 2: ["p"], 3: []}, "ben": {1: ["p"], 2: [], 3: []}, "cal": {1: ["p"], 2: ["p"]}},
    )
    result = measured(folder)
    p = next(item for item in result.codes if item.code.id == "p")
    assert result.kappa_kind == "Fleiss"
    # unit 1: all three agree (1); unit 2: two of three pairs... p values 1,0,1 -> agreement 1/3; unit 3: 0,0 -> 1
    assert p.percent.value == pytest.approx((1 + 1 / 3 + 1) / 3)
    assert p.kappa.units == 3


def test_undefined_cases_are_said_not_crashed(tmp_path: Path) -> None:
    folder = small_study(tmp_path / "s", {"ana": {1: ["s1"], 2: ["s1"]}, "ben": {1: ["s1"], 2: ["s1"]}})
    result = measured(folder)
    by_id = {item.code.id: item for item in result.codes}
    assert by_id["p"].alpha.value is None and "undefined" in by_id["p"].alpha.note  # nobody used it
    assert by_id["s1"].kappa.value is None  # everyone used it on every unit
    alone = measured(small_study(tmp_path / "alone", {"ana": {1: ["p"]}}))
    assert "at least two coders" in alone.note
    apart = measured(small_study(tmp_path / "apart", {"ana": {1: ["p"]}, "ben": {2: ["p"]}}))
    assert "no turn was reviewed by two or more" in apart.note
    assert all(item.alpha.value is None for item in apart.codes)


def test_unsettled_conflicts_and_the_consensus_coder_are_left_out(tmp_path: Path) -> None:
    folder = small_study(tmp_path / "s", {"ana": {1: ["p"], 2: ["p"]}, "ben": {1: ["p"]}, "consensus": {1: ["p"]}})
    AnnotationFile.open(folder / "t.ben.jsonl").put(
        AnnotationRecord(2, ("p",), conflict=Conflict(TurnVersion(("p",)), TurnVersion(())))
    )
    result = measured(folder)
    assert result.coders == ["ana", "ben"] and result.units_shared == 1


def test_flagged_turns_and_memo_only_lines_are_left_out_and_flags_are_counted(tmp_path: Path) -> None:
    folder = small_study(tmp_path / "s", {"ana": {1: ["p"], 2: ["p"], 3: []}, "ben": {1: ["p"], 2: [], 3: []}})
    ana = AnnotationFile.open(folder / "t.ana.jsonl")
    ana.put(ana.get(2)._replace(flag=True))  # not final: left out, and said
    ana.put(AnnotationRecord(4, (), "come back to this", reviewed=False))  # a note, not a decision
    AnnotationFile.open(folder / "t.ben.jsonl").put(AnnotationRecord(4, ()))
    result = measured(folder)
    assert result.flagged == {"ana": 1}
    assert result.units_shared == 2  # turns 1 and 3; turn 2 flagged by ana, turn 4 only a memo of ana's
    p = next(item for item in result.codes if item.code.id == "p")
    assert p.percent.units == 2 and p.percent.value == 1.0


def test_applied_by_counts_only_the_units_the_figures_use(tmp_path: Path) -> None:
    # ana alone reviewed turns 4-6 and applied p on all of them: those are not part of any figure
    folder = small_study(
        tmp_path / "s", {"ana": {1: ["p"], 2: [], 4: ["p"], 5: ["p"], 6: ["p"]}, "ben": {1: ["p"], 2: ["p"]}}
    )
    p = next(item for item in measured(folder).codes if item.code.id == "p")
    assert p.applied == {"ana": 1, "ben": 2} and p.percent.units == 2


def test_disagreements_lists_who_applied_what(tmp_path: Path) -> None:
    folder = small_study(
        tmp_path / "s", {"ana": {1: ["p"], 2: ["s1"], 3: []}, "ben": {1: ["p"], 2: ["s1", "p"], 3: ["s2"]}}
    )
    study = load_study(folder)
    found = find_disagreements(study.transcript_paths(), ["ana", "ben"])
    assert [(d.number, d.codes["ana"], d.codes["ben"]) for d in found] == [
        (2, frozenset({"s1"}), frozenset({"s1", "p"})),
        (3, frozenset(), frozenset({"s2"})),
    ]
    assert [d.number for d in find_disagreements(study.transcript_paths(), ["ana", "ben"], "s2")] == [3]


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "purer_tui", *args], cwd=folder, capture_output=True, text=True)


def test_agree_command_outputs(tmp_path: Path) -> None:
    folder = small_study(
        tmp_path / "s", {"ana": {1: ["p"], 2: ["p"], 3: [], 4: ["p"]}, "ben": {1: ["p"], 2: [], 3: []}}
    )
    readable = run(folder, "agree")
    assert readable.returncode == 0 and "Cohen κ" in readable.stdout and "0.400" in readable.stdout
    data = json.loads(run(folder, "agree", "--json").stdout)
    p = next(code for code in data["codes"] if code["code"] == "p")
    assert p["kappa"] == {"value": 0.4, "units": 3} and data["kappa_kind"] == "Cohen"
    assert data["exclusive_groups"][0]["confusion"]["rows"] == "ana"
    rows = list(csv.DictReader(io.StringIO(run(folder, "agree", "--csv").stdout)))
    assert rows[0]["code"] == "p" and rows[0]["kappa"] == "0.4" and rows[0]["units"] == "3"
    assert rows[-1]["scope"] == "masi_alpha"
    assert run(folder, "agree", "--coders", "ana,Bad").returncode == 2
    assert run(folder, "agree", "--transcripts", "nothing*").returncode == 2
    assert "Not computable" in run(folder, "agree", "--coders", "ana").stdout


def test_disagreements_command(tmp_path: Path) -> None:
    folder = small_study(tmp_path / "s", {"ana": {1: ["p"], 2: ["s1"]}, "ben": {1: ["p"], 2: ["s2"]}})
    result = run(folder, "disagreements")
    assert result.stdout.splitlines() == ["t.txt turn 2 [B] turn 2", "    ana: S1", "    ben: S2"]
    assert "1 turn(s) where ana, ben differ." in result.stderr
    assert json.loads(run(folder, "disagreements", "--json").stdout)[0]["codes"] == {"ana": ["s1"], "ben": ["s2"]}


def test_a_coefficient_added_to_the_registry_reaches_every_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from purer_tui.agreement import report, study_agreement
    from purer_tui.agreement.coefficients import COEFFICIENTS, CoefficientDefinition
    from purer_tui.agreement.statistics import Coefficient

    extra = CoefficientDefinition(
        id="extra",
        column="extra_figure",
        heading="XF",
        label="extra",
        compute=lambda _: Coefficient(0.5, 7),
        for_groups=True,
    )
    registry = (*COEFFICIENTS, extra)
    for module in (study_agreement, report):
        monkeypatch.setattr(module, "COEFFICIENTS", registry)
    folder = small_study(tmp_path / "s", {"ana": {1: ["p"], 2: ["s1"], 3: []}, "ben": {1: ["p"], 2: ["s2"], 3: []}})
    result = measured(folder)
    data = json.loads(report.as_json(result))
    rows = list(csv.DictReader(io.StringIO(report.as_csv(result))))
    console = Console(file=io.StringIO(), width=200, record=True)
    report.print_report(result, console)
    readable = console.export_text()
    for definition in registry:
        assert definition.column in data["codes"][0] and definition.id in data["overall"]["mean_over_codes"], (
            definition.id
        )
        assert (definition.column in data["exclusive_groups"][0]) == definition.for_groups, definition.id
        assert rows[0][definition.column] != "" and rows[-2][definition.column] != "", (
            definition.id
        )  # a code, the means
        assert definition.heading in readable and f"{definition.label} " in readable.splitlines()[-1], definition.id
        if definition.kind is not None:
            assert data[definition.kind_column] == rows[0][definition.kind_column] == definition.kind(2)
    assert rows[0]["extra_figure"] == "0.5" and "extra 0.500 over 3 turns" in readable  # the group's line
