"""`purer-tui suggest` and the suggestion services: training data, the evaluation, and the `suggest` setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from purer_tui.core.errors import InvalidFileError, PurerError, UsageError
from purer_tui.core.study import load_study
from purer_tui.core.user_settings import load_user_settings
from purer_tui.services.suggestions import (
    MIN_TURNS,
    evaluate,
    suggest_for_transcript,
    suggestions_enabled,
    training_data,
)
from tests.conftest import cli, snapshot, write

S02 = "transcripts/grp1-s02.txt"


def test_training_data_is_the_coder_s_settled_turns_with_their_roles(demo_study: Path) -> None:
    data = training_data(load_study(demo_study), "ana")
    records = [
        json.loads(line)
        for path in sorted((demo_study / "transcripts").glob("*.ana.jsonl"))
        for line in path.read_text().splitlines()
    ]
    settled = [r for r in records if r.get("reviewed", True) and not r.get("flag") and "conflict" not in r]
    assert len(data.turns) == len(settled)
    assert data.transcripts == 3
    first = data.turns[0]
    assert (first.transcript, first.turn, first.example.role) == ("transcripts/grp1-s01.txt", 1, "staff")
    assert any(turn.example.role == "participant" for turn in data.turns)


def test_a_flagged_turn_or_one_whose_text_changed_is_not_learned_from(demo_study: Path) -> None:
    before = len(training_data(load_study(demo_study), "ana").turns)
    path = demo_study / "transcripts" / "grp1-s01.ana.jsonl"
    lines = path.read_text().splitlines()
    flagged = json.loads(lines[1]) | {"flag": True}
    stale = json.loads(lines[2]) | {"anchor": "0000000000"}
    path.write_text("\n".join([lines[0], json.dumps(flagged), json.dumps(stale), *lines[3:]]) + "\n")
    assert len(training_data(load_study(demo_study), "ana").turns) == before - 2


def test_evaluate_on_the_demo_holds_out_turns_and_is_seeded(demo_study: Path) -> None:
    study = load_study(demo_study)
    first = evaluate(study, "ana", seed=0)
    assert not first.by_transcript  # three coded transcripts: too few to hold out whole ones
    assert "turns held out at random" in first.split
    assert first.test_turns == round(0.2 * (first.train_turns + first.test_turns))
    assert evaluate(study, "ana", seed=0) == first
    assert any(evaluate(study, "ana", seed=seed) != first for seed in (1, 2, 3))
    for figures in first.codes:
        assert figures.true_positive + figures.false_negative == figures.test
        if figures.precision is not None:
            assert 0 <= figures.precision <= 1


def test_the_evaluation_table_fits_80_columns_and_shows_no_nan(demo_study: Path) -> None:
    status, out, err = cli("suggest", "--evaluate", "--coder", "ana", "--study", str(demo_study))
    assert status == 0, err
    assert "code" in out and "precision" in out and "kappa" in out and "all codes (micro)" in out
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "nan" not in out.casefold()
    status, out, _ = cli("suggest", "--evaluate", "--coder", "ana", "--study", str(demo_study), "--json")
    data = json.loads(out)
    assert data["split"] == "turns"
    assert data["micro"]["true_positive"] == sum(code["true_positive"] for code in data["codes"])


def _study_of_transcripts(root: Path, count: int) -> Path:
    """A study of `count` transcripts of 8 turns, coded by ana: "pain" turns carry code p, the others none."""
    write(
        root / "codebook.toml",
        '[codebook]\nname = "c"\n[groups.g]\nlabel = "G"\n'
        '[codes.p]\ngroup = "g"\nkey = "p"\nlabel = "Pain"\ndefinition = "pain"\n',
    )
    write(root / "purer.toml", '[study]\nname = "s"\ncodebook = "codebook.toml"\n')
    for number in range(1, count + 1):
        lines, records = [], []
        for turn in range(1, 9):
            pain = turn % 2 == 0
            lines.append(f"Participant: {'my back pain hurts' if pain else 'the weather is lovely'} {number}")
            records.append(json.dumps({"codes": ["p"] if pain else [], "turn": turn}))
        write(root / "transcripts" / f"t{number}.txt", "\n".join(lines) + "\n")
        write(root / "transcripts" / f"t{number}.ana.jsonl", "\n".join(records) + "\n")
    return root


def test_with_five_coded_transcripts_whole_transcripts_are_held_out(tmp_path: Path) -> None:
    result = evaluate(load_study(_study_of_transcripts(tmp_path, 5)), "ana", seed=4)
    assert result.by_transcript
    assert (result.train_transcripts, result.test_transcripts) == (4, 1)
    assert (result.train_turns, result.test_turns) == (32, 8)
    [pain] = result.codes
    assert (pain.train, pain.test, pain.learned) == (16, 4, True)
    assert (pain.precision, pain.recall, pain.kappa) == (1.0, 1.0, 1.0)


def test_held_out_turns_whose_codes_were_accepted_suggestions_are_not_compared(tmp_path: Path) -> None:
    study = _study_of_transcripts(tmp_path, 4)
    path = study / "transcripts" / "t1.ana.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    records[1]["suggested"] = ["p"]
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    results = [evaluate(load_study(study), "ana", seed=seed) for seed in range(20)]
    left_out = [result for result in results if result.left_out]
    assert left_out, "some seed holds turn 2 of t1 out"
    for result in left_out:
        assert result.left_out == 1
        assert "accepted from a suggestion" in result.split
        assert result.train_turns + result.test_turns == 31


def test_too_little_data_says_how_many_turns_there_are_and_how_many_are_needed(tmp_path: Path) -> None:
    study = _study_of_transcripts(tmp_path, 2)  # 16 settled turns
    before = snapshot(study)
    status, out, err = cli("suggest", "--evaluate", "--coder", "ana", "--study", str(study))
    assert status == 1
    assert err.strip() == (
        f"purer-tui: ana has 16 settled coded turn(s) in this study; the model needs at least {MIN_TURNS} "
        "(reviewed, not flagged): code more turns first"
    )
    assert snapshot(study) == before
    status, _, err = cli("suggest", str(study / "transcripts" / "t1.txt"), "2", "--coder", "ana")
    assert status == 1 and "16 settled coded turn(s)" in err


def test_no_code_on_enough_turns_is_refused(tmp_path: Path) -> None:
    study = _study_of_transcripts(tmp_path, 3)
    for path in (study / "transcripts").glob("*.jsonl"):
        path.write_text(path.read_text().replace('["p"]', "[]"))
    with pytest.raises(PurerError, match="no code is on 3 or more of ana's 24 settled coded turns"):
        evaluate(load_study(study), "ana")


def test_suggest_for_a_turn_gives_the_codes_with_their_probability(demo_study: Path) -> None:
    found = suggest_for_transcript(load_study(demo_study), demo_study / S02, "ana", 5)
    [turn] = found.turns
    assert (turn.turn, turn.speaker, turn.role) == (5, "Therapist", "staff")
    assert [s.code for s in turn.suggestions] == ["phenomenology", "reframing"]
    assert all(s.probability > 0.5 for s in turn.suggestions)
    status, out, err = cli("suggest", str(demo_study / S02), "5", "--coder", "ana")
    assert status == 0, err
    assert "turn 5 · Therapist: phenomenology 1.00, reframing 1.00 (ana: phenomenology, reframing)" in out
    status, out, _ = cli("suggest", str(demo_study / S02), "--coder", "ana", "--json")
    data = json.loads(out)
    assert len(data["turns"]) == 12
    assert [item["code"] for item in data["turns"][4]["suggested"]] == ["phenomenology", "reframing"]


def test_participant_turns_get_at_most_one_stage(demo_study: Path) -> None:
    found = suggest_for_transcript(load_study(demo_study), demo_study / S02, "ana")
    for turn in found.turns:
        stages = [s.code for s in turn.suggestions if s.code.startswith("stage")]
        assert len(stages) <= 1
        if turn.role == "staff":
            assert stages == []


@pytest.mark.parametrize(
    "args, words",
    [
        (["--evaluate", "--coder", "zed"], 'no coder "zed" in the study'),
        (["--coder", "ana"], "name a transcript"),
        (["transcripts/grp1-s02.txt", "--evaluate", "--coder", "ana"], "--evaluate measures the model"),
        (["transcripts/grp1-s02.txt", "99", "--coder", "ana"], "turn 99 is out of range"),
        (["transcripts/nope.txt", "--coder", "ana"], "no such file"),
    ],
)
def test_mistakes_are_one_line(demo_study: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], words: str) -> None:
    monkeypatch.chdir(demo_study)
    status, out, err = cli("suggest", *args)
    assert status == 2
    assert words in err and len(err.strip().splitlines()) == 1


def _settings(tmp_path: Path, text: str | None) -> Path:
    path = tmp_path / "config.toml"
    if text is not None:
        write(path, text)
    return path


@pytest.mark.parametrize(
    "study_says, user_says, coder, enabled",
    [
        (None, None, "ana", False),
        (None, None, "consensus", False),
        (True, None, "ana", True),
        (True, False, "ana", True),
        (False, True, "consensus", False),
        (False, None, "ana", False),
        (None, True, "ana", False),  # the user's own setting counts only when adjudicating
        (None, True, "consensus", True),
    ],
)
def test_the_setting_rule(
    demo_study: Path, tmp_path: Path, study_says: bool | None, user_says: bool | None, coder: str, enabled: bool
) -> None:
    study_file = demo_study / "purer.toml"
    if study_says is not None:
        study_file.write_text(
            study_file.read_text().replace("[study]\n", f"[study]\nsuggest = {str(study_says).lower()}\n")
        )
    user = load_user_settings(
        _settings(tmp_path, None if user_says is None else f"suggest = {str(user_says).lower()}\n")
    )
    on, why = suggestions_enabled(load_study(demo_study), user, coder)
    assert on is enabled
    assert why and "\n" not in why
    if study_says is not None:
        assert f"the study file (purer.toml) says suggest = {str(study_says).lower()}" in why
    elif user_says:
        assert "your settings file" in why
    else:
        assert why.startswith("the default")


def test_a_setting_that_is_not_true_or_false_is_refused_with_its_line(demo_study: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidFileError) as raised:
        load_user_settings(_settings(tmp_path, 'coder = "ana"\nsuggest = "yes"\n'))
    assert [(p.line, p.message) for p in raised.value.problems] == [(2, "suggest: must be true or false (no quotes)")]
    study_file = demo_study / "purer.toml"
    study_file.write_text(study_file.read_text().replace("[study]\n", '[study]\nsuggest = "yes"\n'))
    with pytest.raises(InvalidFileError) as raised:
        load_study(demo_study)
    assert any("study.suggest" in problem.message for problem in raised.value.problems)


def test_an_unknown_coder_is_a_usage_error(demo_study: Path) -> None:
    with pytest.raises(UsageError, match="its coders: ana, ben"):
        training_data(load_study(demo_study), "zed")


def test_config_says_whether_suggestions_are_on_and_why(demo_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.chdir(demo_study)
    write(Path(os.environ["XDG_CONFIG_HOME"]) / "purer-tui" / "config.toml", "suggest = true\n")
    rows = {}
    for coder in ("ana", "consensus"):
        status, out, err = cli("config", "--coder", coder)
        assert status == 0, err
        rows[coder] = next(line for line in out.splitlines() if line.startswith("suggest "))
    assert rows["ana"].split()[1] == "off" and "counts only when coding as consensus" in rows["ana"]
    assert rows["consensus"].split()[1] == "on" and "config.toml:1" in rows["consensus"]


def test_suggest_writes_nothing_and_prints_no_transcript_text(demo_study: Path) -> None:
    before = snapshot(demo_study)
    status, out, _ = cli("suggest", str(demo_study / S02), "--coder", "ana")
    assert status == 0
    status, evaluated, _ = cli("suggest", "--evaluate", "--coder", "ana", "--study", str(demo_study))
    assert status == 0
    assert snapshot(demo_study) == before
    assert "sciatica" in (demo_study / S02).read_text() and "sciatica" not in out + evaluated


def test_turns_with_codes_accepted_from_a_suggestion_are_not_learned_from(tmp_path: Path) -> None:
    from purer_tui.services.suggestions import train, training_data

    study = _study_of_transcripts(tmp_path, 4)  # 16 pain turns, 16 others
    for number in (1, 2, 3):  # 12 of the pain turns were accepted from a suggestion: 4 are ana's own
        path = study / "transcripts" / f"t{number}.ana.jsonl"
        records = [json.loads(line) for line in path.read_text().splitlines()]
        for record in records:
            if record["codes"]:
                record["suggested"] = record["codes"]
        path.write_text("".join(json.dumps(record) + "\n" for record in records))
    data = training_data(load_study(study), "ana")
    assert (len(data.turns), data.learned_from) == (32, 20)
    assert train(data).positives("p") == 4
