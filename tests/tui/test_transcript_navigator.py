"""`ctrl+o`, the transcript navigator: every transcript with this coder's progress, filtered by typing, opened
at the coder's place."""

from __future__ import annotations

from pathlib import Path

import pytest

from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotation_records import AnnotationRecord, Conflict, TurnVersion
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.transcript import load_transcript
from purer_tui.services.coding_setup import prepare_session
from purer_tui.tui.screens.transcript_navigator import TranscriptNavigator
from purer_tui.tui.widgets.transcript_list import TranscriptList
from tests.tui.conftest import MakeApp

SIZE = (80, 24)


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def rows(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The navigator's rows as drawn (after the filter)."""
    from purer_tui.tui.widgets.transcript_list import row_content

    return [row_content(row).plain for row in app.screen.shown]


def status(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#navigator-status").render())


def ben_needs_attention_in_session_3(study: Path) -> None:
    """ben: one record in a merge conflict and one coded on text the turn no longer has, in session 3."""
    path = study / "transcripts" / "grp1-s03.vtt"
    transcript = load_transcript(path)
    store = AnnotationFile.open(annotation_path(path, "ben"))
    store.put(AnnotationRecord(1, ("education",), anchor="0" * 10))
    version = TurnVersion(("education",), "", transcript.turn(2).anchor)
    store.put(AnnotationRecord(2, ("education",), anchor=transcript.turn(2).anchor, conflict=Conflict(version, None)))


async def test_ctrl_o_lists_every_transcript_with_the_coder_s_counts(make_app: MakeApp, demo_study: Path) -> None:
    ben_needs_attention_in_session_3(demo_study)
    app, prepared = make_app(coder="ben")  # ben coded session 1 and turns 1-8 of session 2
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, TranscriptNavigator)
        s01, s02, s03 = (row.split() for row in rows(app))
        assert s01 == ["17/17", "0", "0", "0", "grp1-s01.txt"]
        assert s02[:5] == ["8/12", "0", "0", "0", "grp1-s02.txt"] and "here)" in s02  # from the session
        assert s03[1:5] == ["0", "1", "1", "grp1-s03.vtt"]  # a conflict, and a turn changed since coded
        assert "3 transcripts" in status(app)
        listed = app.screen.query_one(TranscriptList)
        drawn = [listed.render_line(y).text for y in range(4)]
        assert "grp1-s01.txt" in drawn[0] and "(open here)" in drawn[1] and drawn[3].strip() == ""


async def test_typing_filters_and_escape_closes(make_app: MakeApp) -> None:
    app, prepared = make_app(coder="ben")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o", "S", "0", "3")
        assert [row.split()[-1] for row in rows(app)] == ["grp1-s03.vtt"]  # ignoring case
        assert "1 of 3 transcripts" in status(app)
        await pilot.press("x")
        assert rows(app) == [] and "no transcript's name contains that" in status(app)
        await pilot.press("enter")  # nothing to open: stays
        assert isinstance(app.screen, TranscriptNavigator)
        await pilot.press("escape")
        assert not isinstance(app.screen, TranscriptNavigator)
        assert (prepared.session.index, prepared.session.turn.number) == (1, 9)  # nothing moved
        await pilot.press("j")  # the keys are the app's again
        assert prepared.session.turn.number == 10


async def test_enter_opens_the_chosen_transcript_at_the_coder_s_place(make_app: MakeApp) -> None:
    app, prepared = make_app(coder="ben")
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o", "down", "enter")  # the list opens on this transcript; down: session 3
        await settle(pilot)
        assert not isinstance(app.screen, TranscriptNavigator)
        assert (session.index, session.turn.number) == (2, 1)  # its first turn to review
        await pilot.press("j", "j", "ctrl+o", "s", "0", "1", "enter")
        await settle(pilot)
        assert (session.index, session.turn.number) == (0, 1)  # every turn reviewed: the first
        await pilot.press("ctrl+o", "up", "pageup", "pagedown", "enter")
        await settle(pilot)
        assert (session.index, session.turn.number) == (2, 3)  # where ben was in it
        await pilot.press("ctrl+o", "s", "0", "2", "enter")
        await settle(pilot)
        assert (session.index, session.turn.number) == (1, 9)  # left at its first turn to review


async def test_a_transcript_open_in_another_window_is_refused_with_a_notice(
    make_app: MakeApp, demo_study: Path
) -> None:
    app, prepared = make_app(coder="ben")
    other = prepare_session([demo_study / "transcripts" / "grp1-s03.vtt"], "ben", None, [], False)  # a 2nd window
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+o", "s", "0", "3", "enter")
            await settle(pilot)
            assert app.is_running and (prepared.session.index, prepared.session.turn.number) == (1, 9)
            assert any(n.title == "Open in another window" for n in app._notifications)
    finally:
        other.session.close()
        other.locks.release()


async def test_the_navigator_says_what_is_still_being_counted_and_fills_in(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from purer_tui.tui.app import CodingApp

    counting = CodingApp.count_study_progress
    monkeypatch.setattr(CodingApp, "count_study_progress", lambda self: None)  # the first count is not done yet
    app, prepared = make_app(coder="ben")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        shown = rows(app)
        assert "counting…" in shown[0] and "counting…" not in shown[1]  # the open one: from the session
        assert "counting the study… (1 of 3 counted)" in status(app)
        await pilot.press("down")
        counting(app)
        await settle(pilot)
        assert rows(app)[0].split()[0] == "17/17" and "counting" not in status(app)  # filled in, in place
        await pilot.press("enter")
        await settle(pilot)
        assert prepared.session.index == 2  # the highlight stayed where the coder had put it


async def test_names_are_shown_literally(make_app: MakeApp, demo_study: Path) -> None:
    source = demo_study / "transcripts" / "grp1-s01.txt"
    (demo_study / "transcripts" / "s9\x1b]0;pwned\x07[b]x[i].txt").write_text(source.read_text())
    app, prepared = make_app(coder="ben")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o", "s", "9")
        (row,) = rows(app)
        assert "\x1b" not in row and "\x07" not in row and row.endswith("s9␛]0;pwned␇[b]x[i].txt")


async def test_with_only_the_counts_are_over_the_turns_visited(make_app: MakeApp) -> None:
    app, prepared = make_app(coder="ben", only=["Participant 1"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        totals = [int(row.split()[0].split("/")[1]) for row in rows(app)]
        assert totals == [prepared.session.progress_of(index).total for index in range(3)]
        assert totals[0] < 17 and "counts over the turns this session visits" in status(app)
