"""How codes change between codebook versions (pure: no git)."""

from __future__ import annotations

from purer_tui.core.codebook_changes import (
    ADDED,
    DEFINITION,
    DIFF_WORDS,
    KEY,
    LABEL,
    REMOVED,
    RENAMED,
    SPLIT,
    CodebookRevision,
    CodeEntry,
    code_entries,
    codebook_events,
    describe_event,
    events_of,
    last_definition_changes,
    word_diff,
)
from purer_tui.core.recheck_items import CodeText


def entry(
    definition: str, label: str = "L", key: str | None = None, exclude: str = "", split_into: tuple[str, ...] = ()
) -> CodeEntry:
    return CodeEntry(CodeText(label, definition, exclude=exclude), key, split_into)


def revision(commit: str, codes: dict[str, CodeEntry], *parents: dict[str, CodeEntry] | None) -> CodebookRevision:
    return CodebookRevision(commit, f"2026-01-{len(commit):02d}", f"subject {commit}", codes, tuple(parents))


def kinds(events) -> list[tuple[str, str]]:
    return [(event.kind, event.code) for event in events]


def test_lenient_reading_keeps_what_a_later_rule_would_refuse() -> None:
    data = {"codes": {"a": {"definition": "A", "examples": ["x", 3], "key": 7, "made_up": True}, "b": "not a table"}}
    codes = code_entries(data)
    assert list(codes) == ["a"]
    assert codes["a"].text == CodeText("a", "A", examples=("x",)) and codes["a"].key is None
    assert code_entries({"codes": []}) == {} and code_entries("text") == {}


def test_each_kind_of_change_is_told() -> None:
    first = {"a": entry("A"), "b": entry("B", key="b"), "c": entry("C"), "d": entry("D")}
    second = {
        "a": entry("A, sharper", exclude="not worry"),
        "b": entry("B", label="Bee", key="x"),
        "cee": entry("C"),  # renamed: same definition, new id
        "e": entry("E"),
        "d2": entry("D", split_into=("e", "f")),  # renamed (same definition) and split in one commit
    }
    events = codebook_events([revision("1", first), revision("22", second, first)])
    assert kinds(events)[:4] == [(ADDED, "a"), (ADDED, "b"), (ADDED, "c"), (ADDED, "d")]
    assert all(event.initial for event in events[:4])
    later = events[4:]
    assert kinds(later) == [
        (DEFINITION, "a"),
        (LABEL, "b"),
        (KEY, "b"),
        (RENAMED, "cee"),
        (ADDED, "e"),
        (RENAMED, "d2"),
        (SPLIT, "d2"),
    ]
    assert later[0].fields == ("definition", "exclude")
    assert describe_event(later[0]) == "definition, exclude changed"
    assert describe_event(later[2]) == "key b -> x"
    assert describe_event(later[3]) == 'renamed from "c"'
    assert describe_event(later[6]) == "split into e, f"


def test_removal_and_re_wrapping() -> None:
    first = {"a": entry("Talk of  pain."), "b": entry("B")}
    second = {"a": entry("Talk of\npain.")}
    events = codebook_events([revision("1", first), revision("22", second, first)])
    assert kinds(events[2:]) == [(REMOVED, "b")]  # re-wrapping a definition changes nothing


def test_the_last_definition_change_follows_renames_and_additions() -> None:
    v1 = {"a": entry("A"), "b": entry("B")}
    v2 = {"a": entry("A2"), "b": entry("B")}
    v3 = {"x": entry("A2"), "b": entry("B")}  # a renamed to x
    v4 = {"x": entry("A2"), "b": entry("B"), "n": entry("N")}
    revisions = [revision("1", v1), revision("22", v2, v1), revision("333", v3, v2), revision("4444", v4, v3)]
    changes = last_definition_changes(codebook_events(revisions))
    assert set(changes) == {"x", "n"}  # b never changed; codes of the first version are not changes
    assert changes["x"].commit == "22" and changes["x"].old == CodeText("L", "A")
    assert changes["x"].new.definition == "A2"
    assert changes["n"].commit == "4444" and changes["n"].old is None
    history = events_of(codebook_events(revisions), "x")
    assert [(event.kind, event.code) for event in history] == [(ADDED, "a"), (DEFINITION, "a"), (RENAMED, "x")]


def test_a_merge_commit_tells_only_what_differs_from_every_parent() -> None:
    base = {"a": entry("A"), "b": entry("B")}
    ours = {"a": entry("A ours"), "b": entry("B")}
    theirs = {"a": entry("A"), "b": entry("B theirs")}
    merged = {"a": entry("A ours"), "b": entry("B theirs"), "c": entry("C")}
    revisions = [revision("1", base), revision("22", ours, base), revision("333", theirs, base)]
    events = codebook_events([*revisions, revision("4", merged, ours, theirs)])
    assert [(event.kind, event.code, event.commit) for event in events if not event.initial] == [
        (DEFINITION, "a", "22"),
        (DEFINITION, "b", "333"),
        (ADDED, "c", "4"),
    ]


def test_word_diff_marks_removed_and_added_words_and_shows_controls() -> None:
    assert word_diff("Talk of  pain.", "Talk of bodily pain, not of worry.") == (
        "Talk of [-pain.-] {+bodily pain, not of worry.+}"
    )
    assert word_diff("", "New.") == "{+New.+}" and word_diff("", "") == "(none)"
    assert word_diff(("a b", "c"), ("a b", "d e")) == "a b | [-c-] {+d e+}"  # examples, one | between
    assert word_diff("x", "x \x1b]52;c;aGk=\x07 \u202e") == "x {+␛]52;c;aGk=␇ <U+202E>+}"
    long = " ".join(["word"] * (DIFF_WORDS + 5))
    assert word_diff(long, long).endswith(f"(only the first {DIFF_WORDS} words compared)")
