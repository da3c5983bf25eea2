"""A codebook of thousands of groups, or of long labels nested deep, still builds its list, its headings
and its help once and quickly; bidirectional formatting in a label is shown, not obeyed."""

from __future__ import annotations

from pathlib import Path

from textual.content import Content

from purer_tui.core.codebook import Code, Codebook, CodebookInfo, CodeGroup
from purer_tui.reports.codebook_manual import manual_markdown
from purer_tui.tui import rendering
from purer_tui.tui.screens.help import help_content
from purer_tui.tui.widgets.codebook_panel import CodeList, codebook_rows, heading_content
from tests.core.test_codebook_scale import GROUPS, CountedTuple, many_groups


def test_thirty_thousand_groups_make_their_rows_in_one_pass() -> None:
    codebook = many_groups()
    CountedTuple.walks = 0
    rows = codebook_rows(codebook)
    assert CountedTuple.walks <= 2  # the groups once (and the codes at most once), not once per group
    assert len(rows) == GROUPS * 3 + GROUPS - 1  # heading and two codes per group, a blank line between
    assert [row.code.id for row in rows[1:3] if row.code] == ["c0", "k0"] and rows[2].depth == 1


def test_thirty_thousand_groups_make_their_manual() -> None:
    codebook = many_groups()
    manual = manual_markdown(codebook)
    assert manual.count("\n## G\n") == GROUPS and manual.count("\n### C (`c") == GROUPS


def test_help_puts_the_speakers_groups_first_among_thousands() -> None:
    groups = [CodeGroup(id=f"g{i}", label=f"G{i}", roles=["participant"] if i % 2 else []) for i in range(3000)]
    codes = [Code(id=f"c{i}", group=f"g{i}", label=f"C{i}", definition="d") for i in range(3000)]
    codebook = Codebook(Path("cb.toml"), CodebookInfo(name="x"), tuple(groups), tuple(codes))
    text = help_content(codebook, {}, None, role="therapist").plain
    first, rest = text.split("Codes not for therapist turns")
    assert first.count("\nG") == 1500 and rest.count("\nG") == 1500
    assert "\nG1\n" in rest and "\nG2\n" in first


def long_nested(label: str) -> Codebook:
    groups = [CodeGroup(id="g0", label=label + "0")] + [
        CodeGroup(id=f"g{i}", label=label + str(i), parent=f"g{i - 1}") for i in range(1, 16)
    ]
    return Codebook(
        Path("cb.toml"),
        CodebookInfo(name="x"),
        tuple(groups),
        (Code(id="c", group="g15", label=label, definition="d"),),
    )


def test_a_heading_of_long_labels_nested_deep_shows_as_a_short_one_does() -> None:
    codebook = long_nested("W" * 180_000)
    heading = next(row for row in codebook_rows(codebook) if row.code is None and row.group is not None)
    assert heading.group is not None and heading.group.id == "g15"
    shown = heading_content(heading.trail, 30, "bold")
    assert shown.plain == "… › " + "W" * 25 + "…"  # the last label, cut, after what stands for those above
    wide = heading_content(("Coping", "W" * 180_000), 60, "bold")
    assert wide.plain == "… › " + "W" * 55 + "…"


def test_bidirectional_formatting_in_labels_speakers_and_turns_is_shown_not_obeyed() -> None:
    spoof = "ok\u202etxt.exe\u202c \u2066x\u2069 \u200f\u200e\u061c"
    expected = "ok<U+202E>txt.exe<U+202C> <U+2066>x<U+2069> <U+200F><U+200E><U+061C>"
    assert rendering.literal(spoof).plain == expected
    assert rendering.speaker_name(spoof) == spoof and rendering.literal(rendering.speaker_name(spoof)).plain == expected
    codebook = Codebook(
        Path("cb.toml"),
        CodebookInfo(name="x"),
        (CodeGroup(id="g", label=spoof),),
        (Code(id="c", group="g", key="c", label=spoof, definition=spoof),),
    )
    codes = CodeList(codebook)
    lines = [codes.line_content(y, 200).plain for y in range(len(codes.rows))]
    assert lines == [expected, f" c  ■ {expected}"]
    assert all(character not in "\n".join(lines) for character in "\u202e\u202c\u2066\u2069\u200f\u200e\u061c")
    assert isinstance(heading_content((spoof, spoof), 200, ""), Content)
    assert heading_content((spoof, spoof), 200, "").plain == f"{expected} › {expected}"
