"""Teams sharing a study through git: clean merges, readable diffs, true conflicts kept, transcripts corrected."""

from __future__ import annotations

import json
from pathlib import Path

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.transcript import load_transcript
from tests.git.conftest import clone, git, purer

S01 = Path("transcripts/grp1-s01.txt")


def code_turns(repo: Path, coder: str, codes: dict[int, tuple[str, ...]], memo: str = "") -> None:
    """What a coder's session leaves on disk: records with the turns' anchors."""
    transcript = load_transcript(repo / S01)
    store = AnnotationFile.open(repo / S01.with_name(f"grp1-s01.{coder}.jsonl"))
    store.put_many(AnnotationRecord(n, c, memo, transcript.turn(n).anchor) for n, c in codes.items())


def records(repo: Path, coder: str) -> dict[int, AnnotationRecord]:
    return dict(AnnotationFile.open(repo / S01.with_name(f"grp1-s01.{coder}.jsonl")).records)


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_install_is_idempotent_and_status_reports_it(origin: Path) -> None:
    purer(origin, "git", "install")
    assert (origin / ".gitattributes").read_text().count("*.jsonl diff=purer merge=purer text eol=lf") == 1
    assert ".*.tmp" in (origin / ".gitignore").read_text()  # interrupted saves never reach git
    status = purer(origin, "git", "status")
    assert status.stdout.count("ok:") == 5
    fresh = clone(origin, "fresh", install=False)
    missing = purer(fresh, "git", "status", check=False)
    assert missing.returncode == 1 and "missing: merge.purer.driver is not set" in missing.stdout
    warned = purer(fresh, "check")
    assert "without purer-tui's git set-up" in warned.stdout and "merge.purer.driver is not set" in warned.stdout
    assert "without purer-tui" not in purer(origin, "check").stdout


def test_two_coders_on_two_branches_merge_cleanly(origin: Path) -> None:
    git(origin, "checkout", "-q", "-b", "cal")
    code_turns(origin, "cal", {1: ("phenomenology",), 2: ("stage-1",)})
    commit(origin, "cal codes")
    git(origin, "checkout", "-q", "main")
    git(origin, "checkout", "-q", "-b", "dee")
    code_turns(origin, "dee", {1: ("education",), 2: ("stage-2a",)})
    commit(origin, "dee codes")
    git(origin, "merge", "-q", "cal")
    assert set(records(origin, "cal")) == {1, 2} and set(records(origin, "dee")) == {1, 2}
    assert purer(origin, "check").returncode == 0


def neighbouring_edits(origin: Path, install: bool) -> tuple[Path, Path]:
    """One coder's file, edited on two clones at neighbouring turns (2 and 3)."""
    code_turns(origin, "cal", {n: ("phenomenology",) for n in range(1, 7)})
    commit(origin, "cal codes session 1")
    laptop, server = clone(origin, "laptop", install), clone(origin, "server", install)
    code_turns(laptop, "cal", {2: ("education",)})
    commit(laptop, "turn 2")
    code_turns(server, "cal", {3: ("reframing",)}, memo="discuss")
    commit(server, "turn 3")
    return laptop, server


def test_neighbouring_turns_conflict_in_a_line_merge(origin: Path) -> None:
    laptop, server = neighbouring_edits(origin, install=False)
    git(laptop, "config", "--unset-all", "merge.purer.driver", check=False)
    pulled = git(laptop, "pull", "-q", "--no-rebase", str(server), "main", check=False)
    assert pulled.returncode != 0 and "CONFLICT" in pulled.stdout + pulled.stderr


def test_neighbouring_turns_merge_cleanly_through_the_driver(origin: Path) -> None:
    laptop, server = neighbouring_edits(origin, install=True)
    git(laptop, "pull", "-q", "--no-rebase", str(server), "main")
    merged = records(laptop, "cal")
    assert merged[2].codes == ("education",)
    assert merged[3].codes == ("reframing",) and merged[3].memo == "discuss"
    assert [merged[n].codes for n in (1, 4, 5, 6)] == [("phenomenology",)] * 4
    assert purer(laptop, "check").returncode == 0
    lines = (laptop / S01.with_name("grp1-s01.cal.jsonl")).read_text().splitlines()
    assert [json.loads(line)["turn"] for line in lines] == sorted({json.loads(line)["turn"] for line in lines})


