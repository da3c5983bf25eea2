"""Where a coder last was: saved beside the study, ignored by git, and never trusted."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from purer_tui.core.resume_position import ResumePositions
from purer_tui.core.session import CodingSession
from purer_tui.core.study import load_study
from tests.conftest import write


def test_a_position_is_saved_and_loaded(demo_study: Path) -> None:
    transcript = demo_study / "transcripts" / "grp1-s02.txt"
    ResumePositions(demo_study, "ana").save(transcript, 7)
    assert ResumePositions(demo_study, "ana").load() == (transcript, 7)
    assert ResumePositions(demo_study, "ben").load() is None  # each coder has their own
    assert json.loads((demo_study / ".purer" / "position.ana.json").read_text()) == {
        "transcript": "transcripts/grp1-s02.txt",
        "turn": 7,
    }


def test_the_state_folder_ignores_itself_in_git(demo_study: Path) -> None:
    subprocess.run(["git", "init", "-q", str(demo_study)], check=True)
    ResumePositions(demo_study, "ana").save(demo_study / "transcripts" / "grp1-s01.txt", 3)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=demo_study, capture_output=True, text=True
    ).stdout
    assert ".purer" not in status and "purer.toml" in status


def test_the_session_reopens_where_the_coder_was(demo_study: Path) -> None:
    study = load_study(demo_study)
    paths = study.transcript_paths()
    session = CodingSession(paths, study.load_codebook(), "ben")
    session.resume((paths[2], 4))
    assert (session.index, session.turn.number) == (2, 4)
    session.resume((paths[0], 99))  # a turn the transcript does not have: ben's first turn to review
    assert (session.index, session.turn.number) == (1, 9)
    session.resume((demo_study / "transcripts" / "gone.txt", 1))
    assert (session.index, session.turn.number) == (1, 9)


@pytest.mark.parametrize(
    "content",
    [
        b'{"transcript": "../../etc/passwd", "turn": 1}',
        b'{"transcript": "/etc/passwd", "turn": 1}',
        b'{"transcript": "transcripts/grp1-s01.txt", "turn": 0}',
        b'{"transcript": "transcripts/grp1-s01.txt", "turn": true}',
        b'{"transcript": "transcripts/grp1-s01.txt", "turn": "3"}',
        b"[1, 2]",
        b"not json",
        b'{"transcript": "transcripts/grp1-s01.txt", "turn": 3, "x": "' + b"y" * 5000 + b'"}',
    ],
)
def test_a_position_from_someone_else_is_never_trusted(demo_study: Path, content: bytes) -> None:
    write(demo_study / ".purer" / "position.ana.json", content)
    assert ResumePositions(demo_study, "ana").load() is None


def test_a_pipe_in_place_of_a_position_never_blocks(demo_study: Path) -> None:
    import threading

    (demo_study / ".purer").mkdir()
    os.mkfifo(demo_study / ".purer" / "position.ana.json")
    loaded: list[object] = []
    reader = threading.Thread(target=lambda: loaded.append(ResumePositions(demo_study, "ana").load()), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert loaded == [None]  # returned at once: nothing to trust


def test_the_state_folder_stays_ignored_whatever_a_teammate_committed(demo_study: Path) -> None:
    write(demo_study / ".purer" / ".gitignore", "")  # committed by someone: would let positions into git
    ResumePositions(demo_study, "ana").save(demo_study / "transcripts" / "grp1-s01.txt", 3)
    assert (demo_study / ".purer" / ".gitignore").read_text().endswith("\n*\n")


def test_links_are_never_followed(demo_study: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, demo_study / ".purer")
    positions = ResumePositions(demo_study, "ana")
    positions.save(demo_study / "transcripts" / "grp1-s01.txt", 3)
    assert list(outside.iterdir()) == []  # nothing written through the link
    (demo_study / ".purer").unlink()
    (demo_study / ".purer").mkdir()
    write(outside / "p.json", b'{"transcript": "transcripts/grp1-s01.txt", "turn": 3}')
    os.symlink(outside / "p.json", demo_study / ".purer" / "position.ana.json")
    assert positions.load() is None
    (outside / "p.json").chmod(0o4755)
    positions.save(demo_study / "transcripts" / "grp1-s01.txt", 4)  # replaces the link, never takes its target's mode
    saved = demo_study / ".purer" / "position.ana.json"
    assert (
        not saved.is_symlink()
        and not saved.stat().st_mode & 0o7000
        and (outside / "p.json").read_bytes().endswith(b'"turn": 3}')
    )
