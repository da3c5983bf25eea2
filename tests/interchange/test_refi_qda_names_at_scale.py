"""Thousands of codes of one label get distinct names in a REFI-QDA file without numbering each from 2 again."""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.codebook import Code, Codebook, CodebookInfo, CodeGroup
from purer_tui.interchange.refi_qda_export import _distinct, _exported_names


class CountedLabel(str):
    """A label that counts how many names are made from it."""

    names_made = 0

    def __format__(self, spec: str) -> str:
        type(self).names_made += 1
        return str.__format__(self, spec)


def test_a_label_repeated_thousands_of_times_is_numbered_in_one_pass() -> None:
    repeats = 3000
    label = CountedLabel("X")
    items: list[tuple[str, str, str]] = [(f"c{i}", label, "G") for i in range(repeats)]
    items.append(("other", CountedLabel("X (G, 5)"), ""))
    CountedLabel.names_made = 0
    names = _distinct(items)
    assert names["c0"] == "X" and names["c1"] == "X (G)" and names["c2"] == "X (G, 3)" and names["c3"] == "X (G, 4)"
    assert names["c4"] == "X (G, 6)"  # "X (G, 5)" is another code's label
    assert names["other"] == "X (G, 5)"
    assert len(set(names.values())) == len(items)
    assert CountedLabel.names_made <= 2 * repeats  # each name tried about once, not 1, 2, 3, ... times


def test_thousands_of_one_label_under_one_long_label_are_named_briefly() -> None:
    long = "L" * 100_000
    codes = [Code(id="top", group="g", label=long, definition="d")] + [
        Code(id=f"c{i}", group="g", parent="top", label="X", definition="d") for i in range(2000)
    ]
    codebook = Codebook(Path("cb.toml"), CodebookInfo(name="x"), (CodeGroup(id="g", label="G"),), tuple(codes))
    _, code_names = _exported_names(codebook)
    assert code_names["c0"] == "X" and code_names["c1"] == "X (" + "L" * 79 + "…)"
    assert max(len(name) for code_id, name in code_names.items() if code_id != "top") < 100
    assert len(set(code_names.values())) == len(codes)
