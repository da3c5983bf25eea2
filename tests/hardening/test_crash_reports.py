"""Bugs are reported briefly, with a report that holds no study data, in the user's private folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from purer_tui.cli import main
from purer_tui.services.crash_report import crash_folder

SECRET = "Participant 2 told us about her divorce"


def reports() -> list[Path]:
    return sorted(crash_folder().glob("crash-*.txt")) if crash_folder().exists() else []


def test_a_command_that_hits_a_bug_writes_a_private_report_without_data(
    demo_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import purer_tui.core.check as check_module

    def broken(start: Path, keep: object = None) -> list:
        raise ValueError(SECRET)

    monkeypatch.setattr(check_module, "check_study", broken)
    result = CliRunner().invoke(main, ["check", str(demo_study)])
    assert result.exit_code == 70
    assert "Traceback" not in result.stderr and SECRET not in result.stderr + result.stdout
    [report] = reports()
    assert str(report) in result.stderr
    text = report.read_text()
    assert "Traceback (most recent call last):" in text and "builtins.ValueError" in text and "broken" in text
    assert SECRET not in text
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert stat.S_IMODE(crash_folder().stat().st_mode) == 0o700
    assert str(crash_folder()).startswith(os.environ["HOME"])  # the tests' own home, never the study or /tmp


async def test_a_bug_in_the_app_shows_no_traceback_and_writes_a_report(demo_study: Path) -> None:
    from purer_tui.services.coding_setup import prepare_session
    from purer_tui.tui.app import CodingApp

    prepared = prepare_session([demo_study], "cal", None, [], False)
    app = CodingApp.from_prepared(prepared)

    def broken(delta: int) -> None:
        raise RuntimeError(SECRET)

    prepared.session.move = broken  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):  # Pilot hands the exception to the test; the coder sees a line
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.press("j")
                await pilot.pause()
    finally:
        prepared.session.close()
        prepared.locks.release()
    assert app.return_code == 70 and app.crash_report is not None
    assert SECRET not in app.crash_report.read_text()
    assert not app._exit_renderables  # Textual's traceback (with local variables) was not queued for the screen


def test_a_worker_failure_reports_where_the_worker_failed(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from textual.worker import WorkerFailed

    from purer_tui.services.crash_report import write_crash_report

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    said = "Participant 3 said something " + "private"

    def reading_in_a_worker() -> None:
        raise ValueError(said)

    try:
        reading_in_a_worker()
    except ValueError as error:
        failed = WorkerFailed(error)
    report = write_crash_report(failed)
    assert report is not None
    text = report.read_text()
    assert "reading_in_a_worker" in text and "builtins.ValueError" in text and "something private" not in text
