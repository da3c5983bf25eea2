"""The keyed merge's rules, without git: each turn on its own, symmetric, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from purer_tui.core.annotation_records import AnnotationRecord, Conflict, TurnVersion
from purer_tui.gitwork.merge import merge_files, merge_records
from purer_tui.gitwork.resolve import settled
from tests.conftest import REPO, write


def r(turn: int, *codes: str, memo: str = "") -> AnnotationRecord:
    return AnnotationRecord(turn, codes, memo, f"a{turn}")


BASE = {1: r(1, "a"), 2: r(2, "b"), 3: r(3, "c"), 4: r(4, "d")}


def test_each_turn_merges_on_its_own() -> None:
    ours = {**BASE, 1: r(1, "x"), 5: r(5, "new")}
    del ours[4]  # we un-reviewed turn 4
    theirs = {**BASE, 2: r(2, "y"), 3: r(3, "c", memo="note")}
    result = merge_records(BASE, ours, theirs)
    assert result.conflicts == []
    assert result.records == {1: r(1, "x"), 2: r(2, "y"), 3: r(3, "c", memo="note"), 5: r(5, "new")}


def test_the_same_change_on_both_sides_is_kept_once() -> None:
    both = {**BASE, 2: r(2, "z")}
    result = merge_records(BASE, both, dict(both))
    assert result.conflicts == [] and result.records[2] == r(2, "z")


def test_different_changes_to_one_turn_keep_both_versions() -> None:
    result = merge_records(BASE, {**BASE, 2: r(2, "x")}, {**BASE, 2: r(2, "y", memo="m")})
    assert result.conflicts == [2]
    record = result.records[2]
    assert record.codes == ("x",)
    assert record.conflict == Conflict(TurnVersion(("x",), "", "a2"), TurnVersion(("y",), "m", "a2"))


def test_removed_on_one_side_and_changed_on_the_other_is_a_conflict() -> None:
    ours = dict(BASE)
    del ours[3]
    result = merge_records(BASE, ours, {**BASE, 3: r(3, "changed")})
    assert result.conflicts == [3]
    assert result.records[3].conflict == Conflict(None, TurnVersion(("changed",), "", "a3"))
    assert result.records[3].codes == ("changed",)


@pytest.mark.parametrize("seed", range(30))
def test_merging_is_symmetric_and_loses_nothing(seed: int) -> None:
    import random

    rng = random.Random(seed)

    def variant() -> dict[int, AnnotationRecord]:
        records = {}
        for turn in range(1, 9):
            roll = rng.random()
            if roll < 0.15:
                continue
            records[turn] = BASE.get(turn, r(turn, "base")) if roll < 0.6 else r(turn, rng.choice("pqrs"))
        return records

    ours, theirs = variant(), variant()
    forward, backward = merge_records(BASE, ours, theirs), merge_records(BASE, theirs, ours)
    assert forward.conflicts == backward.conflicts
    for turn in set(forward.records) | set(backward.records):
        a, b = forward.records.get(turn), backward.records.get(turn)
        if turn in forward.conflicts:
            assert a.conflict.ours == b.conflict.theirs and a.conflict.theirs == b.conflict.ours
            assert a.conflict.ours == (ours[turn].version if turn in ours else None)
            assert a.conflict.theirs == (theirs[turn].version if turn in theirs else None)
        else:
            assert a == b
            assert a in (ours.get(turn), theirs.get(turn))  # every clean result is what one side wrote


def test_unreadable_input_is_refused_so_git_keeps_both(tmp_path: Path) -> None:
    from purer_tui.core.errors import InvalidFileError

    good = write(tmp_path / "o.jsonl", '{"codes":[],"turn":1}\n')
    bad = write(tmp_path / "b.jsonl", "{not json\n")
    with pytest.raises(InvalidFileError):
        merge_files(good, good, bad)


def test_settling_ours_theirs_and_both() -> None:
    record = AnnotationRecord(
        2, ("x",), "", "a2", Conflict(TurnVersion(("x",), "one", "a2"), TurnVersion(("y",), "two", "a2"))
    )
    assert settled(record, "ours", None) == AnnotationRecord(2, ("x",), "one", "a2")
    assert settled(record, "theirs", None) == AnnotationRecord(2, ("y",), "two", "a2")
    assert settled(record, "both", None) == AnnotationRecord(2, ("x", "y"), "one\n---\ntwo", "a2")
    gone = AnnotationRecord(2, ("x",), "", "a2", Conflict(TurnVersion(("x",)), None))
    assert settled(gone, "theirs", None) is None  # their side had not reviewed it


def test_review_state_and_flags_survive_a_conflict_and_its_settling() -> None:
    flagged = AnnotationRecord(2, ("b",), "", "a2", flag=True)  # ours: flagged to come back to
    note = AnnotationRecord(2, (), "check with ben", "a2", reviewed=False)  # theirs: unreviewed again, with a memo
    result = merge_records(BASE, {**BASE, 2: flagged}, {**BASE, 2: note})
    record = result.records[2]
    assert record.conflict == Conflict(flagged.version, note.version) and record.flag
    assert '"theirs":{"anchor":"a2","codes":[],"memo":"check with ben","reviewed":false}' in result.render()
    assert settled(record, "theirs", None) == note
    both = settled(record, "both", None)
    assert both is not None and (both.codes, both.memo, both.reviewed, both.flag) == (
        ("b",),
        "check with ben",
        True,
        True,
    )


def test_the_merge_driver_command_writes_ours_and_says_what_to_do(tmp_path: Path) -> None:
    import subprocess
    import sys

    base = write(tmp_path / "base", '{"codes":["a"],"turn":1}\n{"codes":["b"],"turn":2}\n')
    ours = write(tmp_path / "ours", '{"codes":["x"],"turn":1}\n{"codes":["b"],"turn":2}\n')
    theirs = write(tmp_path / "theirs", '{"codes":["a"],"turn":1}\n{"codes":["y"],"turn":2}\n')
    clean = subprocess.run(
        [sys.executable, "-m", "purer_tui", "git", "merge-driver", str(base), str(ours), str(theirs), "s1.ana.jsonl"],
        capture_output=True,
        text=True,
    )
    assert clean.returncode == 0
    assert ours.read_text() == '{"codes":["x"],"turn":1}\n{"codes":["y"],"turn":2}\n'
    write(theirs, '{"codes":["z"],"turn":1}\n')
    conflicted = subprocess.run(
        [sys.executable, "-m", "purer_tui", "git", "merge-driver", str(base), str(ours), str(theirs), "s1.ana.jsonl"],
        capture_output=True,
        text=True,
    )
    assert conflicted.returncode == 1 and "purer-tui git resolve s1.ana.jsonl" in conflicted.stderr
    assert '"conflict":{"ours":{"codes":["x"]},"theirs":{"codes":["z"]}}' in ours.read_text()


def test_textconv_never_fails(tmp_path: Path) -> None:
    from purer_tui.gitwork.textconv import textconv

    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "grp1-s01.txt").write_text((REPO / "examples/demo/transcripts/grp1-s01.txt").read_text())
    path = write(
        folder / "grp1-s01.ana.jsonl",
        '{"codes":["x"],"turn":99}\n{broken\n{"codes":[],"turn":1,"anchor":"0000000000"}\n\x1b]0;t\x07\n',
    )
    out = textconv(path)
    assert "grp1-s01 turn 99 x\n" in out
    assert "grp1-s01 turn 1 (no code) | (the transcript changed since this was coded)" in out
    marked = textconv(
        write(
            folder / "grp1-s01.ben.jsonl",
            '{"codes":[],"memo":"later","reviewed":false,"turn":2}\n{"codes":["x"],"flag":true,"turn":3}\n',
        )
    )
    assert "grp1-s01 turn 2 [Therapist] (not reviewed) | memo: later" in marked
    assert "grp1-s01 turn 3 [Participant 1] x FLAGGED" in marked
    assert out.count("unreadable line") == 2 and "\x1b" not in out


def test_textconv_writes_no_probe_file_in_the_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tempfile.gettempdir()` creates a test file to probe the folder; textconv only names the folders."""
    import tempfile

    from purer_tui.gitwork.textconv import textconv

    def probe() -> str:
        raise AssertionError("a probe file in the temporary folder")

    monkeypatch.setattr(tempfile, "gettempdir", probe)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no transcript of that name around: the line is the codes alone
    copy = write(tmp_path / "AbC123_grp1-s01.ana.jsonl", '{"codes":["x"],"turn":1}\n')
    assert textconv(copy) == "grp1-s01 turn 1 x\n"  # git's temporary prefix is recognised and dropped


