"""A teammate's branch as an attacker would push it: every command, the merge driver and the app run against it.

Two repositories. The first is hostile but valid: escape sequences and
markup in file names, speakers and memos, formulas in memos, a conflict
merged twice over, links that lead out of the study. Commands must work and
print nothing that acts on a terminal. The second is broken on purpose:
links named like journals, locks, sidecars, annotation files and the state
folder, a pipe where a file should be, numbers no one can read, a consensus
file built to stall the parser. Commands must say what is wrong in a line
and stop. In both, nothing outside the study is read, written or shown, and
nothing hangs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, write

SECRET = "SECRET-FROM-ANOTHER-STUDY"
OSC_TITLE = "\x1b]0;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;ZWNobyBwd25lZAo=\x07"
C1_CSI = "\x9b2J"


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry below a folder, links as their targets: to show that nothing changed there."""
    seen: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            seen[key] = f"-> {os.readlink(path)}"
        elif path.is_file():
            seen[key] = path.read_bytes()
        else:
            seen[key] = "dir"
    return seen


def run(study: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "purer_tui", *args],
        cwd=study,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=60,  # a hang fails the test instead of stalling CI
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PURER_CODER": "eve"},
    )


def data_to_a_pipe(args: tuple[str, ...]) -> bool:
    """CSV into a pipe or a file is the data exactly as written (a script reads it); on a screen it is made safe."""
    return "--csv" in args or args[:2] == ("export", "csv")


def harmless(result: subprocess.CompletedProcess[str], args: tuple[str, ...]) -> None:
    shown = result.stdout + result.stderr
    assert result.returncode in (0, 1, 2), (args, result.returncode, shown[-400:])
    assert "Traceback" not in shown and "internal error" not in shown, (args, shown[-400:])
    for payload in ("\x1b]", "\x07", "\x9b"):
        assert payload not in (result.stderr if data_to_a_pipe(args) else shown), (args, payload, shown[-400:])
    assert SECRET not in shown, args


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "another-study"
    write(folder / "secret.txt", f"Therapist: {SECRET}\n")
    write(folder / "secret.jsonl", json.dumps({"codes": [], "memo": SECRET, "turn": 1}) + "\n")
    write(folder / "secret.toml", f'[codebook]\nname = "{SECRET}"\n[codes.x]\nlabel = "{SECRET}"\ndefinition = "x"\n')
    return folder


@pytest.fixture
def hostile(tmp_path: Path, outside: Path) -> Path:
    """Valid, but every name and text in it is an attempt on the terminal or the spreadsheet."""
    study = tmp_path / "hostile"
    shutil.copytree(REPO / "examples" / "demo", study)
    transcripts = study / "transcripts"
    odd = f"grp1-s0{OSC_TITLE}9"
    write(
        transcripts / f"{odd}.txt",
        f"Therapist: welcome {OSC_CLIPBOARD} [bold]back[/bold] [link=http://x.invalid]here[/link]\n"
        f'Participant 1{C1_CSI}: =HYPERLINK("http://x.invalid","click") and {OSC_TITLE}\n',
    )
    memo = f"{OSC_CLIPBOARD} [red]memo[/red] =1+1"
    write(transcripts / f"{odd}.ana.jsonl", json.dumps({"codes": ["phenomenology"], "memo": memo, "turn": 1}) + "\n")
    write(transcripts / f"{odd}.ben.jsonl", json.dumps({"codes": ["education"], "memo": "@SUM(1)", "turn": 1}) + "\n")
    # a conflict merged again before anyone settled it: three versions, one more than ours and theirs
    laptop = {"codes": ["stage-4"], "memo": f"laptop {OSC_TITLE}"}
    server = {"codes": ["stage-2b"], "memo": "server"}
    nested = {
        "codes": ["stage-4"],
        "memo": laptop["memo"],
        "turn": 3,
        "conflict": {"ours": laptop, "theirs": {"codes": ["stage-3"]}, "more": [server]},
    }
    ana = transcripts / "grp1-s02.ana.jsonl"
    lines = [line for line in ana.read_text().splitlines() if json.loads(line)["turn"] != 3]
    ana.write_text("\n".join(sorted([*lines, json.dumps(nested)], key=lambda line: json.loads(line)["turn"])) + "\n")
    (transcripts / "sneaky.txt").symlink_to(outside / "secret.txt")  # left out: it leads outside
    return study


@pytest.fixture
def broken(tmp_path: Path, outside: Path) -> Path:
    """Links and pipes where the study's own files belong, and files built to stall or crash a reader."""
    study = tmp_path / "broken"
    shutil.copytree(REPO / "examples" / "demo", study)
    transcripts = study / "transcripts"
    (transcripts / ".grp1-s01.ana.jsonl.journal").symlink_to(outside / "leak.jsonl")  # dangling: would be created
    (transcripts / ".grp1-s03.eve.lock").symlink_to(outside / "lock-leak")
    (transcripts / "grp1-s02.mal.jsonl").symlink_to(outside / "secret.jsonl")
    (transcripts / "grp1-s01.ben.unplaced.jsonl").symlink_to(outside / "secret.jsonl")
    os.mkfifo(transcripts / "grp1-s03.zed.jsonl")
    write(transcripts / "grp1-s03.num.jsonl", '{"codes":[],"turn":' + "9" * 5000 + "}\n")
    write(transcripts / "grp1-s01.deep.jsonl", "[" * 100_000 + "]" * 100_000 + "\n")
    (study / ".purer").symlink_to(outside)
    write(study / "consensus.toml", f'"{OSC_CLIPBOARD}\\nok: no errors" = 1\nx = """\n[' + " " * 20_000 + '\n"""\n')
    return study


