"""auto_advance, the theme and personal keys, as the coder meets them in the app (Pilot, 80x24)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from purer_tui.services.coding_setup import PreparedSession, prepare_adjudication, prepare_session
from purer_tui.tui.app import CodingApp
from purer_tui.tui.screens.code_picker import CodePicker
from tests.conftest import write
from tests.tui.conftest import records
from tests.tui.test_keys import reads_held_back, settle

SIZE = (80, 24)


@pytest.fixture
def opened() -> Iterator[list[PreparedSession]]:
    sessions: list[PreparedSession] = []
    yield sessions
    for prepared in sessions:
        prepared.session.close()
        prepared.locks.release()


def advancing(
    study: Path, opened: list[PreparedSession], only: list[str] | None = None, **options: object
) -> tuple[CodingApp, PreparedSession]:
    options.setdefault("auto_advance", True)
    prepared = prepare_session([study], "cal", None, only or [], False, **options)  # type: ignore[arg-type]
    opened.append(prepared)
    return CodingApp.from_prepared(prepared), prepared


def user_file(text: str) -> Path:
    return write(Path(os.environ["XDG_CONFIG_HOME"]) / "purer-tui" / "config.toml", text)


async def test_an_exclusive_code_key_reviews_the_turn_and_goes_on(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    app, prepared = advancing(demo_study, opened)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "a")  # turn 3 (a participant): stage 2a, one of an exclusive group
        assert records(prepared) == {3: ("stage-2a",)} and prepared.session.turn.number == 4
        await pilot.press("k", "b")  # another code of the group replaces it: applied, so it goes on again
        assert records(prepared) == {3: ("stage-2b",)} and prepared.session.turn.number == 4


async def test_a_code_key_of_a_group_that_takes_several_stays(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    app, prepared = advancing(demo_study, opened)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "f")
        assert records(prepared) == {1: ("phenomenology", "reinforcement")} and prepared.session.turn.number == 1
        await pilot.press("enter")
        assert prepared.session.turn.number == 2


async def test_a_code_for_another_roles_turn_is_applied_but_does_not_go_on(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    app, prepared = advancing(demo_study, opened)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")  # turn 1 is the therapist's; stage 3 is for participants' turns
        # Applied as asked, with a notice; the coder stays to read it and can take it back.
        assert records(prepared) == {1: ("stage-3",)} and prepared.session.turn.number == 1
        assert any("is for participant turns" in n.message for n in app._notifications)


async def test_taking_an_exclusive_code_off_stays(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    app, prepared = advancing(demo_study, opened)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "a", "k", "a")
        # Gone on, as enter would have: the turn was decided, so it stays reviewed with no code.
        assert records(prepared) == {3: ()} and prepared.session.turn.number == 3


async def test_undo_after_going_on_comes_back_and_takes_the_code_off(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    app, prepared = advancing(demo_study, opened)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "a", "backspace")
        assert records(prepared) == {} and prepared.session.turn.number == 3


async def test_at_the_last_turn_it_stays_and_says_so(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    app, prepared = advancing(demo_study, opened, only=["participant"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("G", "4")  # turn 16, the last participant's turn
        assert records(prepared) == {16: ("stage-4",)} and prepared.session.turn.number == 16
        assert prepared.session.index == 0
        assert any("Last turn by participant of this transcript" in n.message for n in app._notifications)


async def test_with_only_it_goes_to_that_speakers_next_turn(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    app, prepared = advancing(demo_study, opened, only=["participant"])
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        assert session.turn.number == 3
        await pilot.press("3")
        assert records(prepared) == {3: ("stage-3",)} and session.turn.number == 5


async def test_codes_chosen_by_name_never_go_on(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    app, prepared = advancing(demo_study, opened)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "space")
        assert isinstance(app.screen, CodePicker)
        await pilot.press(*"metacog", "enter")
        await pilot.pause()
        assert records(prepared) == {3: ("stage-3",)} and prepared.session.turn.number == 3


async def test_off_by_default(make_app) -> None:  # type: ignore[no-untyped-def]
    app, prepared = make_app()
    assert app.auto_advance is False
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "a")
        assert records(prepared) == {3: ("stage-2a",)} and prepared.session.turn.number == 3


async def test_adjudicating_never_goes_on(demo_study: Path) -> None:
    user_file("auto_advance = true\n")
    prepared = prepare_adjudication([demo_study], ("ana", "ben"), "consensus")
    assert isinstance(prepared, PreparedSession) and prepared.auto_advance is False
    try:
        app = CodingApp.from_prepared(prepared)
        async with app.run_test(size=SIZE) as pilot:
            session = prepared.session
            where = (session.index, session.turn.number)
            await pilot.press("4")
            assert (session.index, session.turn.number) == where
    finally:
        prepared.session.close()
        prepared.locks.release()


async def test_keys_typed_in_one_burst_land_on_the_turns_they_were_meant_for(
    demo_study: Path, opened, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """`] f j a f` at once: the next transcript opens in a worker, then each key runs where the last left off
    (turn 1 is the therapist's, turn 2 a participant's, whose stage goes on to turn 3)."""
    from textual.events import Key

    app, prepared = advancing(demo_study, opened)
    session = prepared.session
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_on = reads_held_back(session, monkeypatch)
        for key, character in (("right_square_bracket", "]"), ("f", "f"), ("j", "j"), ("a", "a"), ("f", "f")):
            app.post_message(Key(key, character))
        await pilot.pause()
        go_on.set()
        await settle(pilot)
        await settle(pilot)
        assert records(prepared, 1) == {1: ("reinforcement",), 2: ("stage-2a",), 3: ("reinforcement",)}
        assert records(prepared, 0) == {} and (session.index, session.turn.number) == (1, 3)


async def test_the_settings_file_turns_it_on_and_chooses_theme_and_keys(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    user_file('auto_advance = true\ntheme = "nord"\n[keys]\n"turn.flag" = "x"\n')
    app, prepared = advancing(demo_study, opened, auto_advance=None)
    assert prepared.auto_advance is True and prepared.theme == "nord"
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "nord"
        await pilot.press("x")
        assert prepared.session.current.is_flagged(1)
        await pilot.press("j", "j", "a")
        assert prepared.session.turn.number == 4


async def test_the_command_line_wins_over_the_settings_file(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    user_file("auto_advance = true\n")
    app, prepared = advancing(demo_study, opened, auto_advance=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "a")
        assert prepared.session.turn.number == 3


async def test_an_unknown_theme_in_an_app_built_directly_is_a_warning(demo_study: Path, opened) -> None:  # type: ignore[no-untyped-def]
    app, prepared = advancing(demo_study, opened)
    app._chosen_theme = "no-such-theme"
    async with app.run_test(size=SIZE):
        assert app.theme == "textual-dark"
        assert any('No theme "no-such-theme"' in n.message for n in app._notifications)


def three_group_study(folder: Path, turns: int) -> Path:
    """A session of `turns` turns, therapist and participant by turns, and a codebook of one exclusive group
    (the participant's stage) and two non-exclusive ones (the therapist's moves, and themes)."""
    write(
        folder / "purer.toml",
        '[study]\nname = "keystrokes"\ncodebook = "codebook.toml"\ntranscripts = ["*.txt"]\n',
    )
    write(
        folder / "codebook.toml",
        '[codebook]\nname = "three groups"\n'
        '[groups.stage]\nlabel = "Stage"\nexclusive = true\n'
        '[groups.moves]\nlabel = "Moves"\n'
        '[groups.themes]\nlabel = "Themes"\n'
        '[codes.one]\ngroup = "stage"\nkey = "1"\nlabel = "One"\ndefinition = "One."\n'
        '[codes.two]\ngroup = "stage"\nkey = "2"\nlabel = "Two"\ndefinition = "Two."\n'
        '[codes.ask]\ngroup = "moves"\nkey = "p"\nlabel = "Ask"\ndefinition = "Ask."\n'
        '[codes.teach]\ngroup = "moves"\nkey = "e"\nlabel = "Teach"\ndefinition = "Teach."\n'
        '[codes.pain]\ngroup = "themes"\nkey = "x"\nlabel = "Pain"\ndefinition = "Pain."\n',
    )
    lines = [f"{'Therapist' if n % 2 == 0 else 'Participant 1'}: turn {n} says something." for n in range(1, turns + 1)]
    write(folder / "session.txt", "\n".join(lines) + "\n")
    return folder


async def test_with_auto_advance_a_session_takes_fewer_keys_than_turns_plus_codes(
    tmp_path: Path, opened: list[PreparedSession]
) -> None:
    """The issue's measure: 27 turns, one exclusive group and two non-exclusive ones."""
    turns = 27
    app, prepared = advancing(three_group_study(tmp_path / "study", turns), opened)
    keys: list[str] = []
    expected: dict[int, tuple[str, ...]] = {}
    for number in range(1, turns + 1):
        if number % 2:  # a participant's turn: one stage, and the key goes on
            code = "1" if number % 4 == 1 else "2"
            keys.append(code)
            expected[number] = ("one",) if code == "1" else ("two",)
        elif number % 6 == 0:  # a therapist's turn with a move and a theme, then enter
            keys += ["p", "x", "enter"]
            expected[number] = ("ask", "pain")
        else:  # a therapist's turn with one move, then enter
            keys += ["e", "enter"]
            expected[number] = ("teach",)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
    on_disk = records(prepared)
    assert {turn: set(codes) for turn, codes in on_disk.items()} == {
        turn: set(codes) for turn, codes in expected.items()
    }
    codes_applied = sum(len(codes) for codes in expected.values())
    assert len(keys) < turns + codes_applied, (len(keys), turns + codes_applied)
