"""Editing a codebook's text in place: comments and layout kept, and every edit checked against the parsed data."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from purer_tui.core.annotation_records import AnnotationRecord, Conflict, TurnVersion
from purer_tui.core.code_mapping import CodeMapping
from purer_tui.core.codebook_edit import (
    AddCode,
    DeleteCode,
    MapSplitInto,
    RemoveField,
    RenameCode,
    Reparent,
    SetField,
    UnsafeEdit,
    checked_edit,
)

PATH = Path("codebook.toml")

CODEBOOK = '''\
# The team's codebook. Keep this comment.
[codebook]
name = "Test"

[groups.moves]  # therapist moves
label = "Moves"

# Noticing: the first move.
[codes."notice"]
group = "moves"
key = "n"   # n for notice
label = "Notice"
definition = """A long definition that mentions
[codes.fake] inside a multi-line string, which is no header."""
examples = [
  "one",
  ["not", "a header"],
]

[codes.detail]
group = "moves"
parent = 'notice'
label = "Detail"
definition = "A detail of noticing."

# Reframe: the second move.
[codes.reframe]
group = "moves"
key = "r"
label = "Reframe"
definition = "Reframing."
split_into = [
  "notice",  # first
  "detail",
]
'''


def test_rename_keeps_comments_layout_and_follows_parents_and_split_lists() -> None:
    edited = checked_edit(CODEBOOK, PATH, [RenameCode("notice", "observe")])
    assert "# The team's codebook. Keep this comment." in edited
    assert "# Noticing: the first move.\n[codes.observe]\n" in edited
    assert 'key = "n"   # n for notice' in edited
    assert "[codes.fake] inside a multi-line string" in edited  # not taken for a header
    assert 'parent = "observe"' in edited
    assert 'split_into = ["observe", "detail"]' in edited
    data = tomllib.loads(edited)
    assert list(data["codes"]) == ["observe", "detail", "reframe"]
    # Only the lines that had to change changed.
    changed = [pair for pair in zip(CODEBOOK.split("\n"), edited.split("\n"), strict=False) if pair[0] != pair[1]]
    assert changed[:2] == [('[codes."notice"]', "[codes.observe]"), ("parent = 'notice'", 'parent = "observe"')]


def test_delete_takes_the_comment_above_and_leaves_no_gap() -> None:
    edited = checked_edit(CODEBOOK, PATH, [Reparent("reframe", "notice"), DeleteCode("reframe")])
    assert "Reframe: the second move" not in edited
    assert "[codes.reframe]" not in edited
    assert edited.endswith('definition = "A detail of noticing."\n')


def test_add_and_set_and_remove_fields() -> None:
    edits = [
        AddCode("notice", "notice-body", {"group": "moves", "key": "n", "label": "notice-body", "definition": "x"}),
        RemoveField("notice", "key"),
        SetField("notice", "split_into", ["notice-body", "detail"]),
    ]
    edited = checked_edit(CODEBOOK, PATH, edits)
    data = tomllib.loads(edited)
    assert list(data["codes"]) == ["notice", "notice-body", "detail", "reframe"]
    assert "key" not in data["codes"]["notice"]
    assert data["codes"]["notice-body"]["key"] == "n"
    assert 'split_into = ["notice-body", "detail"]' in edited
    assert "# Noticing: the first move." in edited


def test_map_split_into_names_each_code_once() -> None:
    edited = checked_edit(CODEBOOK, PATH, [MapSplitInto("notice", "detail")])
    assert tomllib.loads(edited)["codes"]["reframe"]["split_into"] == ["detail"]


def test_a_layout_it_does_not_understand_is_refused_not_guessed() -> None:
    inline = '[codebook]\nname = "T"\n[codes]\nnotice = { label = "Notice", definition = "d" }\n'
    with pytest.raises(UnsafeEdit, match="make this change by hand"):
        checked_edit(inline, PATH, [RenameCode("notice", "observe")])
    escaped = '[codebook]\nname = "T"\n[codes.a]\nlabel = "A"\ndefinition = "d"\n[codes.b]\nparent = "\\u0061"\n'
    escaped += 'label = "B"\ndefinition = "d"\n'
    with pytest.raises(UnsafeEdit, match="could not edit codebook.toml safely"):
        checked_edit(escaped, PATH, [RenameCode("a", "c")])


def test_mapping_records_conflicts_and_rechecked() -> None:
    order = ["a", "b", "c"].index

    def in_order(codes: list[str]) -> list[str]:
        return sorted(codes, key=order)

    rename = CodeMapping({"a": "c"})
    record = AnnotationRecord(3, ("a", "b"), rechecked=(("a", "0123abcd"), ("b", "11111111")))
    assert rename.record(record, in_order) == AnnotationRecord(
        3, ("b", "c"), rechecked=(("b", "11111111"), ("c", "0123abcd"))
    )
    merge = CodeMapping({"a": "c", "b": "c"}, merge=True)
    conflict = Conflict(TurnVersion(("a",)), TurnVersion(("b", "c"), rechecked=(("c", "22222222"),)))
    mapped = merge.record(AnnotationRecord(4, ("a",), conflict=conflict), in_order)
    assert mapped.codes == ("c",)
    assert mapped.conflict == Conflict(TurnVersion(("c",)), TurnVersion(("c",), rechecked=(("c", "22222222"),)))
    untouched = AnnotationRecord(5, ("c",))
    assert merge.record(untouched, in_order) is untouched


def test_a_codebook_with_windows_line_endings_is_edited_and_keeps_them() -> None:
    text = (
        '[codebook]\r\nname = "W"\r\n\r\n# kept\r\n[codes.old]\r\nlabel = "Old"\r\ndefinition = """Two\r\nlines."""\r\n'
    )
    edited = checked_edit(text, Path("codebook.toml"), [RenameCode("old", "new")])
    assert edited == text.replace("[codes.old]", "[codes.new]")


def test_a_byte_order_mark_stays() -> None:
    text = '\ufeff[codebook]\nname = "W"\n\n[codes.old]\nlabel = "Old"\ndefinition = "x"\n'
    assert checked_edit(text, Path("codebook.toml"), [RenameCode("old", "new")]) == text.replace("old]", "new]")


def test_a_mapped_code_stays_suggested_only_when_every_code_mapped_into_it_was() -> None:
    order = ["a", "b", "c", "d"].index

    def in_order(codes: list[str]) -> list[str]:
        return sorted(codes, key=order)

    rename = CodeMapping({"a": "c"})
    assert rename.record(AnnotationRecord(1, ("a", "b"), suggested=("a",)), in_order).suggested == ("c",)
    merge = CodeMapping({"a": "c", "b": "c"}, merge=True)
    assert merge.record(AnnotationRecord(2, ("a", "b"), suggested=("a", "b")), in_order).suggested == ("c",)
    assert merge.record(AnnotationRecord(3, ("a", "b", "d"), suggested=("a", "d")), in_order).suggested == ("d",)
