"""The codebook panel's cursor and definitions, and the layout from 60x18 to 200x60 (issue 15, items 1 and 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widget import Widget
from textual.widgets import Static

from purer_tui.tui.screens.help import HelpScreen
from purer_tui.tui.widgets.codebook_panel import CodebookPanel, CodeList
from purer_tui.tui.widgets.footer import CodingFooter
from purer_tui.tui.widgets.turn_pager import TurnPager
from tests.conftest import write
from tests.tui.conftest import MakeApp, records

LONG_LABEL = "A very long label that no codebook column at eighty columns can hold on one line"


def definition_text(app: App[None]) -> str:
    return str(app.query_one("#definition-text", Static).render())


def shown(widget: Widget) -> bool:
    """On screen: displayed, with a region of its own inside the terminal."""
    region = widget.region
    return widget.display and region.width > 0 and region.height > 0 and region.right <= widget.app.size.width


def list_lines(codes: CodeList) -> list[str]:
    """What the code list draws on screen, line by line."""
    return [codes.render_line(y).text for y in range(codes.size.height)]


def every_row(codes: CodeList) -> list[str]:
    """Every row of the list as drawn at its width (scrolled or not)."""
    width = codes.scrollable_content_region.width
    return [codes.line_content(y, width).plain for y in range(len(codes.rows))]


def long_label_study(folder: Path) -> Path:
    write(
        folder / "codebook.toml",
        '[codebook]\nname = "Long"\n[groups.g]\nlabel = "A group whose label is longer than the column"\n'
        'exclusive = true\n[codes.long]\ngroup = "g"\nkey = "x"\n'
        f'label = "{LONG_LABEL}"\ndefinition = "Long, defined."\n'
        '[codes.short]\ngroup = "g"\nkey = "y"\nlabel = "Short"\ndefinition = "Short, defined."\n'
        '[codes.other]\nkey = "z"\nlabel = "Another long label for the ungrouped codes too"\ndefinition = "d"\n',
    )
    write(folder / "purer.toml", '[study]\nname = "t"\ncodebook = "codebook.toml"\ntranscripts = ["*.txt"]\n')
    write(folder / "s.txt", "Therapist: hello\nParticipant 1: hi\n")
    return folder


async def test_tab_focuses_the_codebook_and_tab_again_gives_keys_back_to_the_turn(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        codes = app.query_one(CodeList)
        assert not codes.has_focus  # the turn has the keys when the app opens
        await pilot.press("tab")
        assert codes.has_focus
        await pilot.press("down")
        assert prepared.session.turn.number == 1  # the arrow moved the cursor, not the turn
        await pilot.press("tab")
        assert not codes.has_focus
        await pilot.press("down")
        assert prepared.session.turn.number == 2
        await pilot.press("tab", "escape")  # escape also gives the keys back
        assert not codes.has_focus


async def test_arrows_and_j_k_move_the_cursor_and_the_definition_follows(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        codes = app.query_one(CodeList)
        await pilot.press("tab")
        assert codes.highlighted.id == "phenomenology"
        await pilot.pause()
        assert "moment-by-moment" in definition_text(app)  # Phenomenology's definition
        await pilot.press("down", "j")
        assert codes.highlighted.id == "reframing"
        await pilot.pause()
        text = definition_text(app)
        assert "Reframing" in text and "offers a new way to see" in text
        assert "Include:" in text and "Exclude:" in text and "e.g." in text
        await pilot.press("k", "up", "up")
        assert codes.highlighted.id == "phenomenology"  # the cursor stops at the first code
        await pilot.press("end")
        assert codes.highlighted.id == "stage-4"
        await pilot.press("home")
        assert codes.highlighted.id == "phenomenology"


async def test_enter_toggles_the_highlighted_code_durably(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "down", "enter")
        assert records(prepared) == {1: ("utilization",)}
        assert prepared.session.turn.number == 1  # enter toggled the code; it did not mark and move on
        await pilot.press("down", "enter")
        assert records(prepared) == {1: ("utilization", "reframing")}
        await pilot.press("enter")
        assert records(prepared) == {1: ("utilization",)}


async def test_code_keys_still_work_with_the_codebook_focused(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "e")
        assert records(prepared) == {1: ("education",)}
        assert app.query_one(CodeList).has_focus


async def test_a_code_key_shows_that_codes_definition(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert app.query_one(CodeList).highlighted.id == "reframing"
        assert "offers a new way to see" in definition_text(app)
        await pilot.press("e")
        await pilot.pause()
        assert "gives information" in definition_text(app)


@pytest.mark.parametrize("size", [(120, 40), (200, 60)])
async def test_at_120_columns_and_wider_the_definition_is_there_without_a_key(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app, _ = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        definition = app.query_one("#definition")
        assert shown(definition)
        assert definition.region.width > app.query_one(CodeList).region.width // 2
        assert "moment-by-moment" in definition_text(app)
        pager = app.query_one(TurnPager).region
        assert not pager.overlaps(definition.region)


async def test_at_80x24_the_definition_opens_beside_the_turn_without_covering_it(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        definition = app.query_one("#definition")
        body = app.query_one("#body")
        assert not shown(definition)  # closed until asked for
        before = body.region
        await pilot.press("tab")
        await pilot.pause()
        assert shown(definition)
        assert "moment-by-moment" in definition_text(app)
        assert body.region == before  # the turn's text did not move or shrink
        assert not body.region.overlaps(definition.region)
        assert not app.query_one(TurnPager).region.overlaps(definition.region)
        await pilot.press("tab")
        await pilot.pause()
        assert not shown(definition)


async def test_at_80x24_a_line_says_how_to_open_the_definitions(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        hint = app.query_one("#codebook-hint", Static)
        assert shown(hint) and "tab" in str(hint.render()) and "definitions" in str(hint.render())


@pytest.mark.parametrize("size", [(60, 18), (80, 24)])
async def test_labels_are_one_line_each_and_applying_a_code_moves_no_row(
    make_app: MakeApp, tmp_path: Path, size: tuple[int, int]
) -> None:
    app, _ = make_app(folder=long_label_study(tmp_path / "long"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        codes = app.query_one(CodeList)
        width = codes.scrollable_content_region.width
        rows = every_row(codes)
        assert len(rows) == len(codes.rows) == 6  # heading, 2 codes, blank, heading, 1 code: nothing wrapped
        assert all(len(row) <= width for row in rows)
        assert rows[1].startswith(" x ") and rows[1].endswith("…")  # cut, never wrapped into the key column
        assert LONG_LABEL not in "".join(rows)
        assert all(line.rstrip() in [row.rstrip() for row in rows] for line in list_lines(codes))  # as drawn
        await pilot.press("x")
        await pilot.pause()
        after = every_row(codes)
        assert after[1].rstrip().endswith("✓") and "…" in after[1]  # the mark stays on the code's line
        assert [row for y, row in enumerate(after) if y != 1] == [row for y, row in enumerate(rows) if y != 1]
        await pilot.pause()
        assert "A very long label that no codebook column" in definition_text(app)  # whole, in the definition


async def test_at_60x18_every_codes_key_is_reachable_by_scrolling(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=(60, 18)) as pilot:
        await pilot.pause()
        codes = app.query_one(CodeList)
        seen: set[str] = set()
        await pilot.press("tab")
        for _ in range(len(app.session.codebook.codes)):
            await pilot.pause()
            seen |= {line.split()[0] for line in list_lines(codes) if line.startswith(" ") and "■" in line}
            await pilot.press("down")
        assert seen == {code.key for code in app.session.codebook.codes}
        assert app.query_one(TurnPager).region.width >= 30  # the turn keeps a readable width


async def test_at_60x18_a_code_applied_below_the_fold_is_scrolled_into_view(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=(60, 18)) as pilot:
        await pilot.press("j", "j", "4")  # turn 3, a participant's: the last stage
        await pilot.pause()
        codes = app.query_one(CodeList)
        assert any(line.startswith(" 4 ") and "✓" in line for line in list_lines(codes))


@pytest.mark.parametrize("width", [60, 80])
async def test_the_footer_keeps_help_and_quit_at_60_and_80_columns(make_app: MakeApp, width: int) -> None:
    app, _ = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        for focus in (False, True):  # the codebook's own keys join the footer while it has focus
            if focus:
                await pilot.press("tab")
            await pilot.pause()
            footer = app.query_one(CodingFooter)
            keys = {getattr(key, "action", None): key for key in footer.children}
            for action in ("help", "quit"):
                assert action in keys and keys[action].region.right <= width
                assert keys[action].region.width > 0


@pytest.mark.parametrize("size", [(120, 40), (200, 60)])
async def test_the_context_after_the_turn_follows_it_without_blank_rows(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app, _ = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("j", "j", "j")
        await pilot.pause()
        current = app.query_one("#current")
        after = app.query_one("#after", Static)
        assert after.region.y == current.region.bottom  # right below the turn
        lines = str(after.render()).splitlines()
        assert len(lines) == 13  # every turn left of this transcript (17), where there is room for them
        assert lines[0].split()[0] == "5"


@pytest.mark.parametrize(("size", "shown_before"), [((60, 18), 1), ((80, 24), 2), ((120, 40), 4), ((200, 60), 7)])
async def test_taller_terminals_show_more_context_before(
    make_app: MakeApp, size: tuple[int, int], shown_before: int
) -> None:
    app, _ = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("G")
        await pilot.pause()
        assert len(str(app.query_one("#before", Static).render()).splitlines()) == shown_before


async def test_context_turns_show_this_coders_codes(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("p", "r", "j", "enter", "k", "k")  # 1: two codes, 2: none, back to 1
        await pilot.pause()
        after = str(app.query_one("#after", Static).render()).splitlines()
        assert "no code" in after[0]  # turn 2, reviewed with no code
        await pilot.press("j", "j")
        await pilot.pause()
        before = str(app.query_one("#before", Static).render()).splitlines()
        assert "Phenomenology" in before[0] and "Reframing" in before[0]


async def test_help_begins_with_the_current_speakers_codes(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one(Static).render())
        assert text.startswith("Codes for staff turns")
        assert text.index("Phenomenology") < text.index("1 Attention dysregulation") < text.index("Next turn")
        assert text.index("definition:") < text.index("Keys")
        await pilot.press("escape", "j", "j")  # turn 3: a participant's
        assert prepared.session.turn.speaker == "Participant 1"
        await pilot.press("question_mark")
        text = str(app.screen.query_one(Static).render())
        assert text.startswith("Codes for participant turns")
        assert text.index("1 Attention dysregulation") < text.index("Phenomenology") < text.index("Next turn")


async def test_without_roles_help_lists_the_codebook_in_order_then_the_keys(make_app: MakeApp, tmp_path: Path) -> None:
    app, _ = make_app(folder=long_label_study(tmp_path / "long"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        text = str(app.screen.query_one(Static).render())
        assert text.startswith("Long") and text.index("Short") < text.index("Keys") < text.index("Next turn")


async def test_code_labels_in_the_list_are_literal(make_app: MakeApp, tmp_path: Path) -> None:
    folder = tmp_path / "h"
    write(
        folder / "codebook.toml",
        '[codebook]\nname = "h"\n[codes.odd]\nkey = "o"\n'
        'label = "[red]Odd[/red] \\u001b]0;x\\u0007"\ndefinition = "d"\n',
    )
    write(folder / "purer.toml", '[study]\nname = "h"\ncodebook = "codebook.toml"\ntranscripts = ["*.txt"]\n')
    write(folder / "s.txt", "A: hello\n")
    app, _ = make_app(folder=folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = "\n".join(list_lines(app.query_one(CodeList)))
        assert "[red]Odd[/red] ␛]0;x␇" in text and "\x1b" not in text


async def test_the_panel_is_one_list_widget_whatever_the_codebook(make_app: MakeApp) -> None:
    """Keys re-render the lines on screen; they never mount a widget per code."""
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(CodebookPanel)
        before = len(list(panel.query("*")))
        await pilot.press("p", "j", "tab", "down", "enter", "tab")
        await pilot.pause()
        assert len(list(panel.query("*"))) == before <= 6


async def test_tab_in_a_dialog_stays_the_dialogs(make_app: MakeApp) -> None:
    from purer_tui.tui.screens.prompt import Prompt

    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", "tab")
        assert isinstance(app.screen, Prompt)
        await pilot.press("escape")
        assert not app.query_one(CodeList).has_focus


async def test_the_palette_opens_the_codebook_cursor_too(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"Codebook cursor")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert app.query_one(CodeList).has_focus


async def test_a_study_keymap_moves_the_codebook_cursor_with_the_turn_keys(make_app: MakeApp, demo_study: Path) -> None:
    study = demo_study / "purer.toml"
    study.write_text(study.read_text() + '\n[keys]\n"turn.next" = "x,down"\n')
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "x")
        assert app.query_one(CodeList).highlighted.id == "utilization"


@pytest.mark.parametrize("width", [60, 80])
async def test_while_adjudicating_the_footer_still_keeps_help_and_quit(demo_study: Path, width: int) -> None:
    from purer_tui.services.coding_setup import PreparedSession, prepare_adjudication
    from purer_tui.tui.app import CodingApp

    prepared = prepare_adjudication([demo_study], ("ana", "ben"), "consensus")
    assert isinstance(prepared, PreparedSession)
    app = CodingApp.from_prepared(prepared)
    try:
        async with app.run_test(size=(width, 24)) as pilot:
            await pilot.pause()
            keys = {getattr(key, "action", None): key for key in app.query_one(CodingFooter).children}
            assert "adjudicate('first')" in keys
            for action in ("help", "quit"):
                assert 0 < keys[action].region.right <= width
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_a_terminal_resized_from_80_to_60_columns_narrows_the_codebook(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one(CodebookPanel).outer_size.width == 34
        await pilot.resize_terminal(60, 18)
        await pilot.pause()
        assert app.query_one(CodebookPanel).outer_size.width == 24  # the turn keeps 36 columns
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert app.query_one(CodebookPanel).has_class("-wide")


async def test_while_adjudicating_at_80_columns_every_key_in_the_footer_fits(demo_study: Path) -> None:
    from purer_tui.services.coding_setup import PreparedSession, prepare_adjudication
    from purer_tui.tui.app import CodingApp

    prepared = prepare_adjudication([demo_study], ("ana", "ben"), "consensus")
    assert isinstance(prepared, PreparedSession)
    app = CodingApp.from_prepared(prepared)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            footer = app.query_one(CodingFooter)
            keys = {getattr(key, "action", None): key for key in footer.children}
            for action in (
                "help",
                "quit",
                "review_and_next",
                "next_unreviewed",
                *(f"adjudicate('{side}')" for side in ("first", "second", "both", "neither")),
            ):
                assert (
                    action in keys and keys[action].region.right <= footer.region.right - 12
                )  # the palette's key after
            assert "pick_code" not in keys  # still a key (help lists it), not in the footer while adjudicating
    finally:
        prepared.session.close()
        prepared.locks.release()
