"""`purer-tui autocode` on a small study with roles and an exclusive group: what it shows, what it writes.

Expected records are written out here as JSON lines, so a shared bug in
purer-tui's readers and writers cannot hide a wrong record.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from purer_tui.core.lock import CoderLocks
from purer_tui.core.transcript import compute_anchor
from tests.conftest import cli, snapshot, write

CODEBOOK = """\
[codebook]
name = "Autocode"

[groups.moves]
label = "Moves"
roles = ["staff"]

[groups.stage]
label = "Stage"
exclusive = true
roles = ["participant"]

[codes.guide]
group = "moves"
key = "u"
label = "Guide"
definition = "The therapist guides attention."

[codes.calm]
group = "stage"
key = "1"
label = "Calm"
definition = "Calmer."

[codes.tense]
group = "stage"
key = "2"
label = "Tense"
definition = "Tenser."

[codes.older]
group = "stage"
key = "3"
label = "Older"
definition = "Was split."
split_into = ["calm", "tense"]

[codes.note]
key = "o"
label = "Note"
definition = "Anything worth a note."
"""

TURNS = [
    ("Therapist", "Bring your attention to the Breath."),
    ("Participant 1", "My breath felt calmer today."),
    ("Therapist", "Stay with the breath a little longer."),
    ("Participant 2", "The BREATH was hard to find\x1b[2J at first."),
    ("Participant 1", "I felt calmer after the practice."),
    ("Participant 2", "Nothing much happened."),
]
TRANSCRIPT = "".join(f"{speaker}: {text}\n" for speaker, text in TURNS)


def anchor(turn: int) -> str:
    return compute_anchor(*TURNS[turn - 1])


def line(turn: int, *codes: str, **fields: object) -> str:
    data = {"turn": turn, "codes": list(codes), **fields}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


@pytest.fixture
def study(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    write(
        root / "purer.toml",
        '[study]\nname = "Auto"\ncodebook = "codebook.toml"\ntranscripts = ["t/*.txt"]\n\n'
        '[roles]\nstaff = ["Therapist"]\nparticipant = ["Participant *"]\n',
    )
    write(root / "codebook.toml", CODEBOOK)
    for name in ("s1", "s2"):
        write(root / "t" / f"{name}.txt", TRANSCRIPT)
    write(
        root / "t" / "s1.ana.jsonl",
        line(2, "tense", anchor=anchor(2))  # a clash: the exclusive group's other code
        + line(3, "note", anchor=anchor(3), memo="keep me", flag=True)
        + line(4, memo="a note, not reviewed", anchor=anchor(4), reviewed=False),
    )
    write(root / "t" / "s2.ana.jsonl", line(2, "calm", anchor=anchor(2)))  # already carries it
    return root


def test_text_applies_to_the_matching_turns_and_writes_exact_records(study: Path) -> None:
    code, out, _ = cli("autocode", "note", "--coder", "ana", "--text", "breath", "--study", str(study), "--yes")
    assert code == 0, (out, _)
    # Case ignored; the match shown between markers (not a terminal); control characters made visible.
    assert "  turn 1  Therapist: Bring your attention to the >>Breath<<." in out
    assert "  turn 4  Participant 2: The >>BREATH<< was hard to find␛[2J at first." in out
    assert "\x1b" not in out
    assert "t/s1.txt: 4 matching turn(s)" in out and "t/s2.txt: 4 matching turn(s)" in out
    assert "8 matching turn(s) in 2 of 2 transcript(s): 7 to code, 1 already carry note." in out
    assert "Done: note applied to 7 turn(s) in 2 annotation file(s) as ana." in out
    assert "Suggested commit message:\n\n    Autocode note for ana (from a text search)\n\n" in out
    assert (study / "t" / "s1.ana.jsonl").read_text() == (
        line(1, "note", anchor=anchor(1))
        + line(2, "tense", "note", anchor=anchor(2))  # codebook order: the stage code first
        + line(3, "note", anchor=anchor(3), memo="keep me", flag=True)  # already carried it: unchanged
        + line(4, "note", anchor=anchor(4), memo="a note, not reviewed")  # reviewed now, its memo kept
    )
    assert (study / "t" / "s2.ana.jsonl").read_text() == (
        line(1, "note", anchor=anchor(1))
        + line(2, "calm", "note", anchor=anchor(2))
        + line(3, "note", anchor=anchor(3))
        + line(4, "note", anchor=anchor(4))
    )
    assert sorted(path.name for path in (study / "t").iterdir()) == ["s1.ana.jsonl", "s1.txt", "s2.ana.jsonl", "s2.txt"]


def test_pattern_with_role_lists_already_coded_and_clashes_and_applies_only_the_rest(study: Path) -> None:
    code, out, _ = cli(
        "autocode", "calm", "--coder", "ana", "--pattern", r"\bcalm(er)?\b", "--role", "Participant",
        "--study", str(study), "--yes",
    )  # fmt: skip
    assert code == 0, (out, _)
    assert "  turn 2  Participant 1: My breath felt >>calmer<< today.  [clash: carries tense]" in out
    assert "  turn 5  Participant 1: I felt >>calmer<< after the practice." in out
    assert "  turn 2  Participant 1: My breath felt >>calmer<< today.  [already carries the code]" in out
    assert "4 matching turn(s) in 2 of 2 transcript(s): 2 to code, 1 already carry calm, 1 clash" in out
    assert (study / "t" / "s1.ana.jsonl").read_text().splitlines()[0] == line(2, "tense", anchor=anchor(2)).strip()
    assert line(5, "calm", anchor=anchor(5)) in (study / "t" / "s1.ana.jsonl").read_text()
    assert (study / "t" / "s2.ana.jsonl").read_text() == line(2, "calm", anchor=anchor(2)) + line(
        5, "calm", anchor=anchor(5)
    )


def test_speaker_narrows_and_a_code_for_another_role_is_listed_not_applied(study: Path) -> None:
    code, out, _ = cli(
        "autocode", "guide", "--coder", "ben", "--new-coder", "--text", "breath", "--speaker", "participant 2",
        "--transcripts", "s2*", "--study", str(study), "--yes",
    )  # fmt: skip
    assert code == 0, (out, _)
    assert "t/s1.txt" not in out and "Therapist" not in out
    assert "[not for participant: guide is for staff turns]" in out
    assert "1 matching turn(s) in 1 of 1 transcript(s): 0 to code, 1 not for their speaker's role." in out
    assert "Nothing to apply" in out
    assert not (study / "t" / "s2.ben.jsonl").exists()
    code, out, _ = cli(
        "autocode", "guide", "--coder", "ben", "--new-coder", "--text", "breath", "--speaker", "therapist",
        "--study", str(study), "--yes",
    )  # fmt: skip
    assert code == 0 and "4 to code" in out
    assert (study / "t" / "s2.ben.jsonl").read_text() == line(1, "guide", anchor=anchor(1)) + line(
        3, "guide", anchor=anchor(3)
    )


def test_a_file_locked_by_another_process_is_skipped_and_listed(study: Path) -> None:
    before = (study / "t" / "s1.ana.jsonl").read_bytes()
    locks = CoderLocks()
    locks.acquire(study / "t" / "s1.ana.jsonl")
    try:
        code, out, _ = cli("autocode", "note", "--coder", "ana", "--text", "breath", "--study", str(study), "--yes")
    finally:
        locks.release()
    assert code == 0, (out, _)
    assert "  turn 1  Therapist: Bring your attention to the >>Breath<<.  [the file is being coded" in out
    assert "4 to code, 4 in files another process is coding (skipped)." in out
    assert "applied to 4 turn(s) in 1 annotation file(s)" in out
    assert (study / "t" / "s1.ana.jsonl").read_bytes() == before
    assert not list((study / "t").glob(".*.lock"))


def test_a_crashed_sessions_journal_is_folded_in_and_a_merge_conflict_left_alone(study: Path) -> None:
    write(study / "t" / ".s2.ana.jsonl.journal", json.dumps({"put": json.loads(line(6, "calm"))}) + "\n")
    conflict = {"ours": {"codes": ["note"]}, "theirs": {"codes": []}}
    write(study / "t" / "s1.ana.jsonl", line(5, "note", anchor=anchor(5), conflict=conflict))
    code, out, _ = cli("autocode", "calm", "--coder", "ana", "--text", "calmer", "--study", str(study), "--yes")
    assert code == 0, (out, _)
    assert "I felt >>calmer<< after the practice.  [in a merge conflict]" in out
    assert (study / "t" / "s1.ana.jsonl").read_text() == line(2, "calm", anchor=anchor(2)) + line(
        5, "note", anchor=anchor(5), conflict=conflict
    )
    assert (study / "t" / "s2.ana.jsonl").read_text() == (
        line(2, "calm", anchor=anchor(2)) + line(5, "calm", anchor=anchor(5)) + line(6, "calm")
    )
    assert not (study / "t" / ".s2.ana.jsonl.journal").exists()


def test_annotations_that_no_longer_match_the_transcript_are_left_for_reanchor(study: Path) -> None:
    before = snapshot(study)
    write(study / "t" / "s2.ana.jsonl", line(2, "calm", anchor="0000000000"))
    before["t/s2.ana.jsonl"] = (study / "t" / "s2.ana.jsonl").read_bytes()
    code, out, _ = cli("autocode", "note", "--coder", "ana", "--text", "felt", "--transcripts", "s2.txt",
                       "--study", str(study), "--yes")  # fmt: skip
    assert code == 0 and "2 in files that no longer match their transcript (run purer-tui reanchor)" in out
    assert snapshot(study) == before


def test_dry_run_and_no_terminal_write_nothing(study: Path) -> None:
    before = snapshot(study)
    args = ("autocode", "note", "--coder", "ana", "--text", "breath", "--study", str(study))
    code, out, _ = cli(*args, "--dry-run")
    assert code == 0 and "7 to code" in out and out.endswith("Dry run: nothing was changed.\n")
    assert snapshot(study) == before
    code, _, err = cli(*args)
    assert code == 1 and "Nothing was changed: re-run with --yes" in err
    assert snapshot(study) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--pattern", "(a+)+$"), "repeats inside repeats"),
        (("--pattern", "a" * 301), "longer than 300 characters"),
        (("--pattern", "x*"), "can match an empty text"),
        (("--pattern", "\\b"), "can match an empty text"),
        (("--pattern", "(?=\\S)"), "can match an empty text"),
        (("--pattern", "(unclosed"), "not a valid regular expression"),
        (("--text", " "), "--text is empty"),
        ((), "give one of --text WORDS and --pattern REGEX"),
        (("--text", "a", "--pattern", "a"), "give one of --text WORDS and --pattern REGEX"),
        (("--text", "a", "--speaker", "Therapist", "--role", "staff"), "choose one of --speaker and --role"),
        (("--text", "a", "--speaker", "Nobody"), "nobody of that name speaks in these transcripts; the speakers: "),
        (("--text", "a", "--role", "family"), "its roles: participant, staff"),
        (("--text", "a", "--transcripts", "zz*"), 'no transcript matches "zz*"'),
    ],
)
def test_bad_requests_are_one_line_and_write_nothing(study: Path, args: tuple[str, ...], message: str) -> None:
    before = snapshot(study)
    code, out, err = cli("autocode", "note", "--coder", "ana", *args, "--study", str(study), "--yes")
    assert code == 2 and message in err and len(err.splitlines()) == 1, err
    assert snapshot(study) == before


def test_unknown_and_split_codes_are_refused(study: Path) -> None:
    code, _, err = cli("autocode", "nope", "--coder", "ana", "--text", "a", "--study", str(study))
    assert code == 2 and 'no code "nope"' in err
    code, _, err = cli("autocode", "older", "--coder", "ana", "--text", "a", "--study", str(study), "--yes")
    assert code == 2 and "older was split into calm, tense and is applied no more" in err


def test_applying_decides_again_on_the_files_as_they_are_then(study: Path) -> None:
    from purer_tui.core.turn_matching import phrase_matcher
    from purer_tui.services.autocode import apply_autocode, plan_autocode

    plan = plan_autocode(study, "calm", "ana", phrase_matcher("calmer"))
    assert len(plan.to_apply) == 2  # s1 turn 5, s2 turn 5
    # Meanwhile the coder decides s1's turn 5 in the app, and another process opens s2.
    write(study / "t" / "s1.ana.jsonl", line(2, "tense", anchor=anchor(2)) + line(5, "tense", anchor=anchor(5)))
    locks = CoderLocks()
    locks.acquire(study / "t" / "s2.ana.jsonl")
    try:
        applied = apply_autocode(plan)
    finally:
        locks.release()
    assert (applied.turns, applied.files, applied.changed_meanwhile, applied.locked_meanwhile) == (0, 0, 1, 1)
    assert (study / "t" / "s1.ana.jsonl").read_text() == line(2, "tense", anchor=anchor(2)) + line(
        5, "tense", anchor=anchor(5)
    )
    assert (study / "t" / "s2.ana.jsonl").read_text() == line(2, "calm", anchor=anchor(2))


def test_on_a_terminal_the_match_is_highlighted_not_marked() -> None:
    from purer_tui.cli.autocode_commands import _highlighted
    from purer_tui.core.turn_matching import Excerpt

    shown = _highlighted(Excerpt("my ", "breath", " felt"), on_terminal=True)
    assert shown.startswith("my ") and shown.endswith(" felt") and ">>" not in shown
    assert "\x1b[7m" in shown and "breath" in shown  # reverse video


def test_a_coder_with_no_file_is_refused_unless_started_and_a_no_code_decision_is_left_alone(study: Path) -> None:
    before = snapshot(study)
    code, _, err = cli("autocode", "calm", "--coder", "anna", "--text", "breath", "--study", str(study), "--yes")
    assert code == 2 and 'no coder "anna" in this study (its coders: ana)' in err and snapshot(study) == before
    (study / "t" / "s1.ana.jsonl").write_text(line(2, anchor=anchor(2)))  # ana decided: no code applies
    code, out, _ = cli("autocode", "calm", "--coder", "ana", "--text", "breath", "--study", str(study), "--yes")
    assert code == 0 and "[ana decided no code applies: left alone]" in out
    assert (study / "t" / "s1.ana.jsonl").read_text().splitlines()[0] == line(2, anchor=anchor(2)).strip()


def test_a_pattern_that_runs_out_of_time_is_stopped_and_changes_nothing(
    study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No check of a pattern's shape catches every slow one: a.*b.*c on one long turn without a b is quadratic."""
    import purer_tui.services.autocode as autocode_module

    monkeypatch.setattr(autocode_module, "PATTERN_SECONDS", 0.5)
    transcript = study / "t" / "s1.txt"
    transcript.write_text(transcript.read_text() + "Therapist: " + "a" * 60_000 + "\n")
    before = snapshot(study)
    code, _, err = cli("autocode", "calm", "--coder", "ana", "--pattern", "a.*b.*c", "--study", str(study), "--yes")
    assert code == 2 and "--pattern took longer than 0.5 s" in err and snapshot(study) == before


