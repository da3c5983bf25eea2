"""A few pictures of the app, compared with stored ones: the layout from 60x18 to 200x60."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.tui.conftest import MakeApp


async def settled(pilot: Pilot) -> None:
    """Wait for the study's progress to be counted, so the picture does not depend on timing.

    Opening notices (who you code as) are cleared: these pictures are of the layout; Pilot tests check the notices.
    """
    await pilot.pause()  # the app starts its workers once the first screen is drawn
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.pause()


def test_first_screen_80x24(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app, _ = make_app(coder="ben")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled)


def test_coded_turn_with_memo_and_other_coders_80x24(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app, _ = make_app(show_coders=True)

    async def code_a_turn(pilot: Pilot) -> None:
        await pilot.press("colon", "6", "enter", "r", "e", "m", *"Reframe, then teach.", "escape")
        await settled(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=code_a_turn)


def test_help_screen_80x24(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app, _ = make_app()
    assert snap_compare(app, press=["question_mark"], terminal_size=(80, 24), run_before=settled)


def test_wide_terminal_shows_more_context(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app, _ = make_app()

    async def middle(pilot: Pilot) -> None:
        await pilot.press("colon", "9", "enter", "slash", *"back", "enter")
        await settled(pilot)

    assert snap_compare(app, terminal_size=(140, 44), run_before=middle)


def test_small_terminal_60x18_with_the_codebook_focused(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app, _ = make_app()

    async def focused(pilot: Pilot) -> None:
        await pilot.press("j", "j", "4", "tab")
        await settled(pilot)

    assert snap_compare(app, terminal_size=(60, 18), run_before=focused)


def test_definitions_beside_the_codes_120x40(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app, _ = make_app()

    async def coded(pilot: Pilot) -> None:
        await pilot.press("p", "r", "j", "enter")
        await settled(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=coded)


def test_large_terminal_200x60(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app, _ = make_app()

    async def middle(pilot: Pilot) -> None:
        await pilot.press("e", "j", "j", "a")
        await settled(pilot)

    assert snap_compare(app, terminal_size=(200, 60), run_before=middle)