def test_merging_a_turn_that_already_holds_a_conflict_keeps_every_version() -> None:
    laptop = TurnVersion(("stage-4",), "laptop", "a2")
    server = TurnVersion(("stage-2b",), "SERVER SIDE MEMO", "a2")
    base = {2: r(2, "stage-1")}
    ours = {2: AnnotationRecord.from_version(2, laptop, Conflict(laptop, server))}  # merged earlier, not settled yet
    theirs = {2: r(2, "stage-3")}
    result = merge_records(base, ours, theirs)
    conflict = result.records[2].conflict
    assert result.conflicts == [2] and conflict is not None
    assert conflict.versions == [laptop, theirs[2].version, server]  # nothing either side wrote is lost
    text = result.render()
    assert "laptop" in text and "SERVER SIDE MEMO" in text and '"more":[' in text
    from purer_tui.core.annotation_parsing import parse_annotations

    assert parse_annotations(text, Path("x.ana.jsonl")).records == result.records  # it reads back as written
    assert merge_records(base, theirs, ours).records[2].conflict.more == conflict.more  # the same bytes either way
    both = settled(result.records[2], "both", None)
    assert (
        both is not None and set(both.codes) == {"stage-4", "stage-3", "stage-2b"} and "SERVER SIDE MEMO" in both.memo
    )


