"""`/` searches this transcript; `tab` in its prompt, the whole study (in a worker); `n`/`N` go hit to hit.

"pain" in the demo: grp1-s01 turns 12, 13, 16, 17; grp1-s02 turn 9; grp1-s03 turns 2 and 9.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from purer_tui.tui.screens.prompt import SearchPrompt
from tests.tui.conftest import MakeApp
from tests.tui.test_keys import reads_held_back, settle

SIZE = (80, 24)


def location(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.query_one("#location").render())


def notices(app) -> str:  # type: ignore[no-untyped-def]
    return " | ".join(notification.message for notification in app._notifications)


def place(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    return session.index, session.turn.number


async def test_slash_searches_this_transcript_and_says_which_hit(make_app: MakeApp) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        assert isinstance(app.screen, SearchPrompt)
        assert str(app.screen.query_one("#prompt-label").render()) == "/ this transcript (tab: whole study)"
        await pilot.press(*"PAIN", "enter")
        assert place(session) == (0, 12) and session.search_scope == "transcript"
        assert "hit 1 of 4 (turn 12)" in location(app)
        await pilot.press("n", "n", "n")
        assert place(session) == (0, 17) and "hit 4 of 4 (turn 17)" in location(app)
        await pilot.press("n")  # the last hit of this transcript: round to its first, and it says so
        assert place(session) == (0, 12) and "Wrapped to the first hit" in notices(app)
        await pilot.press("N")
        assert place(session) == (0, 17) and "Wrapped to the last hit" in notices(app)
        await pilot.press("k", "k")  # turn 15, off a hit: the bar counts the hits
        assert "/pain" not in location(app) and "/PAIN 4 hits" in location(app)


async def test_tab_in_the_prompt_searches_the_whole_study_and_n_crosses_transcripts(make_app: MakeApp) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "tab")
        assert str(app.screen.query_one("#prompt-label").render()) == "/ whole study (tab: this transcript)"
        await pilot.press(*"pain", "enter")
        assert "Searching 3 transcript(s)" in notices(app)
        await settle(pilot)
        assert session.search_scope == "study" and session.hit_count == 7
        assert place(session) == (0, 12) and "hit 1 of 7 (grp1-s01, turn 12)" in location(app)
        assert "7 hit(s) in 3 transcript(s)" in notices(app)
        await pilot.press("n", "n", "n", "n")
        await settle(pilot)
        assert place(session) == (1, 9) and "hit 5 of 7 (grp1-s02, turn 9)" in location(app)
        await pilot.press("n", "n")
        await settle(pilot)
        assert place(session) == (2, 9) and "hit 7 of 7 (grp1-s03, turn 9)" in location(app)
        await pilot.press("n")
        await settle(pilot)
        assert place(session) == (0, 12) and "Wrapped to the first hit" in notices(app)
        await pilot.press("N", "N")
        await settle(pilot)
        assert place(session) == (2, 2) and "hit 6 of 7 (grp1-s03, turn 2)" in location(app)
        await pilot.press("escape")  # ends the search
        assert session.search_term is None and "hit" not in location(app)


async def test_a_hit_in_a_transcript_not_read_yet_waits_for_the_worker_and_keeps_typed_keys(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "tab", *"pain", "enter")
        await settle(pilot)
        await pilot.press("G")  # turn 17, the last hit here
        go_on = reads_held_back(session, monkeypatch)
        await pilot.press("n", "e")  # typed ahead: a code for the hit in grp1-s02
        assert session.index == 0 and "Opening grp1-s02.txt" in notices(app)
        go_on.set()
        await settle(pilot)
        assert place(session) == (1, 9) and session.record is not None and session.record.codes == ("education",)


async def test_no_hit_says_so(make_app: MakeApp) -> None:
    app, prepared = make_app()
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"zebra", "enter")
        assert "Not found in this transcript" in notices(app) and "/zebra no hits" in location(app)
        await pilot.press("slash", "tab", *"zebra", "enter")
        await settle(pilot)
        assert "Not found in any transcript of the study" in notices(app) and "/zebra no hits" in location(app)
        app.clear_notifications()
        await pilot.press("n")
        assert "No hits for this search" in notices(app) and place(session) == (0, 1)


async def test_escape_in_the_prompt_searches_nothing(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", "tab", *"pain", "escape")
        await settle(pilot)
        assert prepared.session.search_term is None and len(app.screen_stack) == 1


async def test_the_coder_works_on_while_the_study_is_searched(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    import purer_tui.core.session as session_module

    app, prepared = make_app()
    session = prepared.session
    go_on = threading.Event()
    real = session_module.load_transcript

    def slow(path: Path):  # type: ignore[no-untyped-def]
        assert threading.current_thread() is not threading.main_thread()  # never read on the app's thread
        assert go_on.wait(10)
        return real(path)

    monkeypatch.setattr(session_module, "load_transcript", slow)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "tab", *"pain", "enter")
        assert session.searching and "searching the study" in location(app)
        await pilot.press("j", "e")  # the coder goes on
        assert place(session) == (0, 2) and session.record.codes == ("education",)
        go_on.set()
        await settle(pilot)
        assert session.hit_count == 7 and place(session) == (0, 2)  # not taken away from where they went on
        assert "n goes to the next" in notices(app)
        await pilot.press("n")
        assert place(session) == (0, 12)


async def test_escape_stops_a_study_search_under_way(make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    import purer_tui.core.session as session_module

    app, prepared = make_app()
    session = prepared.session
    go_on = threading.Event()
    read: list[Path] = []
    real = session_module.load_transcript

    def slow(path: Path):  # type: ignore[no-untyped-def]
        read.append(path)
        assert go_on.wait(10)
        return real(path)

    monkeypatch.setattr(session_module, "load_transcript", slow)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", "tab", *"pain", "enter")
        await pilot.press("escape")
        go_on.set()
        await settle(pilot)
        assert session.search_term is None and session.hit_count == 0 and len(read) <= 1  # stopped
        assert "hit" not in location(app)


async def test_a_hit_in_a_transcript_another_window_codes_is_passed_by(make_app: MakeApp, demo_study: Path) -> None:
    from purer_tui.services.coding_setup import prepare_session

    app, prepared = make_app()
    session = prepared.session
    other = prepare_session([demo_study / "transcripts" / "grp1-s02.txt"], "cal", None, [], False)  # a second window
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("slash", "tab", *"pain", "enter")
            await settle(pilot)
            await pilot.press("G", "n")
            await settle(pilot)
            assert place(session) == (2, 2) and "passed by" in notices(app)
            assert "hit 6 of 7 (grp1-s03, turn 2)" in location(app)
            assert app.is_running
    finally:
        other.session.close()
        other.locks.release()


async def test_only_the_turns_visited_are_hits(make_app: MakeApp) -> None:
    app, prepared = make_app(only=["therapist"])
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "tab", *"pain", "enter")
        await settle(pilot)
        assert session.hit_count == 4 and "hit 1 of 4 (grp1-s01, turn 12)" in location(app)
        for _ in range(4):
            assert session.turn.speaker == "Therapist"
            await pilot.press("n")
            await settle(pilot)


async def test_a_single_hit_says_it_is_the_only_one_rather_than_wrapping(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right_square_bracket")
        await settle(pilot)
        await pilot.press("slash", *"pain", "enter")  # grp1-s02 has one hit, turn 9
        assert place(prepared.session) == (1, 9) and "hit 1 of 1 (turn 9)" in location(app)
        await pilot.press("n")
        assert place(prepared.session) == (1, 9) and "This is the only hit" in notices(app)
        assert "Wrapped" not in notices(app)