def test_a_true_conflict_is_reported_kept_and_settled(origin: Path) -> None:
    code_turns(origin, "cal", {n: ("phenomenology",) for n in range(1, 4)})
    commit(origin, "base")
    laptop, server = clone(origin, "laptop"), clone(origin, "server")
    code_turns(laptop, "cal", {2: ("education",)}, memo="laptop memo")
    commit(laptop, "laptop")
    code_turns(server, "cal", {2: ("reframing", "reinforcement")})
    commit(server, "server")
    pulled = git(laptop, "pull", "--no-rebase", str(server), "main", check=False)
    assert pulled.returncode != 0
    assert "purer-tui git resolve" in pulled.stdout + pulled.stderr
    merged = records(laptop, "cal")  # the file still parses
    conflict = merged[2].conflict
    assert conflict is not None
    assert (conflict.ours.codes, conflict.ours.memo) == (("education",), "laptop memo")
    assert conflict.theirs.codes == ("reframing", "reinforcement")
    checked = purer(laptop, "check", check=False)
    assert (
        checked.returncode == 1
        and "turn 2: merge conflict (ours: education; theirs: reframing, reinforcement)" in checked.stdout
    )
    diff = git(laptop, "diff", "HEAD", "--", str(S01.with_name("grp1-s01.cal.jsonl"))).stdout
    assert "CONFLICT ours: education; theirs: reframing, reinforcement" in diff
    refused = purer(laptop, "git", "resolve", check=False)
    assert refused.returncode == 2 and "--ours, --theirs or --both" in refused.stderr
    purer(laptop, "git", "resolve", "--theirs")
    assert records(laptop, "cal")[2] == AnnotationRecord(
        2, ("reframing", "reinforcement"), "", records(laptop, "cal")[2].anchor
    )
    assert purer(laptop, "check").returncode == 0
    commit(laptop, "merge")


def test_both_keeps_both_sides_unless_an_exclusive_group_forbids_it(origin: Path) -> None:
    code_turns(origin, "cal", {3: ("stage-1",), 2: ("phenomenology",)})
    commit(origin, "base")
    laptop, server = clone(origin, "laptop"), clone(origin, "server")
    code_turns(laptop, "cal", {2: ("education",), 3: ("stage-2a",)})
    commit(laptop, "laptop")
    code_turns(server, "cal", {2: ("reframing",), 3: ("stage-2b",)})
    commit(server, "server")
    git(laptop, "pull", "--no-rebase", str(server), "main", check=False)
    purer(laptop, "git", "resolve", "--both", check=False)
    after = records(laptop, "cal")
    assert after[2].codes == ("reframing", "education") and after[2].conflict is None  # codebook order
    assert after[3].conflict is not None  # stage-2a and stage-2b cannot both stand


def test_git_diff_and_log_show_the_readable_form(origin: Path) -> None:
    code_turns(origin, "cal", {2: ("education",), 3: ("stage-1",)})
    commit(origin, "first coding")
    code_turns(origin, "cal", {2: ("phenomenology", "reframing")}, memo="asks about the body")
    diff = git(origin, "diff").stdout
    assert (
        '-grp1-s01 turn 2 [Therapist] education | "So, as you moved through the body scan today, what did you…"' in diff
    )
    assert "+grp1-s01 turn 2 [Therapist] phenomenology, reframing | memo: asks about the body | " in diff
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) == 2 and not any("turn 3" in line for line in changed)  # an unchanged turn is context only
    commit(origin, "recode turn 2")
    log = git(origin, "log", "-p", "-1").stdout
    assert "+grp1-s01 turn 2 [Therapist] phenomenology, reframing" in log


