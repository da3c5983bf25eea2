"""`ctrl+s`: the turns across the study most like the current one, with this coder's codes; enter goes there."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from purer_tui.tui.screens.similar_turns import FINDING, SimilarTurnsScreen
from tests.conftest import cli, write
from tests.tui.conftest import MakeApp
from tests.tui.test_keys import settle


def rows(screen: SimilarTurnsScreen) -> list[dict[str, object]]:
    assert screen.result is not None
    return [
        {
            "transcript": found.name,
            "turn": found.turn,
            "speaker": found.speaker,
            "score": round(found.score, 4),
            "reviewed": found.codes is not None,
            "codes": list(found.codes or ()),
            "flagged": found.flagged,
        }
        for found in screen.result.found
    ]


async def test_the_rows_are_those_of_purer_tui_similar_for_the_same_turn(make_app: MakeApp, demo_study: Path) -> None:
    app, prepared = make_app(coder="ana")
    session = prepared.session
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"12", "enter")
        assert session.turn is not None and session.turn.number == 12
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SimilarTurnsScreen)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SimilarTurnsScreen)
        code, out, _ = cli("similar", str(session.current.path), "12", "--coder", "ana", "--json")
        assert code == 0
        expected = json.loads(out)
        for row in expected["similar"]:
            del row["text"]
        assert rows(screen) == expected["similar"] and len(expected["similar"]) == 10
        asked = str(screen.query_one("#similar-asked").render())
        assert asked.startswith("Turn 12 of transcripts/grp1-s01.txt")
        assert "best first" in screen.status
        await pilot.press("escape")
        assert not isinstance(app.screen, SimilarTurnsScreen)


async def test_the_current_turns_own_codes_are_at_the_top_and_each_row_shows_this_coders_codes(
    make_app: MakeApp,
) -> None:
    app, prepared = make_app(coder="ana")
    session = prepared.session
    async with app.run_test(size=(60, 18)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"12", "enter")
        record = session.record
        label = session.codebook.code(record.codes[0]).label if record and record.codes else None
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SimilarTurnsScreen)
        asked = str(screen.query_one("#similar-asked").render())
        assert (label or "not reviewed") in asked
        listed = screen.query_one("#similar-list")
        assert listed.size.height >= 6 and screen.query_one("#similar").outer_size.width <= 60  # two rows fit
        assert screen.query_one("#similar-asked").content_size.height == 3  # the coder's own codes are in view
        shown = "\n".join(str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count))
        for found in screen.result.found if screen.result else ():
            for code_id in found.codes or ():
                assert session.codebook.code(code_id).label in shown
        assert "not reviewed" in shown or all(found.codes is not None for found in screen.result.found)


async def test_enter_goes_to_the_turn_in_its_transcript(make_app: MakeApp) -> None:
    app, prepared = make_app(coder="ana")
    session = prepared.session
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"12", "enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SimilarTurnsScreen) and screen.result is not None
        elsewhere = next(
            rank for rank, found in enumerate(screen.result.found) if found.transcript != session.current.path
        )
        target = screen.result.found[elsewhere]
        await pilot.press(*["down"] * elsewhere, "enter")
        await settle(pilot)
        assert not isinstance(app.screen, SimilarTurnsScreen)
        assert session.current.path == target.transcript and session.turn is not None
        assert session.turn.number == target.turn


async def test_a_second_ctrl_s_while_finding_starts_no_second_build_and_the_index_is_kept(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = make_app(coder="ana")
    index = app._similar_index
    assert index is not None
    go_on = threading.Event()
    builds: list[int] = []
    real_index = index._words.index

    def held_index():  # type: ignore[no-untyped-def]
        builds.append(1)
        assert go_on.wait(10)
        return real_index()

    monkeypatch.setattr(index._words, "index", held_index)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        screen = app.screen
        assert isinstance(screen, SimilarTurnsScreen) and screen.status == FINDING
        await pilot.press("escape", "j", "ctrl+s")  # asked again, about the next turn, while still finding
        assert isinstance(app.screen, SimilarTurnsScreen) and app.screen.status == FINDING
        go_on.set()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SimilarTurnsScreen) and screen.result is not None
        assert screen.result.asked.turn == 2 and len(builds) == 1
        await pilot.press("escape", "ctrl+s")  # nothing changed: the index is reused
        await settle(pilot)
        assert isinstance(app.screen, SimilarTurnsScreen) and app.screen.result is not None
        assert len(builds) == 1


def one_transcript_study(folder: Path) -> Path:
    write(folder / "codebook.toml", '[codebook]\nname = "c"\n[codes.x]\nkey = "x"\nlabel = "Ex"\ndefinition = "d"\n')
    write(folder / "purer.toml", '[study]\nname = "one"\ncodebook = "codebook.toml"\ntranscripts = ["*.txt"]\n')
    write(
        folder / "s.txt",
        "A: The garden was full of roses this spring.\nB: Yes.\nA: Roses need sun and the garden gets it.\n"
        "B: [bold]Weather[/bold] \x1b]0;x\x07 roses again\n",
    )
    return folder


async def test_a_study_of_one_transcript_and_a_turn_with_no_words(make_app: MakeApp, tmp_path: Path) -> None:
    app, prepared = make_app(coder="cal", folder=one_transcript_study(tmp_path / "one"))
    session = prepared.session
    async with app.run_test(size=(60, 18)) as pilot:
        await settle(pilot)
        await pilot.press("x")  # turn 1 coded Ex
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SimilarTurnsScreen) and screen.result is not None
        assert [found.turn for found in screen.result.found] == [3, 4]
        assert "Ex" in str(screen.query_one("#similar-asked").render())  # the change just made, not yet compacted
        listed = screen.query_one("#similar-list")
        shown = "\n".join(str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count))
        assert "[bold]Weather[/bold] ␛]0;x␇ roses again" in shown and "\x1b" not in shown
        await pilot.press("escape", "j")
        assert session.turn is not None and session.turn.number == 2
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SimilarTurnsScreen) and screen.result is not None and not screen.result.found
        assert "This turn has no words to compare" in screen.status
        await pilot.press("escape")


async def test_rows_show_a_change_just_made_in_this_window(make_app: MakeApp, tmp_path: Path) -> None:
    app, _ = make_app(coder="cal", folder=one_transcript_study(tmp_path / "one"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "x", "k", "k")  # turn 3 coded Ex, then back to turn 1
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SimilarTurnsScreen) and screen.result is not None
        by_turn = {found.turn: found.codes for found in screen.result.found}
        assert by_turn == {3: ("x",), 4: None}
