"""The code picker (`space`): it finds codes by label, id, group, definition and examples, ranks label
matches first, shows each code's key and group, and says when nothing matches."""

from __future__ import annotations

from textual.widgets import OptionList

from purer_tui.tui.app import CodingApp
from purer_tui.tui.screens.code_picker import CodePicker
from tests.tui.conftest import MakeApp, records

SIZE = (80, 24)


def shown(app: CodingApp) -> list[tuple[str | None, str]]:
    """The picker's options: each code id (None for a line that is not a code) and its text."""
    options = app.screen.query_one(OptionList)
    return [
        (option.id, str(option.prompt))
        for option in (options.get_option_at_index(index) for index in range(options.option_count))
    ]


async def test_a_word_of_a_definition_finds_the_code_and_shows_where(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", *"moment-by-moment")
        assert isinstance(app.screen, CodePicker)
        options = shown(app)
        assert [code for code, _ in options] == ["phenomenology"]
        assert "definition: " in options[0][1] and "moment-by-moment" in options[0][1]
        await pilot.press("enter")
        assert records(prepared) == {1: ("phenomenology",)}


async def test_examples_include_and_id_match_too(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", *"lower back")  # a word of an example only
        assert [code for code, _ in shown(app)] == ["phenomenology"]
        assert "example: " in shown(app)[0][1]
        await pilot.press(*["backspace"] * 10, *"texture")  # the include text
        assert [code for code, _ in shown(app)] == ["phenomenology"]
        await pilot.press(*["backspace"] * 7, *"stage-2")  # ids
        assert [code for code, _ in shown(app)] == ["stage-2a", "stage-2b"]


async def test_label_matches_come_before_definition_matches(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", *"pain")
        codes = [code for code, _ in shown(app)]
        assert codes[0] == "stage-4"  # "4 Pain reappraisal": in the label
        assert len(codes) > 1 and "stage-4" not in codes[1:]  # others mention pain in their definitions


async def test_each_code_shows_its_key_and_group(make_app: MakeApp) -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        options = dict(shown(app))
        assert options["phenomenology"].split()[:3] == ["p", "■", "Phenomenology"]
        assert "PURER moves (therapist)" in options["phenomenology"]
        assert options["stage-2a"].split()[:2] == ["a", "■"] and "Stage of progression" in options["stage-2a"]


async def test_nothing_matching_says_so_and_enter_does_nothing(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", *"zzqx")
        assert shown(app) == [(None, "no code matches zzqx")]
        await pilot.press("enter", "down", "enter")
        assert isinstance(app.screen, CodePicker) and records(prepared) == {}
        await pilot.press("escape")
        assert not isinstance(app.screen, CodePicker)


async def test_ctrl_c_closes_the_picker_without_quitting_or_coding(make_app: MakeApp) -> None:
    app, prepared = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", *"pheno", "ctrl+c")
        assert not isinstance(app.screen, CodePicker) and app.is_running
        assert records(prepared) == {}
