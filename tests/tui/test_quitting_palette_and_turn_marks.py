"""Small things that got in the coder's way: ctrl+c quits like q (and cancels a dialog first), the command
palette offers the adjudication commands only while adjudicating, and a turn whose text changed since it
was coded shows its own mark instead of a green check."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette

from purer_tui.services.coding_setup import PreparedSession, prepare_adjudication
from purer_tui.tui.app import CodingApp
from purer_tui.tui.screens.help import HelpScreen
from purer_tui.tui.screens.prompt import Prompt
from purer_tui.tui.screens.transcript_navigator import TranscriptNavigator
from tests.tui.conftest import MakeApp

SIZE = (80, 24)


async def test_ctrl_c_quits_like_q(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not any("to quit" in n.message for n in app._notifications)  # not Textual's "Press ctrl+q"
    assert app.return_code == 0 and not app.is_running


async def test_ctrl_c_in_a_prompt_cancels_it_and_a_second_quits(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"pain", "ctrl+c")
        assert not isinstance(app.screen, Prompt) and app.is_running
        assert prepared.session.search_term is None  # cancelled, not searched
        await pilot.press("colon", "ctrl+c")
        assert not isinstance(app.screen, Prompt) and app.is_running
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert not app.is_running


def palette_commands(app: CodingApp) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


async def test_the_palette_offers_adjudication_commands_only_while_adjudicating(
    make_app: MakeApp, demo_study: Path
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        commands = palette_commands(app)
        assert not [title for title in commands if title.startswith("Adjudicating")]
        assert "Mark reviewed, go to next" in commands
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
    prepared = prepare_adjudication([demo_study], ("ana", "ben"), "consensus")
    assert isinstance(prepared, PreparedSession)
    adjudicating = CodingApp.from_prepared(prepared)
    try:
        async with adjudicating.run_test(size=SIZE):
            assert len([t for t in palette_commands(adjudicating) if t.startswith("Adjudicating")]) == 4
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_a_turn_changed_since_it_was_coded_shows_its_own_mark(make_app: MakeApp, demo_study: Path) -> None:
    path = demo_study / "transcripts" / "grp1-s01.txt"
    path.write_text(path.read_text().replace("Welcome back, everyone.", "Welcome back, all of you."))
    app, _ = make_app(coder="ana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        heading = str(app.query_one("#heading").render())
        assert heading.startswith("≠ Turn 1/") and "changed since coded" in heading and "✓" not in heading
        await pilot.press("j")  # turn 2 is unchanged and reviewed by ana: the check as before
        heading = str(app.query_one("#heading").render())
        assert heading.startswith("✓ Turn 2/") and "changed" not in heading


@pytest.mark.parametrize("opening_key", ["question_mark", "ctrl+o"])  # help; the transcript navigator
async def test_ctrl_c_in_help_or_the_navigator_closes_it_and_a_second_quits(
    make_app: MakeApp, opening_key: str
) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(opening_key)
        dialog = app.screen
        assert isinstance(dialog, HelpScreen | TranscriptNavigator)
        await pilot.press("ctrl+c")
        assert app.screen is not dialog and len(app.screen_stack) == 1 and app.is_running
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert not app.is_running