def test_a_transcript_changed_after_it_was_shown_is_left_alone(study: Path) -> None:
    """A pull during the prompt inserts a turn: the turns shown have moved, so nothing is coded in that file."""
    from purer_tui.core.turn_matching import phrase_matcher
    from purer_tui.services.autocode import apply_autocode, plan_autocode

    plan = plan_autocode(study, "calm", "ana", phrase_matcher("calmer"))
    assert len(plan.to_apply) == 2  # s1 turn 5, s2 turn 5
    transcript = study / "t" / "s1.txt"
    transcript.write_text("Therapist: A new first turn.\n" + transcript.read_text())
    before = (study / "t" / "s1.ana.jsonl").read_bytes()
    applied = apply_autocode(plan)
    assert (applied.turns, applied.changed_meanwhile) == (1, 1)
    assert (study / "t" / "s1.ana.jsonl").read_bytes() == before


def test_as_suggestions_queues_the_turns_to_code_and_writes_no_annotation_file(study: Path) -> None:
    from purer_tui.core.suggestion_queue import SuggestionQueue

    before = snapshot(study)
    code, out, _ = cli(
        "autocode", "calm", "--coder", "ana", "--pattern", r"\bcalm(er)?\b", "--role", "participant",
        "--study", str(study), "--as-suggestions", "--yes",
    )  # fmt: skip
    assert code == 0, (out, _)
    assert "[clash: carries tense]" in out and "2 to code, 1 already carry calm, 1 clash" in out
    assert "Queued calm as a suggestion on 2 turn(s); 2 turn(s) wait for ana in all." in out
    assert "purer-tui code --coder ana" in out and "Nothing was applied." in out
    after = snapshot(study)
    assert {name: data for name, data in after.items() if not name.startswith(".purer")} == before
    queue = SuggestionQueue(study, "ana")
    assert queue.codes_for("t/s1.txt", 5) == ("calm",) and queue.codes_for("t/s2.txt", 5) == ("calm",)
    assert queue.codes_for("t/s1.txt", 2) == ()  # the clash is not queued
    entry = queue.entries_for("t/s1.txt", 5)[0]
    assert (entry.anchor, entry.source) == (anchor(5), "autocode --pattern")
    text = (study / ".purer" / "suggestions" / "ana.jsonl").read_text()
    assert "calmer" not in text and "practice" not in text  # no transcript text, nor the pattern
    # again: nothing new, said so
    code, out, _ = cli(
        "autocode", "calm", "--coder", "ana", "--text", "calmer", "--role", "participant",
        "--study", str(study), "--as-suggestions", "--yes",
    )  # fmt: skip
    assert code == 0 and "on 2 turn(s) (2 were queued already); 2 turn(s) wait for ana in all." in out


