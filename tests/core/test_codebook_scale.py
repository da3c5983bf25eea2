"""A codebook from a teammate can be megabytes: what sits under a group or code is looked up, never
searched for, so a codebook costs time in its size, not in its size squared."""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.codebook import Code, Codebook, CodebookInfo, CodeGroup
from purer_tui.core.codebook_outline import (
    ELLIPSIS,
    PLACE_LABEL,
    cut_to_width,
    heading_trail,
    place_labels,
    shorten_trail,
)

GROUPS = 30_000


class CountedTuple(tuple):  # type: ignore[type-arg]
    """A tuple that counts how often it is walked through."""

    walks = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        type(self).walks += 1
        return super().__iter__()


def many_groups(groups: int = GROUPS) -> Codebook:
    """`groups` groups of one code each, every other one exclusive; each code has a child code."""
    # Built directly (the models validate only when read from a file): only the codebook's own work is measured here.
    group_list = [CodeGroup(id=f"g{i}", label="G", exclusive=i % 2 == 0) for i in range(groups)]
    codes: list[Code] = []
    for i in range(groups):
        codes += [
            Code(id=f"c{i}", group=f"g{i}", label="C", definition="d"),
            Code(id=f"k{i}", group=f"g{i}", parent=f"c{i}", label="K", definition="d"),
        ]
    return Codebook(Path("cb.toml"), CodebookInfo(name="x"), CountedTuple(group_list), CountedTuple(codes))


def test_what_sits_under_a_group_or_code_is_looked_up_not_searched_for() -> None:
    codebook = many_groups()
    CountedTuple.walks = 0
    for i in range(GROUPS):
        assert [code.id for code in codebook.codes_in(f"g{i}")] == [f"c{i}", f"k{i}"]
        assert [code.id for code in codebook.children(f"c{i}")] == [f"k{i}"]
        assert codebook.children(f"k{i}") == ()
        assert codebook.subgroups(f"g{i}") == ()
    assert len(codebook.subgroups("")) == GROUPS
    assert codebook.codes_in("nowhere") == ()
    assert CountedTuple.walks == 0  # neither the codes nor the groups were walked through


def test_exclusive_conflicts_costs_the_codes_given_not_the_codebook() -> None:
    codebook = many_groups()
    CountedTuple.walks = 0
    conflicts = codebook.exclusive_conflicts(["c4", "k2", "c2", "k4", "c1", "k1", "unknown", "c3"])
    assert [(group.id, members) for group, members in conflicts] == [("g2", ["k2", "c2"]), ("g4", ["c4", "k4"])]
    assert codebook.exclusive_conflicts(["c1", "k1"]) == []  # g1 is not exclusive
    assert codebook.exclusive_conflicts(["c0"]) == []
    assert CountedTuple.walks == 0


def test_a_long_label_is_measured_only_as_far_as_the_width() -> None:
    measured: list[int] = []

    def measure(text: str) -> int:
        measured.append(len(text))
        return len(text)

    label = "W" * 180_000
    assert cut_to_width("short", 10, measure) == "short"
    cut = cut_to_width(label, 10, measure)
    assert label.startswith(cut) and len(cut) > 10 and len(cut) <= 22  # still too wide: the caller's ellipsis
    assert sum(measured) <= 22

    measured.clear()
    trail = tuple(f"{depth}" + label for depth in range(16))
    assert shorten_trail(trail, 40, measure) == (ELLIPSIS, trail[-1])  # the last part whole, for the caller
    assert sum(measured) <= 16 * 2 * 41 + 10  # each part measured up to about the width, once


def test_characters_that_take_no_cells_are_looked_at_only_so_far() -> None:
    marks = "a" + "\u0301" * 100_000  # one letter, then combining accents

    def cells(text: str) -> int:
        return sum(0 if "\u0300" <= character <= "\u036f" else 1 for character in text)

    cut = cut_to_width(marks, 10, cells)
    assert cut.endswith(ELLIPSIS) and len(cut) < 200  # visibly cut, not measured to the end


def test_a_heading_names_the_places_above_it_briefly_and_itself_whole() -> None:
    long = "L" * 5_000
    groups = [CodeGroup(id="g0", label=long)] + [
        CodeGroup(id=f"g{i}", label=long + str(i), parent=f"g{i - 1}") for i in range(1, 16)
    ]
    codebook = Codebook(
        Path("cb.toml"),
        CodebookInfo(name="x"),
        tuple(groups),
        (Code(id="c", group="g15", label="C", definition="d"),),
    )
    trail = heading_trail(codebook, "g15")
    assert len(trail) == 16 and trail[-1] == long + "15"
    assert all(len(part) == PLACE_LABEL and part.endswith(ELLIPSIS) for part in trail[:-1])
    assert place_labels(["Coping", "x" * PLACE_LABEL]) == ("Coping", "x" * PLACE_LABEL)  # short ones unchanged
