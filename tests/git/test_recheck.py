"""What was coded under an older definition: `recheck`, `codebook history` and `check`'s warning, on real
repositories built commit by commit (three coders, dates pinned)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from purer_tui.core.codebook import definition_fingerprint
from purer_tui.services.recheck import find_rechecks, stale_turn_problems
from tests.git.conftest import purer

STUDY = """[study]
name = "Recheck"
codebook = "codebook.toml"
transcripts = ["transcripts/*.txt"]
"""

TRANSCRIPT = "".join(f"{'Therapist' if n % 2 else 'Client'}: turn number {n} here.\n" for n in range(1, 9))

CODEBOOK = """[codebook]
name = "Recheck"

[codes.pain]
key = "p"
label = "Pain"
definition = "{pain}"

# the hopeful code
[codes.{hope_id}]
key = "h"
label = "Hope"
definition = "{hope}"

[codes.calm]
key = "c"
label = "Calm"
definition = "Being calm."
"""


def write_codebook(repo: Path, pain: str = "Talk of pain.", hope: str = "Talk of hope.", hope_id: str = "hope"):
    (repo / "codebook.toml").write_text(CODEBOOK.format(pain=pain, hope=hope, hope_id=hope_id))


def new_study(tmp_path: Path, in_git: bool = True) -> Path:
    """A study with one transcript and the codebook, in a new repository with no commit yet (or in none)."""
    repo = tmp_path / "study"
    (repo / "transcripts").mkdir(parents=True)
    (repo / "purer.toml").write_text(STUDY)
    (repo / "transcripts" / "s1.txt").write_text(TRANSCRIPT)
    write_codebook(repo)
    if in_git:
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    return repo


def code(repo: Path, coder: str, turns: dict[int, list[str]], rechecked: dict[int, dict[str, str]] | None = None):
    lines = []
    for turn in sorted(turns):
        record: dict[str, object] = {"codes": turns[turn], "turn": turn}
        if rechecked and turn in rechecked:
            record["rechecked"] = rechecked[turn]
        lines.append(json.dumps(record, sort_keys=True, separators=(",", ":")))
    (repo / "transcripts" / f"s1.{coder}.jsonl").write_text("".join(line + "\n" for line in lines))


def commit(repo: Path, day: int, message: str) -> str:
    date = f"2026-01-{day:02d}T12:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", message],
        cwd=repo,
        check=True,
        env=env,
    )
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """Three coders; pain's definition sharpened after the first round, hope renamed to optimism and then
    redefined; some coding after each change, some rechecked, some not committed yet."""
    repo = new_study(tmp_path)
    commit(repo, 1, "Start the study")
    code(repo, "ana", {1: ["pain"], 2: ["pain", "calm"], 3: ["hope"]})
    code(repo, "ben", {1: ["pain"], 3: ["hope"]})
    code(repo, "cat", {2: ["pain"], 4: ["calm"]})
    commit(repo, 2, "Round 1 coding")
    write_codebook(repo, pain="Talk of bodily pain, not of worry.")
    commit(repo, 3, "Sharpen pain after round 1")
    new_pain = definition_fingerprint("Talk of bodily pain, not of worry.")
    code(repo, "ana", {1: ["pain"], 2: ["pain", "calm"], 3: ["hope"], 4: ["pain"]})
    code(repo, "ben", {1: ["pain"], 3: ["hope"]}, rechecked={1: {"pain": new_pain}})
    commit(repo, 4, "Round 2 coding")
    # The rename, as `codebook rename` does it: the codebook and every file in one commit.
    write_codebook(repo, pain="Talk of bodily pain, not of worry.", hope_id="optimism")
    code(repo, "ana", {1: ["pain"], 2: ["pain", "calm"], 3: ["optimism"], 4: ["pain"]})
    code(repo, "ben", {1: ["pain"], 3: ["optimism"]}, rechecked={1: {"pain": new_pain}})
    commit(repo, 5, 'Rename code "hope" to "optimism"')
    write_codebook(repo, pain="Talk of bodily pain, not of worry.", hope="Hope for the future.", hope_id="optimism")
    commit(repo, 6, "Redefine optimism")
    code(repo, "cat", {2: ["pain"], 4: ["calm"], 6: ["optimism"]})
    commit(repo, 7, "Round 3 coding")
    code(repo, "cat", {2: ["pain"], 4: ["calm"], 5: ["pain"], 6: ["optimism"]})  # not committed
    return repo


def turns(report) -> set[tuple[str, int, str]]:
    return {(item.coder, item.turn, item.code) for item in report.items}


def test_recheck_lists_exactly_the_turns_coded_before_the_change(study: Path) -> None:
    report = find_rechecks(study)
    assert report.repository
    assert turns(report) == {
        ("ana", 1, "pain"),
        ("ana", 2, "pain"),  # coded in round 1, before pain was sharpened
        ("cat", 2, "pain"),
        ("ana", 3, "optimism"),  # coded as "hope", renamed, then redefined
        ("ben", 3, "optimism"),
    }
    # Not: ana 4 (coded after the change), ben 1 (rechecked under today's definition), cat 5 (not committed),
    # cat 6 (coded after optimism was redefined).
    pain = next(item for item in report.items if item.code == "pain")
    assert pain.change is not None and pain.change.date == "2026-01-03"
    assert pain.change.old is not None and pain.change.old.definition == "Talk of pain."
    assert pain.change.new.definition == "Talk of bodily pain, not of worry."
    assert [item.code for item in report.items][:3] == ["pain"] * 3  # codebook order


def test_recheck_filters_by_code_and_coder(study: Path) -> None:
    assert turns(find_rechecks(study, coders=["ana"], code="pain")) == {("ana", 1, "pain"), ("ana", 2, "pain")}


def test_a_rechecked_turn_and_a_recoded_turn_are_current(study: Path) -> None:
    new_pain = {1: {"pain": definition_fingerprint("Talk of bodily pain, not of worry.")}}
    code(study, "ana", {1: ["pain"], 2: ["pain", "calm"], 3: ["optimism"], 4: ["pain"]}, rechecked=new_pain)
    assert ("ana", 1, "pain") not in turns(find_rechecks(study))
    # An old fingerprint does not count.
    old_pain = {1: {"pain": "0123abcd"}}
    code(study, "ana", {1: ["pain"], 2: ["calm"], 3: ["optimism"], 4: ["pain"]}, rechecked=old_pain)
    commit(study, 8, "ana drops pain from turn 2")
    code(study, "ana", {1: ["pain"], 2: ["calm", "pain"], 3: ["optimism"], 4: ["pain"]}, rechecked=old_pain)
    commit(study, 9, "ana codes pain on turn 2 again")
    found = turns(find_rechecks(study, coders=["ana"]))
    assert ("ana", 1, "pain") in found and ("ana", 2, "pain") not in found


def test_cli_recheck_and_check_warning(study: Path) -> None:
    out = purer(study, "recheck").stdout
    assert "pain: definition changed on 2026-01-03 in commit" in out and "Sharpen pain after round 1" in out
    assert "ana: 2 turn(s)" in out and "transcripts/s1.txt: turns 1, 2" in out
    assert "5 codings on 5 turns to recheck." in out and "purer-tui code --recheck --coder ben" in out
    assert "transcripts/s1.txt, coded as hope (renamed to optimism): turn 3" in out
    data = json.loads(purer(study, "recheck", "--json", "--code", "optimism").stdout)
    assert [entry["code"] for entry in data["codes"]] == ["optimism"]
    assert {(turn["coder"], turn["turn"]) for turn in data["codes"][0]["turns"]} == {("ana", 3), ("ben", 3)}
    assert {turn["coded_as"] for turn in data["codes"][0]["turns"]} == {"hope"}
    assert {turn["coded_under"]["definition"] for turn in data["codes"][0]["turns"]} == {"Talk of hope."}
    assert data["codes"][0]["change"]["new"]["definition"] == "Hope for the future."
    checked = purer(study, "check")
    assert 'codebook.toml:4: warning: 3 turn(s) coded with "pain" before its definition changed' in checked.stdout
    assert "ana 2, cat 1" in checked.stdout
    assert 'codebook.toml:10: warning: 2 turn(s) coded with "optimism"' in checked.stdout


def test_nothing_to_recheck_after_recoding(tmp_path: Path) -> None:
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["pain"]})
    commit(repo, 1, "Start")
    write_codebook(repo, pain="Sharper.")
    commit(repo, 2, "Sharpen")
    assert "1 coding on 1 turn to recheck." in purer(repo, "recheck").stdout
    code(repo, "ana", {1: ["pain"]}, rechecked={1: {"pain": definition_fingerprint("Sharper.")}})
    assert purer(repo, "recheck").stdout.strip() == "Nothing to recheck."
    assert "turn(s) coded with" not in purer(repo, "check").stdout


def history(repo: Path, *args: str, columns: int | None = None) -> str:
    """`codebook history` with its output to a pipe, as wide as `columns` says (None: COLUMNS not set)."""
    env = {name: value for name, value in os.environ.items() if name != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    command = [sys.executable, "-m", "purer_tui", "codebook", "history", *args]
    result = subprocess.run(command, cwd=repo, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_codebook_history(study: Path) -> None:
    out = history(study, columns=200)
    lines = out.splitlines()
    assert lines[0].split() == ["date", "commit", "code", "what", "changed", "subject"]
    assert any("pain" in line and "definition changed" in line and "Sharpen pain" in line for line in lines)
    assert any("optimism" in line and 'renamed from "hope"' in line for line in lines)
    one = history(study, "optimism", columns=200)
    assert "hope" in one and "added (first version of the codebook)" in one  # followed back across the rename
    assert "    definition: [-Talk of hope.-] {+Hope for the future.+}\n" in one
    assert "pain" not in one
    missing = purer(study, "codebook", "history", "nope", check=False)
    assert missing.returncode == 2 and "nope" in missing.stderr


def test_a_study_not_in_git(tmp_path: Path) -> None:
    repo = new_study(tmp_path, in_git=False)
    code(repo, "ana", {1: ["pain"]})
    report = find_rechecks(repo)
    assert not report.repository and report.items == [] and "not in a git repository" in report.notes[0]
    assert stale_turn_problems(repo) == []
    out = purer(repo, "recheck").stdout.splitlines()
    assert "not in a git repository" in out[0] and out[1] == "Nothing to recheck."
    history = purer(repo, "codebook", "history", check=False)
    assert history.returncode == 1 and history.stderr.count("\n") == 1 and "not in a git repository" in history.stderr


def test_split_code_turns_are_listed_in_git_or_not(tmp_path: Path) -> None:
    repo = tmp_path / "study"
    (repo / "transcripts").mkdir(parents=True)
    (repo / "purer.toml").write_text(STUDY)
    (repo / "transcripts" / "s1.txt").write_text(TRANSCRIPT)
    text = CODEBOOK.format(pain="Pain.", hope="Hope.", hope_id="hope").replace(
        'definition = "Pain."', 'definition = "Pain."\nsplit_into = ["hope", "calm"]'
    )
    (repo / "codebook.toml").write_text(text.replace('key = "p"\n', ""))
    code(repo, "ana", {1: ["pain"], 2: ["calm"]})
    report = find_rechecks(repo)
    assert [(item.coder, item.turn, item.code, item.change) for item in report.items] == [("ana", 1, "pain", None)]
    assert "pain: split" in purer(repo, "recheck").stdout


def test_a_merge_into_a_code_is_followed(tmp_path: Path) -> None:
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["hope"], 2: ["calm"]})
    commit(repo, 1, "Round 1")
    (repo / "codebook.toml").write_text((repo / "codebook.toml").read_text().replace("Being calm.", "Calm, settled."))
    commit(repo, 2, "Redefine calm")
    code(repo, "ana", {1: ["hope"], 2: ["calm"], 3: ["hope"]})
    commit(repo, 3, "Round 2")
    text = (repo / "codebook.toml").read_text()
    (repo / "codebook.toml").write_text(
        text.replace('[codes.hope]\nkey = "h"\nlabel = "Hope"\ndefinition = "Talk of hope."', "")
    )
    code(repo, "ana", {1: ["calm"], 2: ["calm"], 3: ["calm"]})
    commit(repo, 4, 'Merge code "hope" into "calm"')
    # Turn 1 was coded (as hope) before calm was redefined; turn 3 after it.
    report = find_rechecks(repo)
    assert turns(report) == {("ana", 1, "calm"), ("ana", 2, "calm")}
    # What each turn was coded as, and under which text: the codebook at the commit of the coding.
    coded = {item.turn: (item.coded_as, item.coded_under) for item in report.items}
    assert coded[1][0] == "hope" and coded[1][1] is not None and coded[1][1].definition == "Talk of hope."
    assert coded[2][0] == "calm" and coded[2][1] is not None and coded[2][1].definition == "Being calm."
    out = purer(repo, "recheck").stdout
    assert "transcripts/s1.txt: turn 2\n" in out
    assert "transcripts/s1.txt, coded as hope (merged into calm): turn 1\n" in out


def test_ancestry_not_dates_decides(tmp_path: Path) -> None:
    """Coding made on a branch that started before the change is stale, even when committed after it."""
    repo = new_study(tmp_path)
    code(repo, "ben", {1: ["pain"]})
    commit(repo, 1, "Round 1")
    subprocess.run(["git", "checkout", "-q", "-b", "ben"], cwd=repo, check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
    write_codebook(repo, pain="Sharper.")
    commit(repo, 2, "Sharpen pain")
    code(repo, "ana", {1: ["pain"]})
    commit(repo, 4, "ana codes under the sharper definition")
    subprocess.run(["git", "checkout", "-q", "ben"], cwd=repo, check=True)
    code(repo, "ben", {1: ["pain"], 2: ["pain"]})
    commit(repo, 3, "ben codes on his branch")
    subprocess.run(["git", "checkout", "-q", "main"], cwd=repo, check=True)
    date = {"GIT_AUTHOR_DATE": "2026-01-05T12:00:00+00:00", "GIT_COMMITTER_DATE": "2026-01-05T12:00:00+00:00"}
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "merge", "-q", "--no-edit", "ben"],
        cwd=repo,
        check=True,
        env={**os.environ, **date},
    )
    assert turns(find_rechecks(repo)) == {("ben", 1, "pain"), ("ben", 2, "pain")}


def test_a_rename_after_the_change_is_followed_back(tmp_path: Path) -> None:
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["hope"]})
    commit(repo, 1, "Round 1")
    write_codebook(repo, hope="Hope, sharper.")
    commit(repo, 2, "Sharpen hope")
    code(repo, "ana", {1: ["hope"], 2: ["hope"]})
    commit(repo, 3, "Round 2")
    write_codebook(repo, hope="Hope, sharper.", hope_id="optimism")
    code(repo, "ana", {1: ["optimism"], 2: ["optimism"]})
    commit(repo, 4, 'Rename code "hope" to "optimism"')
    report = find_rechecks(repo)
    assert turns(report) == {("ana", 1, "optimism")}  # coded as hope before hope was sharpened
    assert report.items[0].change is not None and report.items[0].change.code == "hope"


def test_a_codebook_version_that_does_not_parse_is_skipped_and_said(tmp_path: Path) -> None:
    repo = new_study(tmp_path)
    code(repo, "ana", {turn: ["pain"] for turn in (1, 2, 3, 5)})
    commit(repo, 1, "Round 1")
    (repo / "codebook.toml").write_text("[codes.pain\nbroken = ")
    commit(repo, 2, "A broken codebook")
    write_codebook(repo, pain="Sharper.")
    commit(repo, 3, "Fixed, and pain sharpened")
    report = find_rechecks(repo)
    assert turns(report) == {("ana", turn, "pain") for turn in (1, 2, 3, 5)}
    assert report.notes == ["1 committed version(s) of the codebook could not be read (too large or not TOML)"]
    out = purer(repo, "recheck").stdout
    assert "transcripts/s1.txt: turns 1-3, 5" in out and out.startswith("1 committed version(s)")


def test_an_uncommitted_definition_change_is_said_and_counts_once_committed(tmp_path: Path) -> None:
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["pain"]})
    commit(repo, 1, "Round 1")
    write_codebook(repo, pain="Sharper.")
    report = find_rechecks(repo)
    assert report.items == []
    assert report.notes == ["the definition of pain has changes not committed yet; they count once committed"]
    commit(repo, 2, "Sharpen pain")
    report = find_rechecks(repo)
    assert turns(report) == {("ana", 1, "pain")} and report.notes == []


def test_a_code_renamed_with_a_new_definition_arrives_changed(tmp_path: Path) -> None:
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["hope"]})
    commit(repo, 1, "Round 1")
    write_codebook(repo, hope="Hope for the future.", hope_id="optimism")
    code(repo, "ana", {1: ["optimism"]})
    commit(repo, 2, "hope becomes optimism, redefined")
    code(repo, "ana", {1: ["optimism"], 2: ["optimism"]})
    commit(repo, 3, "Round 2")
    report = find_rechecks(repo)
    assert turns(report) == {("ana", 1, "optimism")}
    assert report.items[0].change is not None and report.items[0].change.old is None
    assert "optimism: added (these turns were coded as other codes) on 2026-01-02" in purer(repo, "recheck").stdout


def test_a_repository_with_no_commit_yet(tmp_path: Path) -> None:
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["pain"]})
    out = purer(repo, "recheck").stdout.splitlines()
    assert out[0].startswith("the codebook is not committed yet;") and out[1:] == ["Nothing to recheck."]
    assert purer(repo, "codebook", "history").stdout == "The codebook has no committed history yet.\n"
    assert "turn(s) coded with" not in purer(repo, "check").stdout


async def test_code_recheck_clears_exactly_the_turns_recheck_lists(tmp_path: Path) -> None:
    """The chain a team meets: a definition change is committed, `recheck` lists the turns coded before it,
    `code --recheck` steps through exactly those, and once confirmed (and committed) none is left."""
    from purer_tui.services.coding_setup import PreparedSession, prepare_recheck
    from purer_tui.tui.app import CodingApp

    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["pain"], 2: ["pain", "calm"], 3: ["hope"], 4: ["calm"]})
    commit(repo, 1, "Round 1")
    write_codebook(repo, pain="Talk of bodily pain, not of worry.")
    commit(repo, 2, "Sharpen pain")
    listed = [(item.turn, item.code) for item in find_rechecks(repo).items]
    assert listed == [(1, "pain"), (2, "pain")]
    prepared = prepare_recheck([repo], "ana", None)
    assert isinstance(prepared, PreparedSession)
    app = CodingApp.from_prepared(prepared)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            assert prepared.session.current.visible == [1, 2]
            await pilot.press("enter", "enter")
    finally:
        prepared.session.close()
        prepared.locks.release()
    assert find_rechecks(repo).items == []
    commit(repo, 3, "Recheck pain")
    assert find_rechecks(repo).items == []
    assert stale_turn_problems(repo) == []


def test_coded_under_is_the_text_at_the_coding_not_the_text_before_the_last_change(tmp_path: Path) -> None:
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["pain"]})
    commit(repo, 1, "Round 1")
    write_codebook(repo, pain="Sharper.")
    commit(repo, 2, "Sharpen pain")
    write_codebook(repo, pain="Sharper still.")
    commit(repo, 3, "Sharpen pain again")
    [item] = find_rechecks(repo).items
    assert item.change is not None and item.change.old is not None and item.change.old.definition == "Sharper."
    assert item.coded_as == "pain" and item.coded_under is not None
    assert item.coded_under.definition == "Talk of pain." and item.coded_under.label == "Pain"


def test_a_turn_with_two_changed_codes_counts_once_as_a_turn(tmp_path: Path) -> None:
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["pain", "hope"], 2: ["pain"]})
    code(repo, "ben", {1: ["pain"]})
    commit(repo, 1, "Round 1")
    write_codebook(repo, pain="Sharper.", hope="Hope, sharper.")
    commit(repo, 2, "Sharpen pain and hope")
    assert "4 codings on 3 turns to recheck." in purer(repo, "recheck").stdout


def test_an_unknown_coder_is_refused(study: Path) -> None:
    refused = purer(study, "recheck", "--coder", "zed", check=False)
    assert refused.returncode == 2 and refused.stdout == ""
    assert 'no coder "zed" in this study; its coders are ana, ben, cat' in refused.stderr
    assert refused.stderr.count("\n") == 1
    assert "ana: 2 turn(s)" in purer(study, "recheck", "--coder", "ana").stdout


LONG_SUBJECT = "Sharpen \x1b]52;c;aGk=\x07 the pain code after the second round of agreement with the whole team"
LONG_PAIN = " ".join(["Talk of bodily pain, in the body, now or remembered, not of worry about it."] * 4)


def test_codebook_history_fits_the_width_and_diffs_the_words(tmp_path: Path) -> None:
    repo = new_study(tmp_path)
    commit(repo, 1, "Start")
    write_codebook(repo, pain=LONG_PAIN)
    commit(repo, 2, LONG_SUBJECT)
    write_codebook(repo, pain=LONG_PAIN.replace("not of worry", "never of worry", 1))
    commit(repo, 3, "One word")
    narrow = history(repo, "pain", columns=80)
    lines = narrow.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "\x1b" not in narrow and "\x07" not in narrow and "␛]52;c;aGk=␇" in narrow  # untrusted: made visible
    words = narrow.split()
    assert all(word in words for word in ("Sharpen", "code", "after", "second"))  # wrapped between words
    assert "[-not-] {+never+}" in " ".join(words)  # the one changed word is marked
    assert "definition: Talk of [-pain.-] {+bodily pain, in the body," in " ".join(words)  # short to long
    first = next(number for number, line in enumerate(lines) if line.startswith("    definition: Talk of [-pain.-]"))
    assert all(
        line.startswith("      ") and line[6] != " " for line in lines[first + 1 : first + 4]
    )  # wrapped, indented
    piped = history(repo, "pain")  # not a terminal, COLUMNS not set: wide, but long texts still wrap
    assert max(len(line) for line in piped.splitlines()) <= 120
    assert len(piped.splitlines()) < len(lines)


def test_moving_the_study_s_folders_and_codebook_loses_no_turn_to_recheck(study: Path) -> None:
    before = turns(find_rechecks(study))
    subprocess.run(["git", "add", "-A"], cwd=study, check=True)  # cat's uncommitted turn 5 goes along (current)
    subprocess.run(["git", "mv", "transcripts", "data"], cwd=study, check=True)
    subprocess.run(["git", "mv", "codebook.toml", "main-codebook.toml"], cwd=study, check=True)
    study_file = study / "purer.toml"
    study_file.write_text(
        STUDY.replace('"codebook.toml"', '"main-codebook.toml"').replace("transcripts/*.txt", "data/*.txt")
    )
    commit(study, 8, "Reorganise the folders")
    assert turns(find_rechecks(study)) == before
    history = purer(study, "codebook", "history", "pain").stdout
    assert "definition changed" in history and "2026-01-03" in history  # followed back past the move


def test_a_commit_that_made_a_coder_s_file_a_link_hides_no_turn_to_recheck(study: Path) -> None:
    before = turns(find_rechecks(study))
    subprocess.run(["git", "add", "-A"], cwd=study, check=True)
    commit(study, 8, "Round 3 done")
    ana = study / "transcripts" / "s1.ana.jsonl"
    kept = ana.read_bytes()
    ana.unlink()
    ana.symlink_to("s1.ben.jsonl")
    commit(study, 9, "A link pushed by someone")
    ana.unlink()
    ana.write_bytes(kept)
    commit(study, 10, "The file back")
    assert turns(find_rechecks(study)) == before


def _git(repo: Path, *args: str, day: int = 1) -> None:
    date = f"2026-02-{day:02d}T12:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True, env=env)


@pytest.mark.parametrize("moved", ["transcripts", "codebook"])
def test_a_move_on_one_branch_hides_no_coding_or_change_on_the_other(tmp_path: Path, moved: str) -> None:
    """Folders reorganised on a branch while coding, or the definition, changed on another: after the merge,
    the turns coded under the old definition are still listed."""
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["pain"]})
    commit(repo, 1, "Round 1")
    _git(repo, "checkout", "-q", "-b", "side")
    if moved == "transcripts":
        _git(repo, "mv", "transcripts", "data")
        (repo / "purer.toml").write_text(STUDY.replace("transcripts/*.txt", "data/*.txt"))
        (repo / "data" / "s1.ana.jsonl").write_text('{"codes":["pain"],"turn":1}\n{"codes":["pain"],"turn":2}\n')
    else:
        _git(repo, "mv", "codebook.toml", "book.toml")
        (repo / "purer.toml").write_text(STUDY.replace('"codebook.toml"', '"book.toml"'))
    _git(repo, "commit", "-qam", f"Move the {moved} (and code turn 2)", day=2)
    _git(repo, "checkout", "-q", "main")
    write_codebook(repo, pain="Talk of bodily pain, not of worry.")
    _git(repo, "commit", "-qam", "Sharpen pain", day=3)
    _git(repo, "merge", "-q", "--no-edit", "side", day=4)
    expected = {("ana", 1, "pain"), ("ana", 2, "pain")} if moved == "transcripts" else {("ana", 1, "pain")}
    assert turns(find_rechecks(repo)) == expected


def test_a_name_used_again_after_a_move_is_a_new_file_not_the_moved_one(tmp_path: Path) -> None:
    """s1 moved to p1, then a new s1 coded after the definition changed: p1's coding before the change is
    still listed (the names are joined in the order of history, not for all of it)."""
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["pain"], 2: ["pain"]})
    commit(repo, 1, "Round 1")
    for name in ("s1.txt", "s1.ana.jsonl"):
        subprocess.run(["git", "mv", f"transcripts/{name}", f"transcripts/{name.replace('s1', 'p1')}"], cwd=repo)
    commit(repo, 2, "Rename the session")
    write_codebook(repo, pain="Talk of bodily pain, not of worry.")
    commit(repo, 3, "Sharpen pain")
    (repo / "transcripts" / "s1.txt").write_text(TRANSCRIPT)
    code(repo, "ana", {1: ["pain"], 3: ["pain"]})  # a new session under the old name, coded after the change
    commit(repo, 4, "A new session")
    assert {(item.transcript.name, item.turn) for item in find_rechecks(repo).items} == {("p1.txt", 1), ("p1.txt", 2)}


def _check_in_process(repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, Counter[str]]:
    """`check` run in this process: its exit code, its lines, and how often each annotation file was read."""
    from click.testing import CliRunner

    from purer_tui.cli import main
    from purer_tui.core import annotations, check

    reads: Counter[str] = Counter()

    def counted(read: Callable[[Path], str]) -> Callable[[Path], str]:
        def read_counted(path: Path) -> str:
            reads[path.name] += 1
            return read(path)

        return read_counted

    for module in (check, annotations):
        monkeypatch.setattr(module, "read_annotation_text", counted(module.read_annotation_text))
    result = CliRunner().invoke(main, ["check"], catch_exceptions=False)
    return result.exit_code, result.stdout, reads


def _check_read_apart(repo: Path) -> str:
    """`check`'s lines from its parts, each reading the files itself (as `check` did before it read them once)."""
    from purer_tui.core.check import check_study
    from purer_tui.core.safe_text import one_line
    from purer_tui.core.study import find_study_file
    from purer_tui.gitwork.setup import setup_problems

    problems = check_study(repo) + setup_problems(find_study_file(repo)) + stale_turn_problems(repo)
    return "".join(one_line(str(problem)) + "\n" for problem in problems)


