"""`check`: every problem class a study can have, each as one `path:line: message`."""

from __future__ import annotations

import json
from pathlib import Path

from purer_tui.core.check import check_study
from purer_tui.core.errors import display_path
from purer_tui.core.transcript import load_transcript
from tests.conftest import write


def messages(study: Path) -> list[str]:
    return [str(problem) for problem in check_study(study)]


def test_the_demo_study_is_clean(demo_study: Path) -> None:
    assert check_study(demo_study) == []


def annotate(demo_study: Path, coder: str, lines: list[dict | str]) -> Path:
    path = demo_study / "transcripts" / f"grp1-s01.{coder}.jsonl"
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    return write(path, text)


def test_codebook_aware_problems(demo_study: Path) -> None:
    transcript = load_transcript(demo_study / "transcripts" / "grp1-s01.txt")
    path = annotate(
        demo_study,
        "cal",
        [
            {"turn": 1, "codes": ["phenomenology", "mystery"]},
            {"turn": 2, "codes": ["stage-1", "stage-3"]},
            {"turn": 3, "codes": [], "anchor": "0000000000"},
            {"turn": 4, "codes": [], "anchor": transcript.turn(4).anchor},
            {"turn": 99, "codes": []},
            "{not json",
        ],
    )
    everything = [problem for problem in check_study(demo_study) if problem.path == path]
    # turn 2 is the therapist's: the demo study's roles make stage codes there a warning too
    assert [(p.line, p.message) for p in everything if not p.is_error] == [
        (2, "turn 2: stage-1 is for participant turns, but Therapist is staff"),
        (2, "turn 2: stage-3 is for participant turns, but Therapist is staff"),
    ]
    found = [problem for problem in everything if problem.is_error]
    assert [(p.line, p.message) for p in found] == [
        (6, "not valid JSON (Expecting property name enclosed in double quotes at column 2); fix or remove the line"),
        (1, 'turn 1: unknown code "mystery"; add it to the codebook or remove it'),
        (2, "turn 2: stage-1 and stage-3 are both in exclusive group stage; keep one"),
        (5, "turn 99 does not exist; grp1-s01.txt has 17 turns"),
        (
            3,
            "1 coded turn(s) no longer match grp1-s01.txt (turn 3): it was edited after coding; "
            f"run `purer-tui reanchor {display_path(transcript.path)}` to move the codes with their text",
        ),
    ]
    assert all(p.is_error for p in found)


def test_an_edited_transcript_is_detected_through_anchors(demo_study: Path) -> None:
    path = demo_study / "transcripts" / "grp1-s01.txt"
    path.write_text(path.read_text().replace("I couldn't do it", "I could do it"))
    path.write_text(
        path.read_text().replace("Your mind kept going", "Your thoughts kept going").replace("Welcome back", "Welcome")
    )
    found = messages(demo_study)
    assert len(found) == 2  # one line per coder's file, however many turns changed
    assert all(
        "3 coded turn(s) no longer match grp1-s01.txt (turn 1, 3, 4)" in line and "purer-tui reanchor" in line
        for line in found
    )


def test_missing_codebook_and_bad_transcripts(demo_study: Path) -> None:
    (demo_study / "codebooks" / "purer.toml").unlink()
    write(demo_study / "transcripts" / "bad.txt", b"caf\xe9\n")
    write(demo_study / "transcripts" / "grp1-s01.vtt", "WEBVTT\n")
    found = messages(demo_study)
    assert any("purer.toml: study.codebook: codebooks/purer.toml does not exist" in line for line in found)
    assert any(line.endswith("bad.txt:1: byte 0xe9 is not valid UTF-8; save the file as UTF-8 text") for line in found)
    assert any("grp1-s01.vtt: has the same name as grp1-s01.txt" in line for line in found)


def test_codebook_problems_are_reported_through_the_study(demo_study: Path) -> None:
    codebook = demo_study / "codebooks" / "purer.toml"
    codebook.write_text(codebook.read_text().replace('key = "u"', 'key = "p"'))
    [line] = messages(demo_study)
    assert 'codes.utilization.key: "p" is already the key of codes.phenomenology' in line
    assert line.startswith(
        str(codebook.relative_to(Path.cwd())) if codebook.is_relative_to(Path.cwd()) else str(codebook)
    )


def test_orphans_and_bad_coder_names_are_warnings(demo_study: Path) -> None:
    write(demo_study / "transcripts" / "grp9-s01.ana.jsonl", "")
    write(demo_study / "transcripts" / "grp1-s01.Ana.jsonl", "")
    found = check_study(demo_study)
    assert sorted((p.path.name, p.severity) for p in found) == [
        ("grp1-s01.Ana.jsonl", "warning"),
        ("grp9-s01.ana.jsonl", "warning"),
    ]


def test_patterns_that_match_nothing_and_empty_transcripts_are_warnings(demo_study: Path) -> None:
    study = demo_study / "purer.toml"
    study.write_text(study.read_text().replace('"transcripts/*.vtt"]', '"transcripts/*.vtt", "other/*.srt"]'))
    write(demo_study / "transcripts" / "empty.txt", "")
    found = check_study(demo_study)
    assert [(p.severity, p.message) for p in found] == [
        ("warning", 'study.transcripts: "other/*.srt" matches no file'),
        ("warning", "has no turns (is it empty?)"),
    ]


def test_a_pending_journal_is_checked_and_mentioned(demo_study: Path) -> None:
    from purer_tui.core.annotation_records import AnnotationRecord
    from purer_tui.core.annotations import AnnotationFile

    path = demo_study / "transcripts" / "grp1-s01.ana.jsonl"
    AnnotationFile.open(path, journaled=True).put(
        AnnotationRecord(turn=3, codes=("stage-1", "stage-3"))
    )  # a participant's turn
    found = check_study(demo_study)
    assert [(p.path.name, p.severity) for p in found] == [
        (".grp1-s01.ana.jsonl.journal", "warning"),
        ("grp1-s01.ana.jsonl", "error"),
    ]
    assert "exclusive group stage" in found[1].message


def test_a_save_interrupted_by_a_crash_is_named(demo_study: Path) -> None:
    leftover = write(
        demo_study / "transcripts" / ".grp1-s01.ana.jsonl.4242-0badf00d.tmp", '{"codes":[],"memo":"a memo","turn":1}\n'
    )
    [problem] = check_study(demo_study)
    assert problem.path == leftover and problem.severity == "warning"
    assert "left by an interrupted save of grp1-s01.ana.jsonl" in problem.message and "delete it" in problem.message