COMMANDS = [
    ("check",),
    ("turns", "transcripts/grp1-s01.txt"),
    ("agree",),
    ("agree", "--json"),
    ("disagreements",),
    ("disagreements", "--one-sided"),
    ("stats",),
    ("stats", "--csv"),
    ("sequences",),
    ("quotes", "phenomenology", "--context", "1"),
    ("quotes", "phenomenology", "--markdown"),
    ("progress",),
    ("codebook", "show"),
    ("similar", "transcripts/grp1-s01.txt", "2", "--json"),
    ("similar", f"transcripts/grp1-s0{OSC_TITLE}9.txt", "1"),
    ("export", "csv"),
    ("export", "csv", "--spreadsheet"),
    ("git", "resolve", "--ours"),
    ("code", "--coder", "eve"),  # not a terminal: refused after every check, or refused by a check
    ("code", "--adjudicate", "ana,ben"),
    ("autocode", "phenomenology", "--coder", "ana", "--text", "the", "--dry-run"),
    ("autocode", "phenomenology", "--coder", "ana", "--pattern", "(?i)t.e"),  # not a terminal: refused, unwritten
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args))
def test_every_command_on_a_hostile_but_valid_study(hostile: Path, outside: Path, args: tuple[str, ...]) -> None:
    before = snapshot(outside)
    result = run(hostile, *args)
    harmless(result, args)
    assert snapshot(outside) == before


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args))
def test_every_command_on_a_broken_study_fails_in_a_line_and_touches_nothing(
    broken: Path, outside: Path, args: tuple[str, ...]
) -> None:
    before, study_before = snapshot(outside), snapshot(broken)
    result = run(broken, *args)
    harmless(result, args)
    assert snapshot(outside) == before, args  # nothing written through a link, no journal or lock outside
    changed = {
        key for key in set(study_before) | set(snapshot(broken)) if study_before.get(key) != snapshot(broken).get(key)
    }
    assert all(key.startswith("transcripts/grp1-s0") and key.endswith((".consensus.jsonl",)) for key in changed), (
        args,
        changed,
    )


def test_the_hostile_study_exports_and_reports_what_it_holds(hostile: Path) -> None:
    """Valid is valid: the hostile names and memos are data, kept (visibly) rather than dropped."""
    csv_out = run(hostile, "export", "csv", "--spreadsheet").stdout
    assert "'=1+1" not in csv_out and "'@SUM(1)" in csv_out  # a cell starting with @ is kept inert
    checked = run(hostile, "check")
    assert "merge conflict (ours: stage-4; theirs: stage-3; also: stage-2b)" in checked.stdout
    assert (
        "grp1-s0␛]0;pwned␇9.txt turn 1 [Therapist]" in run(hostile, "disagreements").stdout
    )  # the name, shown, never run


@pytest.mark.parametrize("args", [args for args in COMMANDS if data_to_a_pipe(args)], ids=lambda args: " ".join(args))
def test_csv_on_a_screen_is_made_safe(hostile: Path, args: tuple[str, ...]) -> None:
    import pexpect

    from tests.e2e.conftest import terminal_env

    output = pexpect.run(
        f"{sys.executable} -m purer_tui {' '.join(args)}",
        cwd=str(hostile),
        env=terminal_env(),
        timeout=60,
        encoding="utf-8",
    )
    assert "pwned" in output  # the hostile name is there, visibly
    for payload in (OSC_TITLE, OSC_CLIPBOARD, "\x9b"):
        assert payload not in output


def test_the_merge_driver_and_textconv_on_hostile_versions(tmp_path: Path) -> None:
    base = write(tmp_path / "base", '{"codes":["a"],"turn":1}\n')
    ours = write(tmp_path / "ours", json.dumps({"codes": ["b"], "memo": OSC_CLIPBOARD, "turn": 1}) + "\n")
    huge = write(tmp_path / "theirs", '{"codes":[],"turn":' + "9" * 5000 + "}\n")
    before = ours.read_bytes()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "purer_tui",
            "git",
            "merge-driver",
            str(base),
            str(ours),
            str(huge),
            f"t/{OSC_TITLE}.ana.jsonl",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    harmless(result, ("merge-driver",))
    assert (
        result.returncode == 1 and ours.read_bytes() == before
    )  # unreadable theirs: ours left as it was, said in a line
    for path in (ours, huge):
        shown = subprocess.run(
            [sys.executable, "-m", "purer_tui", "git", "textconv", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        harmless(shown, ("textconv",))
        assert shown.returncode == 0


def test_the_coding_app_on_the_hostile_study_shows_everything_literally(hostile: Path) -> None:
    import pexpect

    from tests.e2e.conftest import Coding, terminal_env

    child = pexpect.spawn(
        sys.executable,
        ["-m", "purer_tui", "code", "--coder", "eve"],
        cwd=str(hostile),
        env=terminal_env(),
        dimensions=(24, 80),
        encoding="utf-8",
        codec_errors="replace",
        timeout=30,
    )
    coding = Coding(child)
    try:
        coding.wait_for("HYPERLINK")  # its name sorts first: the app opens on the hostile transcript
        coding.wait_for("pwned")  # its name in the top bar, made visible
        coding.press("m")
        coding.wait_for("Memo on turn 1")
        coding.press(*"memo", "\x1b")
        coding.wait_for("memo: memo")
        coding.press("?")
        coding.wait_for("Codes for staff turns")  # help opens on the definitions for this turn's speaker
        coding.press("q", "q")  # close the help, then quit
        assert coding.wait_exit() == 0
    finally:
        if child.isalive():
            child.kill(9)
    for payload in (OSC_TITLE, OSC_CLIPBOARD, "\x9b"):
        assert payload not in coding.raw
