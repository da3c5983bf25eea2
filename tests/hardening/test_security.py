"""The claims of SECURITY.md, each shown to hold."""

from __future__ import annotations

import os
import socket
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from purer_tui.cli import main

NETWORK_EVENTS: list[tuple[str, tuple]] = []
_WATCHING = False


def _audit(event: str, args: tuple) -> None:
    if not _WATCHING:
        return
    if event == "socket.__new__" and args and args[1] in (socket.AF_INET, socket.AF_INET6):
        NETWORK_EVENTS.append((event, args))
    elif event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request"):
        NETWORK_EVENTS.append((event, args))


sys.addaudithook(_audit)  # cannot be removed; it only records while a test is watching


async def test_a_full_run_opens_no_network_socket(demo_study: Path, tmp_path: Path) -> None:
    global _WATCHING
    from purer_tui.services.coding_setup import prepare_session
    from purer_tui.tui.app import CodingApp

    runner = CliRunner()
    NETWORK_EVENTS.clear()
    _WATCHING = True
    try:
        for args in (
            ["check", str(demo_study)],
            ["turns", str(demo_study / "transcripts" / "grp1-s03.vtt")],
            ["stats", str(demo_study)],
            ["agree", str(demo_study)],
            ["disagreements", str(demo_study)],
            ["progress", str(demo_study), "--svg", str(tmp_path / "p.svg")],
            ["report", str(demo_study), "--html", str(tmp_path / "r.html"), "--boot", "100"],
            ["quotes", "stage-4", "--study", str(demo_study), "--markdown"],
            ["similar", str(demo_study / "transcripts" / "grp1-s01.txt"), "4", "--coder", "ana"],
            ["suggest", str(demo_study / "transcripts" / "grp1-s02.txt"), "--coder", "ana"],
            ["suggest", "--evaluate", "--coder", "ana", "--study", str(demo_study)],
            ["export", "qdpx", str(demo_study), "-o", str(tmp_path / "s.qdpx")],
            ["export", "csv", str(demo_study), "-o", str(tmp_path / "s.csv")],
            ["codebook", "import", str(tmp_path / "s.qdpx"), "-o", str(tmp_path / "c.toml")],
            ["demo", str(tmp_path / "fresh-demo"), "--no-open"],
            ["autocode", "phenomenology", "--coder", "auto", "--new-coder", "--text", "breath"]
            + ["--study", str(demo_study), "--yes"],
            ["autocode", "stage-1", "--coder", "ana", "--text", "pain", "--as-suggestions"]
            + ["--study", str(demo_study), "--yes"],
            ["agree", str(demo_study), "--without-suggested"],
        ):
            assert runner.invoke(main, args).exit_code == 0, args
        study_file = demo_study / "purer.toml"
        study_file.write_text(study_file.read_text().replace("[study]\n", "[study]\nsuggest = true\n", 1))
        prepared = prepare_session([demo_study], "ana", None, [], False)  # the model learns from ana's turns
        assert prepared.model_suggestions is not None
        app = CodingApp.from_prepared(prepared)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(
                "p", "j", "1", "m", *"memo", "escape", "slash", *"back", "enter", "question_mark", "escape"
            )
            await pilot.press("ctrl+s")
            for _ in range(200):  # the similarity index and the model are built by workers
                if not app.workers:
                    break
                await pilot.pause(0.02)
            await pilot.press("escape", "n", "ctrl+a")
        prepared.session.close()
        prepared.locks.release()
    finally:
        _WATCHING = False
    assert NETWORK_EVENTS == []


def test_files_are_created_with_the_users_umask(demo_study: Path) -> None:
    from purer_tui.core.annotation_records import AnnotationRecord
    from purer_tui.core.annotations import AnnotationFile
    from purer_tui.core.lock import CoderLocks

    old = os.umask(0o077)
    try:
        path = demo_study / "transcripts" / "grp1-s01.sec.jsonl"
        store = AnnotationFile.open(path, journaled=True)
        store.put(AnnotationRecord(1))
        journal = next(demo_study.glob("transcripts/.grp1-s01.sec.jsonl.journal"))
        locks = CoderLocks()
        locks.acquire(path)
        lock = locks.held[0]
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (journal, lock)}
        store.close()
        modes[path.name] = stat.S_IMODE(path.stat().st_mode)
        locks.release()
    finally:
        os.umask(old)
    assert set(modes.values()) == {0o600}, modes


@pytest.mark.parametrize("transcript_mode", [0o600, 0o640])
def test_files_beside_a_transcript_are_never_more_readable_than_it(demo_study: Path, transcript_mode: int) -> None:
    """Under a permissive umask the transcript's own permissions are the limit: memos must not become world-readable."""
    from purer_tui.core.annotation_records import AnnotationRecord
    from purer_tui.core.annotations import AnnotationFile
    from purer_tui.core.lock import CoderLocks

    (demo_study / "transcripts" / "grp1-s01.txt").chmod(transcript_mode)
    old = os.umask(0o022)
    try:
        path = demo_study / "transcripts" / "grp1-s01.sec.jsonl"
        locks = CoderLocks()
        locks.acquire(path)
        store = AnnotationFile.open(path, journaled=True)
        store.put(AnnotationRecord(1, (), "a memo about a patient", reviewed=False))
        journal = next(demo_study.glob("transcripts/.grp1-s01.sec.jsonl.journal"))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (journal, locks.held[0])}
        store.close()
        modes[path.name] = stat.S_IMODE(path.stat().st_mode)
        locks.release()
    finally:
        os.umask(old)
    assert set(modes.values()) == {transcript_mode & 0o644}, modes


def test_no_temporary_file_leaves_the_study(demo_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file purer-tui writes while coding, exporting and merging is inside the study (or the chosen output)."""
    import tempfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a temporary file outside the study")

    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, name, refuse)
    runner = CliRunner()
    for args in (
        ["export", "qdpx", str(demo_study), "-o", str(demo_study / "s.qdpx")],
        ["reanchor", str(demo_study), "--dry-run"],
        ["stats", str(demo_study)],
    ):
        assert runner.invoke(main, args).exit_code == 0, args
