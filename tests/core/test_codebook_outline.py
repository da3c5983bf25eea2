"""How a nested codebook's trails and indents are worked out: shortened from the left, indents capped."""

from __future__ import annotations

import pytest

from purer_tui.core.codebook import load_codebook
from purer_tui.core.codebook_outline import (
    LABEL_ROOM,
    code_ancestors,
    code_trail,
    group_trail,
    indent_cells,
    indent_step,
    shorten_trail,
)
from tests.conftest import REPO

NESTED = REPO / "tests" / "data" / "codebooks" / "nested.toml"


def test_trails_name_the_groups_and_codes_above_outermost_first() -> None:
    codebook = load_codebook(NESTED)
    assert group_trail(codebook, "cs-other") == (
        "Curriculum",
        "Interdisciplinary connections",
        "Computer science with another subject",
    )
    assert group_trail(codebook, "stage") == ("Stage",)
    deepest = codebook.code("petrarchan")
    assert [code.id for code in code_ancestors(codebook, deepest)] == [
        "arts",
        "writing",
        "poetry",
        "sonnets",
        "volta",
        "ninth",
    ]
    assert code_ancestors(codebook, codebook.code("arts")) == ()
    assert code_trail(codebook, codebook.code("writing")) == (*group_trail(codebook, "cs-other"), "Arts and humanities")
    assert code_trail(codebook, codebook.code("stage-1")) == ("Stage",)


def test_a_trail_that_fits_is_whole_and_a_one_part_trail_is_never_changed() -> None:
    assert shorten_trail(("Coping", "Breath"), 15) == ("Coping", "Breath")  # "Coping › Breath" is 15 wide
    assert shorten_trail(("A group label far wider than the line",), 5) == ("A group label far wider than the line",)
    assert shorten_trail((), 5) == ()


def test_a_trail_too_wide_loses_its_outer_parts_first() -> None:
    trail = ("Curriculum", "Interdisciplinary", "Coping", "Breath")
    assert shorten_trail(trail, 48) == trail
    assert shorten_trail(trail, 47) == ("…", "Interdisciplinary", "Coping", "Breath")  # 39 wide
    assert shorten_trail(trail, 38) == ("…", "Coping", "Breath")  # 19 wide
    assert shorten_trail(trail, 18) == ("…", "Breath")
    assert shorten_trail(trail, 14) == ("…", "Breath")  # "… › Breath" is 10 wide


def test_a_last_part_too_wide_keeps_the_ellipsis_while_it_has_room_then_stands_alone() -> None:
    trail = ("Curriculum", "Computer science with another subject")
    assert shorten_trail(trail, 4 + LABEL_ROOM) == ("…", trail[-1])  # the caller cuts the label
    assert shorten_trail(trail, 3 + LABEL_ROOM) == (trail[-1],)


def test_a_trail_is_measured_in_cells_when_asked() -> None:
    def cells(text: str) -> int:
        return sum(2 if "\u4e00" <= character <= "\u9fff" else 1 for character in text)

    trail = ("課程", "呼吸法")  # 4 and 6 cells: 13 with the separator, 8 counted in characters
    assert shorten_trail(trail, 10) == trail
    assert shorten_trail(trail, 10, cells) == ("…", "呼吸法")


@pytest.mark.parametrize(
    ("deepest", "room", "step"),
    [(0, 10, 2), (3, 23, 2), (6, 19, 1), (6, 20, 2), (6, 13, 1), (6, 1, 1)],
)
def test_the_step_is_two_cells_while_the_deepest_label_keeps_its_room(deepest: int, room: int, step: int) -> None:
    assert indent_step(deepest, room) == step


def test_indents_are_capped_so_a_label_keeps_its_room() -> None:
    assert [indent_cells(depth, 2, 25) for depth in range(7)] == [0, 2, 4, 6, 8, 10, 12]
    assert [indent_cells(depth, 1, 13) for depth in range(7)] == [0, 1, 2, 3, 4, 5, 5]  # 13 - 8 = 5 at most
    assert [indent_cells(depth, 1, 4) for depth in range(3)] == [0, 0, 0]  # no room to give: no indent
