"""`purer-tui codebook rename|merge|split` on a three-coder study: every coded turn accounted for, `check` clean.

The expected records are worked out here from the JSON Lines files with the
json module alone, so a shared bug in purer-tui's readers cannot hide a lost turn.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.check import check_study
from purer_tui.core.lock import CoderLocks
from tests.conftest import cli, snapshot, write

CODEBOOK = '''\
# Our codebook: comments and layout must survive every operation.
[codebook]
name = "Three coders"

[groups.moves]
label = "Moves"

[groups.stage]
label = "Stage"
exclusive = true

# The first move.
[codes.notice]
group = "moves"
key = "o"   # o for observation
label = "Notice"
definition = """What the person noticed,
in their own words."""

[codes.detail]
group = "moves"
parent = "notice"
key = "d"
label = "Detail"
definition = "A detail of what was noticed."

[codes.reframe]
group = "moves"
key = "r"
label = "Reframe"
definition = "A new way to see it."

[codes.low]
group = "stage"
key = "1"
label = "Low"
definition = "Low stage."

[codes.mid]
group = "stage"
key = "2"
label = "Mid"
definition = "Middle stage."

[codes.high]
group = "stage"
key = "3"
label = "High"
definition = "High stage."
'''

TRANSCRIPT = "".join(f"{'Therapist' if turn % 2 else 'Participant 1'}: line {turn}.\n" for turn in range(1, 9))


def record(turn: int, *codes: str, **fields: object) -> dict[str, object]:
    return {"turn": turn, "codes": list(codes), **fields}


def jsonl(*records: dict[str, object]) -> str:
    return "".join(json.dumps(item, sort_keys=True, separators=(",", ":")) + "\n" for item in records)


@pytest.fixture
def study(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    write(root / "purer.toml", '[study]\nname = "Ops"\ncodebook = "codebook.toml"\ntranscripts = ["t/*.txt"]\n')
    write(root / "codebook.toml", CODEBOOK)
    for name in ("s1", "s2"):
        write(root / "t" / f"{name}.txt", TRANSCRIPT)
    write(
        root / "t" / "s1.ana.jsonl",
        jsonl(
            record(1, "notice", rechecked={"notice": "0123abcd"}),
            record(2, "low"),
            record(3, "notice", "reframe"),
            record(4, "mid"),
        ),
    )
    write(root / "t" / "s2.ana.jsonl", jsonl(record(1, "reframe"), record(3, "notice", memo="a memo")))
    write(
        root / "t" / "s1.ben.jsonl",
        jsonl(
            record(1, "notice", "detail"),
            record(
                2,
                "low",
                conflict={"ours": {"codes": ["low"]}, "theirs": {"codes": ["mid"]}},
            ),
            record(3, "reframe", conflict={"ours": {"codes": ["reframe"]}, "theirs": {"codes": ["notice"]}}),
        ),
    )
    write(root / "t" / "s2.ben.jsonl", jsonl(record(5, "high")))
    write(root / "t" / "s1.cal.jsonl", jsonl(record(1, "detail"), record(4, "low")))
    write(root / "t" / "s1.cal.unplaced.jsonl", jsonl(record(9, "notice"), record(9, "reframe")))
    # cal's crashed session: a journal that puts notice on turn 6 of s2 (folded in before the files change).
    write(root / "t" / "s2.cal.jsonl", jsonl(record(2, "mid")))
    write(root / "t" / ".s2.cal.jsonl.journal", json.dumps({"put": record(6, "notice")}) + "\n")
    return root


def codes_in(root: Path) -> dict[tuple[str, int], list[str]]:
    """Every coded turn of every annotation file (not sidecars), read with json alone."""
    found = {}
    for path in sorted((root / "t").glob("*.jsonl")):
        if path.name.endswith(".unplaced.jsonl"):
            continue
        for line in path.read_text().splitlines():
            data = json.loads(line)
            found[(path.name, data["turn"])] = data["codes"]
    return found


def errors_and_warnings(root: Path) -> tuple[list[str], list[str]]:
    problems = check_study(root)
    return [str(p) for p in problems if p.is_error], [str(p) for p in problems if not p.is_error]


def conflict_errors_only(root: Path) -> None:
    """`check` finds nothing but the two merge conflicts the study had from the start (and the unplaced sidecar)."""
    errors, warnings = errors_and_warnings(root)
    assert len(errors) == 2 and all("merge conflict" in error for error in errors), errors
    assert all("could not be placed" in warning for warning in warnings), warnings


def test_the_study_starts_consistent(study: Path) -> None:
    errors, _ = errors_and_warnings(study)
    assert len(errors) == 2 and all("merge conflict" in error for error in errors)


def test_rename_carries_every_file_conflict_confirmation_sidecar_and_journal(study: Path) -> None:
    before = codes_in(study)
    before["s2.cal.jsonl", 6] = ["notice"]  # the journal's change
    code, out, _ = cli("codebook", "rename", "notice", "observe", "--study", str(study), "--yes")
    assert code == 0, out
    assert "[codes.notice] becomes [codes.observe]" in out
    assert "cal: 1 turn(s) in 2 file(s)" in out and "1 unplaced record(s)" in out, out
    assert 'Suggested commit message:\n\n    Rename code "notice" to "observe"\n\n' in out
    after = codes_in(study)
    assert after.keys() == before.keys()
    for key, codes in before.items():
        assert after[key] == ["observe" if c == "notice" else c for c in codes], key
    assert not (study / "t" / ".s2.cal.jsonl.journal").exists()
    ana = [json.loads(line) for line in (study / "t" / "s1.ana.jsonl").read_text().splitlines()]
    assert ana[0]["rechecked"] == {"observe": "0123abcd"}
    ben = [json.loads(line) for line in (study / "t" / "s1.ben.jsonl").read_text().splitlines()]
    assert ben[2]["conflict"]["theirs"]["codes"] == ["observe"]
    assert '{"codes":["observe"],"turn":9}' in (study / "t" / "s1.cal.unplaced.jsonl").read_text()
    text = (study / "codebook.toml").read_text()
    assert text == CODEBOOK.replace("[codes.notice]", "[codes.observe]").replace(
        'parent = "notice"', 'parent = "observe"'
    )
    conflict_errors_only(study)


def test_dry_run_and_no_terminal_write_nothing(study: Path) -> None:
    before = snapshot(study)
    code, out, _ = cli("codebook", "merge", "low", "mid", "--into", "early", "--study", str(study), "--dry-run")
    assert code == 0 and "Dry run: nothing was changed." in out
    assert snapshot(study) == before
    code, _, err = cli("codebook", "rename", "notice", "observe", "--study", str(study))
    assert code == 1 and "Nothing was changed: re-run with --yes" in err
    assert snapshot(study) == before


def test_merge_into_a_new_code(study: Path) -> None:
    before = codes_in(study)
    code, out, _ = cli("codebook", "merge", "notice", "reframe", "--into", "seen", "--study", str(study), "--yes")
    assert code == 0, out
    assert "Review the definition of seen" in out
    after = codes_in(study)
    for key, codes in before.items():
        order = ["seen", "detail", "low", "mid", "high"]
        mapped = sorted({"seen" if c in ("notice", "reframe") else c for c in codes}, key=order.index)
        if key != ("s2.cal.jsonl", 6):
            assert after[key] == mapped, key
    assert after["s1.ana.jsonl", 3] == ["seen"]  # notice and reframe: seen once
    ana = json.loads((study / "t" / "s1.ana.jsonl").read_text().splitlines()[0])
    assert "rechecked" not in ana  # a merged code's confirmation no longer holds for what seen now covers
    text = (study / "codebook.toml").read_text()
    assert "[codes.seen]" in text and "[codes.reframe]" not in text and 'parent = "seen"' in text
    assert "# Our codebook: comments and layout must survive every operation." in text
    conflict_errors_only(study)


def test_merge_into_an_exclusive_group_lists_every_clash_and_changes_nothing(study: Path) -> None:
    write(study / "t" / "s2.ben.jsonl", jsonl(record(5, "high"), record(6, "reframe", "mid")))
    before = snapshot(study)
    code, out, err = cli("codebook", "merge", "reframe", "--into", "low", "--study", str(study), "--yes")
    assert code == 1
    assert "Clashes:" in out
    assert "s1.ben.jsonl: ben, turn 2" not in out  # low and mid there were not made by the merge
    assert "s2.ben.jsonl: ben, turn 6: would carry low and mid" in out
    assert "settle these turns first" in err
    assert snapshot(study) == before


def test_split_adds_codes_queues_turns_and_check_warns(study: Path) -> None:
    files = {name: data for name, data in snapshot(study).items() if name.endswith(".jsonl")}
    code, out, _ = cli(
        "codebook", "split", "reframe", "--into", "reframe-pain,reframe-practice", "--study", str(study), "--yes"
    )
    assert code == 0, out
    assert "ana: 2 turn(s) carry reframe" in out and "ben: 1 turn(s) carry reframe" in out
    assert "purer-tui code --recheck reframe" in out
    assert {name: data for name, data in snapshot(study).items() if name.endswith(".jsonl")} == files
    text = (study / "codebook.toml").read_text()
    assert '[codes.reframe]\ngroup = "moves"\nlabel = "Reframe"' in text  # its key went to the first new code
    assert 'split_into = ["reframe-pain", "reframe-practice"]' in text
    assert '[codes.reframe-pain]\ngroup = "moves"\nkey = "r"\nlabel = "reframe-pain"\n' in text
    assert 'definition = "Split from Reframe: A new way to see it."' in text
    # The later new code gets a key that is neither the app's nor another code's ("r" went to the first).
    assert '[codes.reframe-practice]\ngroup = "moves"\nkey = "a"\n' in text
    split = [(p.path.name, p.line, p.message) for p in check_study(study) if "split code" in p.message]
    assert split == [
        (
            "codebook.toml",
            31,
            "codes.reframe.split_into: ana: 2 turn(s) still carry split code reframe; "
            "recode them with purer-tui code --recheck reframe --coder ana",
        ),
        (
            "codebook.toml",
            31,
            "codes.reframe.split_into: ben: 1 turn(s) still carry split code reframe; "
            "recode them with purer-tui code --recheck reframe --coder ben",
        ),
    ]
    assert all(not p.is_error for p in check_study(study) if "split code" in p.message)
    # Once every turn is recoded, the split code's table can go.
    for name in ("s1.ana.jsonl", "s2.ana.jsonl", "s1.ben.jsonl"):
        path = study / "t" / name
        path.write_text(path.read_text().replace('"reframe"', '"reframe-pain"'))
    assert [p.message for p in check_study(study) if "split code" in p.message] == [
        "codes.reframe.split_into: no turn carries split code reframe any more; "
        "its table can be deleted (and split_into lists naming it)"
    ]


def test_an_interrupted_rename_is_finished_by_running_it_again(study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = codes_in(study)
    before["s2.cal.jsonl", 6] = ["notice"]
    original = AnnotationFile.replace_all
    calls = []

    def failing(self: AnnotationFile, records: dict) -> None:  # type: ignore[type-arg]
        calls.append(self.path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(self.path))
        original(self, records)

    monkeypatch.setattr(AnnotationFile, "replace_all", failing)
    code, _, err = cli("codebook", "rename", "notice", "observe", "--study", str(study), "--yes")
    assert code == 1 and "No space left on device" in err
    monkeypatch.setattr(AnnotationFile, "replace_all", original)
    assert "[codes.notice]" in (study / "codebook.toml").read_text()  # the codebook is written last
    halfway = codes_in(study)
    assert any("observe" in codes for codes in halfway.values())  # the first file is new, every other old
    assert not list((study / "t").glob(".*.tmp"))

    code, out, _ = cli("codebook", "rename", "notice", "observe", "--study", str(study), "--yes")
    assert code == 0, out
    after = codes_in(study)
    assert after.keys() == before.keys()
    for key, codes in before.items():
        assert after[key] == ["observe" if c == "notice" else c for c in codes], key
    conflict_errors_only(study)
    code, out, _ = cli("codebook", "rename", "notice", "observe", "--study", str(study), "--yes")
    assert code == 0 and "Nothing to change" in out


def test_a_teammates_files_with_the_old_id_are_carried_by_the_same_command(study: Path) -> None:
    assert cli("codebook", "rename", "notice", "observe", "--study", str(study), "--yes")[0] == 0
    # A teammate's branch, pulled after the rename, still codes with the old id.
    write(study / "t" / "s2.dan.jsonl", jsonl(record(1, "notice"), record(2, "low")))
    assert any("unknown code" in error for error in errors_and_warnings(study)[0])
    code, out, _ = cli("codebook", "rename", "notice", "observe", "--study", str(study), "--yes")
    assert code == 0 and "already names" in out and "dan: 1 turn(s) in 1 file(s)" in out
    assert codes_in(study)["s2.dan.jsonl", 1] == ["observe"]
    conflict_errors_only(study)
    # The same for a merge whose merged code has left the codebook.
    assert cli("codebook", "merge", "low", "mid", "--into", "mid", "--study", str(study), "--yes")[0] == 0
    write(study / "t" / "s2.eve.jsonl", jsonl(record(3, "low")))
    code, out, _ = cli("codebook", "merge", "low", "mid", "--into", "mid", "--study", str(study), "--yes")
    assert code == 0 and "No longer in the codebook: low" in out
    assert codes_in(study)["s2.eve.jsonl", 3] == ["mid"]


def test_a_held_lock_refuses_naming_the_holder_and_writes_nothing(study: Path) -> None:
    before = snapshot(study)
    locks = CoderLocks()
    locks.acquire(study / "t" / "s2.ben.jsonl")
    try:
        code, _, err = cli("codebook", "merge", "high", "--into", "mid", "--study", str(study), "--yes")
    finally:
        locks.release()
    assert code == 1 and "is being coded by another purer-tui process as ben" in err and "s2.txt" in err
    assert snapshot(study) == before


def test_bad_requests_are_one_line_and_change_nothing(study: Path) -> None:
    before = snapshot(study)
    for args, message in [
        (("rename", "nope", "x"), 'no code "nope"'),
        (("rename", "notice", "reframe"), 'already has a code "reframe"'),
        (("rename", "notice", "Bad Id"), "is not a valid code id"),
        (("merge", "notice", "--into", "detail"), "detail sits under notice"),
        (("split", "notice", "--into", "a"), "two or more"),
    ]:
        code, _, err = cli("codebook", *args, "--study", str(study), "--yes")
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (args, err)
    assert snapshot(study) == before


def test_a_linked_codebook_or_a_damaged_sidecar_is_refused_in_one_line(study: Path) -> None:
    write(study / "t" / "s1.cal.unplaced.jsonl", jsonl(record(9, "notice")) + "{not json\n")
    before = snapshot(study)
    code, _, err = cli("codebook", "rename", "notice", "observe", "--study", str(study), "--yes")
    assert code == 1 and "s1.cal.unplaced.jsonl:2: not valid JSON" in err and len(err.strip().splitlines()) == 1
    assert snapshot(study) == before
    (study / "t" / "s1.cal.unplaced.jsonl").unlink()
    (study / "real.toml").write_text(CODEBOOK)
    (study / "codebook.toml").unlink()
    (study / "codebook.toml").symlink_to("real.toml")
    code, _, err = cli("codebook", "rename", "notice", "observe", "--study", str(study), "--yes")
    assert code == 1 and "codebook.toml: is a link" in err
    assert (study / "real.toml").read_text() == CODEBOOK and (study / "codebook.toml").is_symlink()


def test_a_codebook_saved_with_a_byte_order_mark_is_edited_and_keeps_it(study: Path) -> None:
    path = study / "codebook.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, out, err = cli("codebook", "rename", "notice", "observe", "--study", str(study), "--yes")
    assert code == 0, out + err
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"[codes.observe]" in data and b"[codes.notice]" not in data


def _queue(study: Path, coder: str, *wanted: tuple[int, str]) -> None:
    from purer_tui.core.suggestion_queue import QueuedCode, SuggestionQueue
    from purer_tui.core.transcript import load_transcript

    turns = load_transcript(study / "t" / "s1.txt").turns
    queue = SuggestionQueue(study, coder)
    queue.add(QueuedCode("t/s1.txt", turn, turns[turn - 1].anchor, code, "autocode --text") for turn, code in wanted)
    assert queue.save()


def test_this_clones_suggestion_queues_follow_rename_merge_and_split(study: Path) -> None:
    from purer_tui.core.suggestion_queue import SuggestionQueue

    _queue(study, "ana", (1, "notice"), (2, "reframe"), (3, "detail"))
    _queue(study, "dan", (4, "notice"))
    assert cli("codebook", "rename", "notice", "observe", "--study", str(study), "--yes")[0] == 0
    ana = SuggestionQueue(study, "ana")
    assert [ana.codes_for("t/s1.txt", turn) for turn in (1, 2, 3)] == [("observe",), ("reframe",), ("detail",)]
    assert SuggestionQueue(study, "dan").codes_for("t/s1.txt", 4) == ("observe",)
    assert cli("codebook", "merge", "detail", "--into", "observe", "--study", str(study), "--yes")[0] == 0
    assert SuggestionQueue(study, "ana").codes_for("t/s1.txt", 3) == ("observe",)
    assert cli("codebook", "split", "reframe", "--into", "reframe-a,reframe-b", "--study", str(study), "--yes")[0] == 0
    ana = SuggestionQueue(study, "ana")
    assert ana.codes_for("t/s1.txt", 2) == () and ana.turn_count == 2  # a split code is suggested no more


def test_a_queued_code_the_codebook_no_longer_applies_is_dropped_when_the_app_opens(study: Path) -> None:
    from purer_tui.core.suggestion_queue import SuggestionQueue
    from purer_tui.services.coding_setup import prepare_session

    _queue(study, "ana", (1, "gone-in-a-pull"), (2, "reframe"))
    prepared = prepare_session([study], "ana", None, [], False)
    try:
        assert any("1 queued suggestion(s) named codes the codebook no longer applies" in n for n in prepared.notices)
        assert SuggestionQueue(study, "ana").turn_count == 1
        assert prepared.session.suggestions is not None and prepared.session.suggestions.turn_count == 1
    finally:
        prepared.session.close()
        prepared.locks.release()