def test_a_corrected_transcript_keeps_every_code_on_its_utterance(origin: Path) -> None:
    code_turns(
        origin,
        "cal",
        {
            2: ("phenomenology",),
            3: ("stage-1",),
            4: ("phenomenology",),
            5: ("stage-1",),
            8: ("reinforcement",),
            9: ("stage-2b",),
        },
    )
    commit(origin, "coding")
    path = origin / S01
    lines = path.read_text().splitlines()
    lines.insert(0, "[00:00:01] Facilitator: The recording has started.")  # a turn inserted at the top
    del lines[4]  # old turn 4 ("Your mind kept going to Thursday...") deleted
    lines = [line.replace("I couldn't do it", "I could not do it") for line in lines]  # a typo fixed in old turn 3
    path.write_text("\n".join(lines) + "\n")
    commit(origin, "transcript corrections")
    checked = purer(origin, "check", check=False)
    assert (
        checked.returncode == 1
        and "no longer match grp1-s01.txt" in checked.stdout
        and "purer-tui reanchor transcripts/grp1-s01.txt" in checked.stdout
    )
    planned = purer(origin, "reanchor", "--dry-run")
    assert "coded on the version in git history" in planned.stdout
    assert "turn 4 (phenomenology): cannot be placed" in planned.stdout
    assert purer(origin, "reanchor", check=False).returncode == 1  # not in a terminal and no --yes: nothing written
    purer(origin, "reanchor", "--yes")
    new = load_transcript(path)
    after = records(origin, "cal")
    texts = {n: new.turn(n).text for n in after}
    assert after[3].codes == ("phenomenology",) and texts[3].startswith("So, as you moved through the body scan")
    assert after[4].codes == ("stage-1",) and texts[4].startswith("Honestly, I could not do it")
    assert after[5].codes == ("stage-1",) and texts[5].startswith("I don't think I noticed")
    assert after[8].codes == ("reinforcement",) and texts[8].startswith("Each time you brought it back")
    assert after[9].codes == ("stage-2b",) and texts[9].startswith("When the scan got to my lower back")
    assert all(record.anchor == new.turn(n).anchor for n, record in after.items())
    unplaced = (origin / "transcripts" / "grp1-s01.cal.unplaced.jsonl").read_text().splitlines()
    assert [json.loads(line)["turn"] for line in unplaced] == [4]
    final = purer(origin, "check")
    assert "1 coded turn(s) could not be placed" in final.stdout


def test_check_warns_when_a_teammate_forces_the_clone_state_into_git(origin: Path) -> None:
    assert "is tracked by git" not in purer(origin, "check").stdout
    (origin / ".purer").mkdir()
    (origin / ".purer" / "index.json").write_text("{}\n")
    git(origin, "add", "-f", ".purer/index.json")
    git(origin, "commit", "-q", "-m", "state that belongs to one clone")
    shown = purer(origin, "check").stdout
    assert ".purer: warning: is tracked by git" in shown and "git rm -r --cached .purer" in shown


def test_status_answers_as_asking_git_one_name_and_key_at_a_time(origin: Path) -> None:
    """`git status` (and `check`) ask git once per question; the answers are those of one git call per name and
    per key: a name among several not ignored, a key set twice (git reads the last), a key removed."""
    from purer_tui.gitwork.setup import driver_config, status

    def asked_one_at_a_time() -> list[bool]:
        names = (".x.ana.jsonl.journal", ".x.ana.lock", ".x.ana.jsonl.1-00000000.tmp")
        ignored = all(
            git(origin, "check-ignore", "-q", "--no-index", "--", name, check=False).returncode == 0 for name in names
        )
        attributes = git(origin, "check-attr", "diff", "merge", "--", "x.ana.jsonl").stdout
        keys = [bool(git(origin, "config", "--get", key, check=False).stdout.strip()) for key in driver_config()]
        return [ignored, "diff: purer" in attributes and "merge: purer" in attributes, *keys]

    purer(origin, "git", "install")
    states = [[check.ok for check in status(origin)]]
    assert states[0] == asked_one_at_a_time() == [True] * 5
    (origin / ".gitignore").write_text((origin / ".gitignore").read_text().replace(".*.lock", ""))
    git(origin, "config", "--add", "merge.purer.name", "")  # set twice, the last one empty
    git(origin, "config", "--unset", "diff.purer.textconv")
    states.append([check.ok for check in status(origin)])
    assert states[1] == asked_one_at_a_time()
    assert states[1] == [False, True, False, False, True]