def test_as_suggestions_without_yes_and_without_a_terminal_queues_nothing(study: Path) -> None:
    code, out, err = cli(
        "autocode", "note", "--coder", "ana", "--text", "breath", "--study", str(study), "--as-suggestions"
    )
    assert code != 0 and "re-run with --yes to queue these suggestions" in err
    assert not (study / ".purer" / "suggestions").exists()
    code, out, _ = cli(
        "autocode", "note", "--coder", "ana", "--text", "breath", "--study", str(study), "--as-suggestions",
        "--dry-run",
    )  # fmt: skip
    assert code == 0 and "Dry run: nothing was queued." in out
    assert not (study / ".purer" / "suggestions").exists()


def test_applying_a_code_takes_it_out_of_the_coders_suggestion_queue(study: Path) -> None:
    from purer_tui.core.suggestion_queue import SuggestionQueue

    args = ["autocode", "calm", "--coder", "ana", "--pattern", r"\bcalm(er)?\b", "--role", "participant"]
    assert cli(*args, "--study", str(study), "--as-suggestions", "--yes")[0] == 0
    assert SuggestionQueue(study, "ana").turn_count == 2
    code, out, _ = cli(*args, "--study", str(study), "--yes")
    assert code == 0 and "2 turn(s)" in out
    assert SuggestionQueue(study, "ana").turn_count == 0  # coded: nothing waits there any more


def test_as_suggestions_reads_a_file_the_app_has_open_and_queues_its_turns(study: Path) -> None:
    from purer_tui.core.suggestion_queue import SuggestionQueue

    before = (study / "t" / "s1.ana.jsonl").read_bytes()
    locks = CoderLocks()
    locks.acquire(study / "t" / "s1.ana.jsonl")  # ana codes s1 in the app meanwhile
    try:
        code, out, _ = cli(
            "autocode", "note", "--coder", "ana", "--text", "breath", "--study", str(study),
            "--as-suggestions", "--yes",
        )  # fmt: skip
    finally:
        locks.release()
    assert code == 0, (out, _)
    assert "another process" not in out and "7 to code, 1 already carry note." in out
    assert SuggestionQueue(study, "ana").turn_count == 7
    assert (study / "t" / "s1.ana.jsonl").read_bytes() == before
