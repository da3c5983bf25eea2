"""A corpus of bad input for every kind of file the tool reads: a clear line, an exit status, nothing modified.

Each case writes one bad file into a copy of the demo study, runs the command a
user would (`check`, or `turns` for a single transcript), and checks the one-line
`path:line: message`, the exit status, that no traceback appears, and that no file
of the study changed. Large inputs are made by the test, not stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from purer_tui.cli import main
from tests.conftest import write

T = "transcripts"


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


# (name, how to make the bad file in the study, the file it concerns, expected exit, message pattern)
Case = tuple[str, Callable[[Path], None], str, int, str]

TRANSCRIPTS: list[Case] = [
    ("empty", lambda s: write(s / T / "x.txt", ""), "x.txt", 0, r"x\.txt: warning: has no turns"),
    ("only whitespace", lambda s: write(s / T / "x.txt", " \n\t\n\n"), "x.txt", 0, r"x\.txt: warning: has no turns"),
    (
        "binary",
        lambda s: write(s / T / "x.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        "x.txt",
        1,
        r"x\.txt:3: the file holds NUL bytes",
    ),
    (
        "NUL in text",
        lambda s: write(s / T / "x.txt", b"A: one\nB: t\x00wo\n"),
        "x.txt",
        1,
        r"x\.txt:2: the file holds NUL bytes",
    ),
    (
        "invalid UTF-8",
        lambda s: write(s / T / "x.txt", b"A: ok\nB: caf\xe9\n"),
        "x.txt",
        1,
        r"x\.txt:2: byte 0xe9 is not valid UTF-8",
    ),
    (
        "UTF-16",
        lambda s: write(s / T / "x.txt", "A: hi\n".encode("utf-16")),
        "x.txt",
        1,
        r"x\.txt:1: the file is UTF-16 text",
    ),
    ("a folder", lambda s: (s / T / "x.txt").mkdir(), "x.txt", 0, r"x\.txt: (warning: )?is a folder"),
    ("broken link", lambda s: (s / T / "x.txt").symlink_to(s / T / "gone.txt"), "x.txt", 1, r"x\.txt: no such file"),
]

ANNOTATIONS: list[Case] = [
    (
        "lone surrogate in a code",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":["\\ud800"],"turn":1}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: \"<U\+D800>\" is not a code id",
    ),
    (
        "lone surrogate in a memo",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":[],"memo":"a\\udc00b","turn":1}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: \"memo\" holds an escape like \\ud800 that is no character",
    ),
    (
        "truncated last line",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":[],"turn":1}\n{"codes":["educ'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:2: not valid JSON",
    ),
    (
        "wrong types",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":"education","turn":"1"}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: \"turn\" must be a whole number",
    ),
    (
        "duplicate turns",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":[],"turn":1}\n{"codes":[],"turn":1}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:2: turn 1 appears again",
    ),
    (
        "unknown code",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":["mystery"],"turn":1}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: turn 1: unknown code \"mystery\"",
    ),
    (
        "negative turn",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":[],"turn":-3}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: \"turn\" must be a whole number from 1",
    ),
    (
        "huge turn",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":[],"turn":99999999999999999999}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: \"turn\" must be a whole number from 1",
    ),
    (
        "turn past the end",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":[],"turn":18}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: turn 18 does not exist",
    ),
    (
        "JSON bomb",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", "[" * 200_000 + "]" * 200_000 + "\n"),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: ",
    ),
    (
        "not UTF-8",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", b'{"codes":[],"turn":1,"memo":"\xff"}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: not valid UTF-8",
    ),
    ("a folder", lambda s: (s / T / "grp1-s01.zed.jsonl").mkdir(), "grp1-s01.zed.jsonl", 1, r"zed\.jsonl: is a folder"),
    (
        "a list as a code",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":[["x"]],"turn":5}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: \"codes\" must be a list of code ids",
    ),
    (
        "codes on a turn not reviewed",
        lambda s: write(s / T / "grp1-s01.zed.jsonl", '{"codes":["education"],"reviewed":false,"turn":5}\n'),
        "grp1-s01.zed.jsonl",
        1,
        r"zed\.jsonl:1: \"reviewed\" is false but the turn has codes",
    ),
]

STUDY_FILES: list[Case] = [
    (
        "syntax",
        lambda s: write(s / "purer.toml", '[study]\nname = "x\n'),
        "purer.toml",
        1,
        r"purer\.toml:2: TOML syntax error",
    ),
    (
        "unknown field",
        lambda s: write(s / "purer.toml", (s / "purer.toml").read_text().replace("[study]", '[study]\nowner = "me"')),
        "purer.toml",
        1,
        r"purer\.toml:\d+: study\.owner: is not a known field",
    ),
    (
        "wrong type",
        lambda s: write(
            s / "purer.toml", (s / "purer.toml").read_text().replace('name = "MORE', 'name = 5\nx_name = "MORE')
        ),
        "purer.toml",
        1,
        r"purer\.toml:\d+: study\.",
    ),
    (
        "deep nesting",
        lambda s: write(s / "purer.toml", "x = " + "[" * 50_000 + "]" * 50_000 + "\n"),
        "purer.toml",
        1,
        r"purer\.toml: TOML nested too deeply|purer\.toml:1: ",
    ),
    (
        "not UTF-8",
        lambda s: write(s / "purer.toml", b'[study]\nname = "caf\xe9"\n'),
        "purer.toml",
        1,
        r"purer\.toml:2: not valid UTF-8",
    ),
]

CODEBOOKS: list[Case] = [
    (
        "syntax",
        lambda s: write(s / "codebooks" / "purer.toml", "[codebook\n"),
        "purer.toml",
        1,
        r"codebooks/purer\.toml:1: TOML syntax error",
    ),
    (
        "a key twice",
        lambda s: write(
            s / "codebooks" / "purer.toml",
            (s / "codebooks" / "purer.toml").read_text().replace('key = "u"', 'key = "p"'),
        ),
        "purer.toml",
        1,
        r"codebooks/purer\.toml:\d+: codes\.utilization\.key: \"p\" is already the key of codes\.phenomenology",
    ),
    (
        "nested bomb",
        lambda s: write(s / "codebooks" / "purer.toml", "a = " + "[" * 50_000 + "]" * 50_000 + "\n"),
        "purer.toml",
        1,
        r"codebooks/purer\.toml",
    ),
    (
        "empty",
        lambda s: write(s / "codebooks" / "purer.toml", ""),
        "purer.toml",
        1,
        r"codebooks/purer\.toml: codebook: is missing",
    ),
]


@pytest.mark.parametrize("case", TRANSCRIPTS + ANNOTATIONS + STUDY_FILES + CODEBOOKS, ids=lambda case: case[0])
def test_bad_input_gets_one_clear_line_and_changes_nothing(demo_study: Path, case: Case) -> None:
    _, make, _, status, pattern = case
    make(demo_study)
    before = fingerprint(demo_study)
    code, output = run("check", str(demo_study))
    assert code == status, output
    assert "Traceback" not in output
    assert re.search(pattern, output), output
    assert fingerprint(demo_study) == before


@pytest.mark.parametrize("case", TRANSCRIPTS, ids=lambda case: case[0])
def test_turns_on_a_bad_transcript(demo_study: Path, case: Case) -> None:
    _, make, name, status, pattern = case
    make(demo_study)
    code, output = run("turns", str(demo_study / T / name))
    assert "Traceback" not in output
    is_folder = (demo_study / T / name).is_dir()
    assert code == (0 if status == 0 and not is_folder else 1), output
    if status or is_folder:
        assert len(output.strip().splitlines()) == 1 and re.search(pattern.replace("warning: ", ""), output)


def test_a_ten_megabyte_line_and_a_hundred_thousand_tiny_turns_parse(tmp_path: Path) -> None:
    long = write(tmp_path / "long.txt", "Therapist: " + "word " * 2_100_000 + "\n")
    code, output = run("turns", str(long), "--json")
    assert code == 0 and len(json.loads(output)) == 1
    tiny = write(tmp_path / "tiny.txt", "".join(f"{'AB'[i % 2]}: {i}\n" for i in range(100_000)))
    code, output = run("turns", str(tiny), "--json")
    assert code == 0 and len(json.loads(output)) == 100_000


def test_an_unreadable_transcript_says_so(demo_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root every file is readable, so a refused read is simulated at the file system call."""
    import os

    target = demo_study / T / "grp1-s02.txt"
    real_open = os.open

    def refusing_open(path, flags, *args):  # type: ignore[no-untyped-def]
        if Path(path) == target:
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing_open)
    code, output = run("check", str(demo_study))
    assert code == 1 and "grp1-s02.txt: cannot be read: permission denied" in output


def test_turns_on_a_pipe_says_so_instead_of_waiting(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    pipe = tmp_path / "session.txt"
    os.mkfifo(pipe)
    result = subprocess.run(
        [sys.executable, "-m", "purer_tui", "turns", str(pipe)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1 and "is not a plain file (a pipe or a device?)" in result.stderr


def test_a_lone_surrogate_in_a_memo_stops_an_export_with_one_line_not_an_internal_error(demo_study: Path) -> None:
    import subprocess
    import sys

    write(demo_study / T / "grp1-s01.zed.jsonl", '{"codes":[],"memo":"a\\ud800","turn":1}\n')
    result = subprocess.run(
        [sys.executable, "-m", "purer_tui", "export", "csv", "-o", "out.csv"],
        cwd=demo_study,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr  # 70 (an internal error) before: the CSV could not be encoded
    assert "grp1-s01.zed.jsonl:1" in result.stderr and "internal error" not in result.stderr
    assert not (demo_study / "out.csv").exists()