@pytest.mark.parametrize("change", ["none", "journal", "broken", "uncommitted"])
def test_check_reads_each_annotation_file_once_and_says_what_its_parts_say(
    study: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if change == "journal":  # a session left open: its change counts in both readings
        journal = study / "transcripts" / ".s1.ben.jsonl.journal"
        journal.write_text('{"put":{"codes":["pain"],"turn":5}}\n')
    if change == "broken":  # a file check finds wrong: the stale turns are not counted at all
        (study / "transcripts" / "s1.cat.jsonl").write_text('{"codes":["pain"],"turn":2}\nnot json\n')
    if change == "uncommitted":
        code(study, "ana", {1: ["calm"], 2: ["pain", "calm"], 3: ["optimism"], 4: ["pain"]})
    monkeypatch.chdir(study)  # paths are shown from here
    expected = _check_read_apart(study)
    assert ("definition changed" in expected) == (change != "broken")
    status, out, reads = _check_in_process(study, monkeypatch)
    assert out == expected
    assert status == (1 if change == "broken" else 0)
    assert reads == {"s1.ana.jsonl": 1, "s1.ben.jsonl": 1, "s1.cat.jsonl": 1 if change != "broken" else 2}


def test_check_of_a_study_with_no_definition_change_reads_the_files_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_study(tmp_path)
    code(repo, "ana", {1: ["pain"]})
    commit(repo, 1, "Start")
    monkeypatch.chdir(repo)
    expected = _check_read_apart(repo)
    assert (0, expected, {"s1.ana.jsonl": 1}) == _check_in_process(repo, monkeypatch)