def test_resolve_both_on_an_exclusive_clash_is_a_message_not_a_crash(demo_study: Path) -> None:
    import subprocess
    import sys

    conflicted = AnnotationRecord(
        3, ("stage-1",), "", None, Conflict(TurnVersion(("stage-1",)), TurnVersion(("stage-3",)))
    )
    path = write(demo_study / "transcripts" / "grp1-s01.cal.jsonl", conflicted.to_json_line() + "\n")
    before = path.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "purer_tui", "git", "resolve", "--both"], capture_output=True, text=True, cwd=demo_study
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert (
        "turn 3:" in result.stderr
        and "choose ours or theirs" in result.stderr
        and "it keeps both versions" in result.stderr
    )
    assert path.read_bytes() == before


def test_both_keeps_a_code_suggested_only_when_no_side_applied_it_unprompted() -> None:
    ours = TurnVersion(("x", "y"), anchor="a2", suggested=("x", "y"))
    theirs = TurnVersion(("x",), anchor="a2")  # applied x on their own
    record = AnnotationRecord.from_version(2, ours, Conflict(ours, theirs))
    both = settled(record, "both", None)
    assert both is not None and both.codes == ("x", "y") and both.suggested == ("y",)
    assert settled(record, "ours", None) == AnnotationRecord(2, ("x", "y"), anchor="a2", suggested=("x", "y"))


def test_sides_that_differ_only_in_the_suggested_mark_merge_without_a_conflict() -> None:
    base = {1: AnnotationRecord(1, (), anchor="a1")}
    ours = {1: AnnotationRecord(1, ("x", "y"), anchor="a1", suggested=("x", "y"))}
    theirs = {1: AnnotationRecord(1, ("x", "y"), anchor="a1", suggested=("y",))}
    result = merge_records(base, ours, theirs)
    assert result.conflicts == []
    assert result.records[1] == AnnotationRecord(1, ("x", "y"), anchor="a1", suggested=("y",))
    assert merge_records(base, theirs, ours).records == result.records  # the same whichever side merges
