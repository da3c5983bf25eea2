"""The real `purer-tui code` process under a pseudo-terminal: keys, quitting, and being killed or hung up on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.journal import journal_path
from purer_tui.core.lock import lock_path
from tests.conftest import write

S01 = "transcripts/grp1-s01"


def on_disk(study: Path, coder: str) -> dict[int, tuple[str, ...]]:
    """What the next reader sees: the annotation file with any journal replayed."""
    store = AnnotationFile.open(study / f"{S01}.{coder}.jsonl")
    return {turn: record.codes for turn, record in store.records.items()}


def test_keys_then_q_leave_the_codes_in_the_jsonl(start_coding, demo_study: Path) -> None:  # type: ignore[no-untyped-def]
    coding = start_coding(str(demo_study), "--coder", "eve")
    coding.wait_for("not reviewed yet")
    coding.press("p", "r")
    coding.wait_for("Reframing ✓")
    coding.press("j", "1", "\r")
    coding.wait_for("Turn 3/17")
    coding.press("q")
    assert coding.wait_exit() == 0
    annotations = demo_study / f"{S01}.eve.jsonl"
    assert annotations.read_text().splitlines()[:2] == [
        '{"anchor":"15343fad6d","codes":["phenomenology","reframing"],"turn":1}',
        '{"anchor":"620e44b617","codes":["stage-1"],"turn":2}',
    ]
    assert not journal_path(annotations).exists() and not lock_path(annotations).exists()


def test_sigkill_after_a_code_key_loses_nothing_shown(start_coding, demo_study: Path) -> None:  # type: ignore[no-untyped-def]
    coding = start_coding(str(demo_study), "--coder", "eve")
    coding.wait_for("not reviewed yet")
    coding.press("e")
    coding.wait_for("Education ✓")  # shown as applied...
    coding.child.kill(signal.SIGKILL)  # ...then the process dies at once
    coding.wait_exit()
    assert on_disk(demo_study, "eve") == {1: ("education",)}
    again = start_coding(str(demo_study), "--coder", "eve")  # the stale lock is taken over, the journal folded in
    again.wait_for("reviewed 1/17")
    again.press("q")
    assert again.wait_exit() == 0
    assert (demo_study / f"{S01}.eve.jsonl").read_text() == '{"anchor":"15343fad6d","codes":["education"],"turn":1}\n'


def test_sighup_exits_cleanly_with_everything_saved(start_coding, demo_study: Path) -> None:  # type: ignore[no-untyped-def]
    coding = start_coding(str(demo_study), "--coder", "eve")
    coding.wait_for("not reviewed yet")
    coding.press("u")
    coding.wait_for("Utilization ✓")
    started = time.monotonic()
    coding.child.kill(signal.SIGHUP)
    coding.wait_exit(timeout=10)
    assert time.monotonic() - started < 8
    annotations = demo_study / f"{S01}.eve.jsonl"
    assert annotations.read_text() == '{"anchor":"15343fad6d","codes":["utilization"],"turn":1}\n'
    assert not lock_path(annotations).exists()


def test_closing_the_terminal_ends_the_process_with_work_saved(start_coding, demo_study: Path) -> None:  # type: ignore[no-untyped-def]
    coding = start_coding(str(demo_study), "--coder", "eve")
    coding.wait_for("not reviewed yet")
    coding.press("f")
    coding.wait_for("Reinforcement ✓")
    pid = coding.child.pid
    os.close(coding.child.child_fd)  # the SSH connection drops: the terminal is gone
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            break
        if finished:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the process did not exit after its terminal closed")
    assert on_disk(demo_study, "eve") == {1: ("reinforcement",)}
    assert not lock_path(demo_study / f"{S01}.eve.jsonl").exists()


def test_a_second_process_for_the_same_coder_and_transcript_is_refused(start_coding, demo_study: Path) -> None:  # type: ignore[no-untyped-def]
    first = start_coding(str(demo_study), "--coder", "eve")
    first.wait_for("not reviewed yet")
    second = subprocess.run(
        [sys.executable, "-m", "purer_tui", "code", str(demo_study / f"{S01}.txt"), "--coder", "eve"],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert second.returncode == 1
    assert f"PID {first.child.pid}" in second.stderr and "Traceback" not in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    other = start_coding(str(demo_study), "--coder", "fay")  # another coder works side by side
    other.wait_for("not reviewed yet")
    other.press("q")
    assert other.wait_exit() == 0
    first.press("q")
    assert first.wait_exit() == 0


def test_two_windows_of_one_coder_code_two_transcripts_of_a_study(start_coding, demo_study: Path) -> None:  # type: ignore[no-untyped-def]
    first = start_coding(str(demo_study), "--coder", "eve")
    first.wait_for("grp1-s01.txt 1/3")
    second = start_coding(
        str(demo_study), "--coder", "eve"
    )  # the study's first transcript is taken: it starts at the next
    second.wait_for("grp1-s02.txt 2/3")
    second.wait_for("another")  # the notice: the first transcript is open in another window
    first.press("e")
    first.wait_for("Education ✓")
    second.press("r")
    second.wait_for("Reframing ✓")
    second.press("[")  # the transcript the other window codes: refused, nothing changes
    second.wait_for("Open in another window")
    second.press("q")
    assert second.wait_exit() == 0
    first.press("]")  # the second window let go of its transcript on quitting
    first.wait_for("grp1-s02.txt 2/3")
    first.press("q")
    assert first.wait_exit() == 0
    codes = {
        name: {
            turn: record.codes
            for turn, record in AnnotationFile.open(demo_study / f"transcripts/{name}.eve.jsonl").records.items()
        }
        for name in ("grp1-s01", "grp1-s02")
    }
    assert codes == {"grp1-s01": {1: ("education",)}, "grp1-s02": {1: ("reframing",)}}
    assert not list((demo_study / "transcripts").glob(".*.lock"))


def test_escape_sequences_in_a_transcript_never_reach_the_terminal(start_coding, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path / "purer.toml", '[study]\nname = "h"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n')
    write(tmp_path / "c.toml", '[codebook]\nname = "c"\n[codes.a]\nkey = "a"\nlabel = "A"\ndefinition = "a"\n')
    write(tmp_path / "h.txt", "Eve: hello \x1b]52;c;ZXZpbA==\x07 and \x1b]0;pwned\x07 bye\nBob: ok\n")
    coding = start_coding(str(tmp_path), "--coder", "eve")
    coding.wait_for("bye")
    coding.press("q")
    coding.wait_exit()
    shown = coding.raw
    assert "\x1b]52;c;ZXZpbA" not in shown and "\x1b]0;pwned" not in shown
    assert "␛]52;c;ZXZpbA==␇" in shown


def test_coding_without_a_terminal_is_refused_not_hung(demo_study: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "purer_tui", "code", str(demo_study), "--coder", "eve"],
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and "needs a terminal" in result.stderr
    assert not lock_path(demo_study / f"{S01}.eve.jsonl").exists()


def test_code_reopens_where_the_coder_left_off(start_coding, demo_study: Path) -> None:  # type: ignore[no-untyped-def]
    coding = start_coding("--coder", "eve", cwd=demo_study)
    coding.wait_for("Turn 1/17")
    coding.press("]", "]")  # session 3
    coding.wait_for("grp1-s03.vtt 3/3")
    coding.press("e", "\r", "\r")  # turns 1 and 2 of session 3 reviewed, now on turn 3
    coding.wait_for("Turn 3/")
    coding.press("q")
    assert coding.wait_exit() == 0
    again = start_coding("--coder", "eve", cwd=demo_study)
    again.wait_for("grp1-s03.vtt 3/3")  # not the first unreviewed turn of session 1: where eve was
    again.wait_for("Turn 3/")
    again.press("q")
    assert again.wait_exit() == 0


def test_coding_as_the_login_name_says_so(start_coding, demo_study: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PURER_CODER", raising=False)
    coding = start_coding(cwd=demo_study)
    coding.wait_for("your login name")
    coding.wait_for("coded nothing here yet")
    coding.wait_for("ana, ben")
    coding.press("q")
    assert coding.wait_exit() == 0


def test_a_memo_being_written_when_the_terminal_hangs_up_is_kept_as_a_draft(start_coding, demo_study: Path) -> None:  # type: ignore[no-untyped-def]
    coding = start_coding(str(demo_study), "--coder", "eve")
    coding.wait_for("not reviewed yet")
    coding.press("m")
    coding.wait_for("Memo on turn 1")
    coding.press(*"typed as the line dropped")
    coding.wait_for("line dropped")
    coding.child.kill(signal.SIGHUP)
    coding.wait_exit()
    assert AnnotationFile.open(demo_study / f"{S01}.eve.jsonl").get(1) is None  # not saved as the memo yet...
    [draft] = (demo_study / ".purer").glob("memo-draft.eve.*.json")  # ...but kept
    assert "typed as the line dropped" in draft.read_text()
    again = start_coding(str(demo_study), "--coder", "eve")
    again.wait_for("draft:")  # the notice (wrapped in its toast)
    again.press("m")
    again.wait_for("line dropped")
    again.press("\x1b")  # escape: saved now
    again.wait_for("memo: typed as the line dropped")
    again.press("q")
    assert again.wait_exit() == 0
    record = AnnotationFile.open(demo_study / f"{S01}.eve.jsonl").get(1)
    assert record is not None and record.memo == "typed as the line dropped" and not record.reviewed
    assert not list((demo_study / ".purer").glob("memo-draft.*"))
