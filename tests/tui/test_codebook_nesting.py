"""A nested codebook in the app (issue 16, item 3): headings say where a group sits, codes under codes
are indented within the line, keys and marks stay in their columns, at 60x18, 80x24 and wide."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Static

from purer_tui.core.codebook_outline import LABEL_ROOM
from purer_tui.tui.screens.code_picker import PLACE_WIDTH
from purer_tui.tui.screens.help import HelpScreen
from purer_tui.tui.widgets.codebook_panel import CodebookPanel, CodeList
from tests.conftest import REPO, write
from tests.tui.conftest import MakeApp, records

NESTED = REPO / "tests" / "data" / "codebooks" / "nested.toml"
#: The codes of the group "Computer science with another subject", seven levels deep, then a sibling.
CHAIN = ["arts", "writing", "poetry", "sonnets", "volta", "ninth", "petrarchan"]
CHAIN_LABELS = [
    "Arts and humanities",
    "Writing",
    "Poetry and verse forms",
    "Sonnets",
    "Volta placement",
    "In the ninth line",
    "Petrarchan sonnets with a volta in the ninth line",
]
SIZES = [(60, 18), (80, 24), (160, 48)]


def nested_study(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(NESTED, folder / "codebook.toml")
    write(folder / "purer.toml", '[study]\nname = "t"\ncodebook = "codebook.toml"\ntranscripts = ["*.txt"]\n')
    write(folder / "s.txt", "Therapist: hello\nParticipant 1: hi\n")
    return folder


def rows_of(codes: CodeList) -> tuple[int, dict[str, str], list[str]]:
    """The list's width, each code's row by id, and the headings, as drawn."""
    width = codes.scrollable_content_region.width
    by_code: dict[str, str] = {}
    headings: list[str] = []
    for y, row in enumerate(codes.rows):
        text = codes.line_content(y, width).plain
        if row.code is not None:
            by_code[row.code.id] = text
        elif row.group is not None:
            headings.append(text)
    return width, by_code, headings


def swatch_column(row: str) -> int:
    return row.index("■")


@pytest.mark.parametrize("size", SIZES)
async def test_nested_group_headings_say_where_they_sit_shortened_from_the_left(
    make_app: MakeApp, tmp_path: Path, size: tuple[int, int]
) -> None:
    app, _ = make_app(folder=nested_study(tmp_path / "n"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        codes = app.query_one(CodeList)
        width, _, headings = rows_of(codes)
        assert len(headings) == 3  # "Curriculum" has no codes of its own: no heading, its place is in the others'
        interdisciplinary, cs_other, stage = headings
        assert all(cell_len(heading) <= width for heading in headings)
        assert stage == "Stage  one of"  # a top-level group reads as before
        # Its outer groups are named while they fit, and "… › " stands for them when they do not.
        if cell_len("Curriculum › Interdisciplinary connections") <= width:
            assert interdisciplinary == "Curriculum › Interdisciplinary connections"
        else:
            assert interdisciplinary.startswith("… › Interdisciplin")
        assert cs_other.startswith("… › Computer scien")  # too long for any of these columns with its parents
        # Nested groups follow their parent's codes directly; a blank line only between top-level groups.
        kinds = ["blank" if row.group is None else "heading" if row.code is None else "code" for row in codes.rows]
        assert kinds == ["heading", "code", "heading", *["code"] * 8, "blank", "heading", "code"]


@pytest.mark.parametrize("size", SIZES)
async def test_codes_under_codes_are_indented_and_the_deepest_label_stays_readable(
    make_app: MakeApp, tmp_path: Path, size: tuple[int, int]
) -> None:
    app, _ = make_app(folder=nested_study(tmp_path / "n"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        codes = app.query_one(CodeList)
        width, by_code, _ = rows_of(codes)
        assert all(cell_len(row) <= width for row in by_code.values())
        # The key column never moves: every code's key (or "·") is in the same three cells.
        keys = [by_code[code][:3] for code in CHAIN]
        assert keys == [" a ", " w ", " · ", " · ", " · ", " · ", " x "]
        columns = [swatch_column(by_code[code]) for code in CHAIN]
        assert columns == sorted(columns) and columns[1] > columns[0]  # deeper, further in (never back out)
        assert swatch_column(by_code["music"]) == columns[0] == swatch_column(by_code["stage-1"])  # siblings align
        deepest = by_code["petrarchan"]
        label = deepest[swatch_column(deepest) + 2 :]
        assert len(label) >= LABEL_ROOM and label.startswith("Petrarc")  # readable however deep
        if size[0] >= 80:
            assert len(set(columns)) == len(columns)  # room for every level its own column


@pytest.mark.parametrize("size", SIZES)
async def test_a_deep_codes_key_marks_it_on_its_own_line(
    make_app: MakeApp, tmp_path: Path, size: tuple[int, int]
) -> None:
    app, prepared = make_app(folder=nested_study(tmp_path / "n"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        codes = app.query_one(CodeList)
        _, before, _ = rows_of(codes)
        await pilot.press("x")
        await pilot.pause()
        width, after, _ = rows_of(codes)
        assert records(prepared) == {1: ("petrarchan",)}
        assert after["petrarchan"].rstrip().endswith("✓") and cell_len(after["petrarchan"]) <= width
        assert swatch_column(after["petrarchan"]) == swatch_column(before["petrarchan"])  # nothing shifted
        assert {code: row for code, row in after.items() if code != "petrarchan"} == {
            code: row for code, row in before.items() if code != "petrarchan"
        }
        assert codes.highlighted is not None and codes.highlighted.id == "petrarchan"
        assert any("✓" in line.text for line in (codes.render_line(y) for y in range(codes.size.height)))  # on screen


async def test_the_definition_names_the_groups_and_codes_a_code_sits_under(make_app: MakeApp, tmp_path: Path) -> None:
    app, _ = make_app(folder=nested_study(tmp_path / "n"))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        text = str(app.query_one("#definition-text", Static).render())
        lines = text.splitlines()
        assert lines[0].endswith("Petrarchan sonnets with a volta in the ninth line")
        assert "Curriculum › Interdisciplinary connections › Computer science with another subject" in lines[1]
        assert lines[2] == (
            "under Arts and humanities › Writing › Poetry and verse forms › Sonnets › Volta placement › "
            "In the ninth line"
        )
        await pilot.press("1")
        await pilot.pause()
        text = str(app.query_one("#definition-text", Static).render())
        assert "under" not in text and "›" not in text  # a top-level code's definition reads as before


async def test_the_cursor_walks_the_tree_in_order_and_one_widget_holds_it(make_app: MakeApp, tmp_path: Path) -> None:
    app, _ = make_app(folder=nested_study(tmp_path / "n"))
    async with app.run_test(size=(60, 18)) as pilot:
        panel = app.query_one(CodebookPanel)
        widgets = len(list(panel.query("*")))
        await pilot.press("tab")
        seen = []
        for _ in range(len(app.session.codebook.codes)):
            codes = app.query_one(CodeList)
            assert codes.highlighted is not None
            seen.append(codes.highlighted.id)
            await pilot.press("down")
        assert seen == [code.id for code in app.session.codebook.codes]
        assert seen[1:9] == [*CHAIN, "music"]
        assert len(list(panel.query("*"))) == widgets <= 6  # a deep tree mounts no widget per code or level


@pytest.mark.parametrize("size", [(60, 18), (80, 24)])
async def test_help_heads_nested_groups_with_their_place_and_indents_codes_under_codes(
    make_app: MakeApp, tmp_path: Path, size: tuple[int, int]
) -> None:
    app, _ = make_app(folder=nested_study(tmp_path / "n"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        lines = str(app.screen.query_one(Static).render()).splitlines()
        assert "Curriculum › Interdisciplinary connections" in lines
        assert "Curriculum › Interdisciplinary connections › Computer science with another subject" in lines
        assert "Stage  (one per turn at most)" in lines  # a top-level group reads as before
        code_lines = {line.split("■")[1].split(maxsplit=1)[1]: line for line in lines if "■" in line}
        indents = [code_lines[label].index("■") for label in CHAIN_LABELS]
        assert indents == [2, 4, 6, 8, 10, 12, 14]  # two cells a level
        assert code_lines["Music"].index("■") == code_lines["One"].index("■") == 2
        deepest = lines.index(code_lines[CHAIN_LABELS[-1]])
        assert lines[deepest + 1] == " " * 18 + "definition: The deepest code."  # under its code


async def test_the_picker_shows_a_codes_place_briefly_and_finds_codes_by_their_parents(
    make_app: MakeApp, tmp_path: Path
) -> None:
    from textual.widgets import OptionList

    app, prepared = make_app(folder=nested_study(tmp_path / "n"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space")
        options = app.screen.query_one(OptionList)
        prompts = {
            option.id: str(option.prompt)
            for option in (options.get_option_at_index(index) for index in range(options.option_count))
        }
        assert prompts["stage-1"].rstrip().endswith("One  Stage")  # a top-level code: its group, as before
        assert prompts["general"].rstrip().endswith("General connections  … › Interdisciplinary connections")
        place = prompts["petrarchan"].split("ninth line  ", 1)[1]
        assert place == "… › In the ninth line"
        assert cell_len(place) <= PLACE_WIDTH
        await pilot.press(*"sonnets")  # the label of a parent: its own code first, then the codes under it
        shown = [options.get_option_at_index(index).id for index in range(options.option_count)]
        assert shown == ["sonnets", "petrarchan", "volta", "ninth"]
        await pilot.press(*["backspace"] * 7, *"interdisciplinary")  # a group above
        shown = [options.get_option_at_index(index).id for index in range(options.option_count)]
        assert set(shown) == {"general", *CHAIN, "music"}
        await pilot.press("escape")
        assert records(prepared) == {}


async def test_a_groups_colour_tints_its_heading_and_labels_in_a_trail_stay_literal(
    make_app: MakeApp, tmp_path: Path
) -> None:
    folder = nested_study(tmp_path / "n")
    codebook = folder / "codebook.toml"
    codebook.write_text(codebook.read_text().replace('label = "Curriculum"', 'label = "[b]\\u001b"'))
    app, _ = make_app(folder=folder)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        codes = app.query_one(CodeList)
        width = codes.scrollable_content_region.width
        heading = next(
            codes.line_content(y, width)
            for y, row in enumerate(codes.rows)
            if row.trail[-1:] == ("Interdisciplinary connections",)
        )
        assert heading.plain == "[b]␛ › Interdisciplinary connections"
        assert any("#5f87af" in str(span.style) for span in heading.spans)  # the group's colour
        stage = next(codes.line_content(y, width) for y, row in enumerate(codes.rows) if row.trail == ("Stage",))
        assert not any("#" in str(span.style) for span in stage.spans)  # no colour: as before
        assert "\x1b" not in "".join(line.text for line in (codes.render_line(y) for y in range(codes.size.height)))


async def test_a_deep_code_is_shown_with_its_groups_heading_when_it_fits(make_app: MakeApp, tmp_path: Path) -> None:
    """At 60x18, coming from far below, the list scrolls to a deep code with its heading and the codes it
    sits under in view, not the code alone at the top."""
    folder = nested_study(tmp_path / "n")
    later = "".join(f'\n[codes.later-{n}]\ngroup = "later"\nlabel = "Later {n}"\ndefinition = "d"\n' for n in range(30))
    with (folder / "codebook.toml").open("a", encoding="utf-8") as codebook:
        codebook.write('\n[groups.later]\nlabel = "Later"\n' + later)
    app, _ = make_app(folder=folder)
    async with app.run_test(size=(60, 18)) as pilot:
        await pilot.pause()
        await pilot.press("tab", "G", "escape")  # the cursor to the last code: the list scrolls to the end
        await pilot.pause()
        codes = app.query_one(CodeList)
        assert codes.scroll_offset.y > 0
        await pilot.press("x")
        await pilot.pause()
        y = next(y for y, row in enumerate(codes.rows) if row.code is not None and row.code.id == "petrarchan")
        heading = max(i for i in range(y) if codes.rows[i].code is None and codes.rows[i].group is not None)
        height = codes.scrollable_content_region.height
        assert y - heading + 1 <= height  # it can fit: the test means something
        top = int(codes.scroll_offset.y)
        assert top <= heading and y < top + height
