"""How each code of a codebook changed from one committed version to the next (pure; git is read elsewhere).

Versions are read leniently, as raw tables: a validation rule added later
must never hide the history of a codebook written before it. Between a
version and its parent's, a code can be added, have its definition changed
(definition, include, exclude or examples), its label or key changed, be
renamed (an id gone and an id new in the same commit with the same
definition fingerprint: its history continues under the new id), be removed
(or merged into another code) or be split (`split_into` appeared).

Only definition changes make earlier coding stale, and a code that arrives in
a later commit counts as defined then: turns carried into it from other
codes by a rename with a new definition or a merge were coded under another
definition (see `purer_tui.services.recheck`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from purer_tui.core.recheck_items import CodeText, DefinitionChange
from purer_tui.core.safe_text import visible_controls

#: The fields a coder applies a code by: a change to any of them changes its fingerprint.
DEFINITION_FIELDS = ("definition", "include", "exclude", "examples")

ADDED = "added"
DEFINITION = "definition"
LABEL = "label"
KEY = "key"
RENAMED = "renamed"
REMOVED = "removed"
SPLIT = "split"


@dataclass(frozen=True)
class CodeEntry:
    """One code as one version of the codebook wrote it, read leniently."""

    text: CodeText
    key: str | None = None
    split_into: tuple[str, ...] = ()


CodeEntries = Mapping[str, CodeEntry]


@dataclass(frozen=True)
class CodebookRevision:
    """The codebook at one commit that changed it, and at each of the commit's parents (None: no codebook)."""

    commit: str
    date: str  # YYYY-MM-DD
    subject: str
    codes: CodeEntries
    parents: tuple[CodeEntries | None, ...] = ()


@dataclass(frozen=True)
class CodeEvent:
    """One change to one code in one commit."""

    kind: str  # ADDED, DEFINITION, LABEL, KEY, RENAMED, REMOVED or SPLIT
    code: str  # the code's id after the commit (the id that went, for REMOVED)
    commit: str
    date: str
    subject: str
    old: CodeText | None = None
    new: CodeText | None = None
    old_id: str = ""  # RENAMED: the id it had before
    fields: tuple[str, ...] = ()  # DEFINITION: which of DEFINITION_FIELDS changed
    detail: str = ""  # KEY: "a -> b"; SPLIT: the codes it was split into
    initial: bool = False  # ADDED in the codebook's first committed version


def code_entries(data: object) -> dict[str, CodeEntry]:
    """The `[codes.<id>]` tables of a parsed codebook, leniently: a field of the wrong type reads as empty."""
    tables = data.get("codes") if isinstance(data, dict) else None
    entries: dict[str, CodeEntry] = {}
    if not isinstance(tables, dict):
        return entries
    for code_id, table in tables.items():
        if not isinstance(code_id, str) or not isinstance(table, dict):
            continue
        examples = table.get("examples")
        split_into = table.get("split_into")
        label = table.get("label")
        key = table.get("key")
        entries[code_id] = CodeEntry(
            CodeText(
                label=label if isinstance(label, str) and label else code_id,
                definition=_text(table.get("definition")),
                include=_text(table.get("include")),
                exclude=_text(table.get("exclude")),
                examples=tuple(item for item in examples if isinstance(item, str))
                if isinstance(examples, list)
                else (),
            ),
            key=key if isinstance(key, str) else None,
            split_into=tuple(item for item in split_into if isinstance(item, str))
            if isinstance(split_into, list)
            else (),
        )
    return entries


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def changed_fields(old: CodeText, new: CodeText) -> tuple[str, ...]:
    """Which of the definition fields differ (spacing ignored, as the fingerprint ignores it)."""

    def spaced(value: str | tuple[str, ...]) -> object:
        if isinstance(value, tuple):
            return tuple(" ".join(item.split()) for item in value)
        return " ".join(value.split())

    return tuple(name for name in DEFINITION_FIELDS if spaced(getattr(old, name)) != spaced(getattr(new, name)))


def compare_versions(old: CodeEntries | None, new: CodeEntries, revision: CodebookRevision) -> list[CodeEvent]:
    """What changed from `old` (None: no codebook yet) to `new`, in codebook order of `new`, removals last."""
    base = CodeEvent(ADDED, "", revision.commit, revision.date, revision.subject)
    if old is None:
        return [replace(base, kind=ADDED, code=code, new=entry.text, initial=True) for code, entry in new.items()]
    gone = [code for code in old if code not in new]
    renamed_from: dict[str, str] = {}
    for code, entry in new.items():
        if code in old:
            continue
        match = next(
            (g for g in gone if g not in renamed_from.values() and old[g].text.fingerprint == entry.text.fingerprint),
            None,
        )
        if match is not None:
            renamed_from[code] = match
    events: list[CodeEvent] = []
    for code, entry in new.items():
        before_id = renamed_from.get(code, code)
        before = old.get(before_id)
        if before is None:
            events.append(replace(base, kind=ADDED, code=code, new=entry.text))
            continue
        if before_id != code:
            events.append(replace(base, kind=RENAMED, code=code, old=before.text, new=entry.text, old_id=before_id))
        fields = changed_fields(before.text, entry.text)
        if fields:
            events.append(replace(base, kind=DEFINITION, code=code, old=before.text, new=entry.text, fields=fields))
        if before.text.label != entry.text.label:
            events.append(replace(base, kind=LABEL, code=code, old=before.text, new=entry.text))
        if before.key != entry.key:
            events.append(replace(base, kind=KEY, code=code, detail=f"{before.key or 'none'} -> {entry.key or 'none'}"))
        if entry.split_into and entry.split_into != before.split_into:
            events.append(replace(base, kind=SPLIT, code=code, detail=", ".join(entry.split_into)))
    renamed = set(renamed_from.values())
    events.extend(replace(base, kind=REMOVED, code=code, old=old[code].text) for code in gone if code not in renamed)
    return events


def revision_events(revision: CodebookRevision) -> list[CodeEvent]:
    """A commit's own changes: for a merge, only what differs from every parent (the rest came from a branch,
    and is told at the commit that made it there)."""
    parents = revision.parents or (None,)
    per_parent = [compare_versions(parent, revision.codes, revision) for parent in parents]
    if len(per_parent) == 1:
        return per_parent[0]
    shared = set.intersection(*({(e.kind, e.code, e.old_id) for e in events} for events in per_parent))
    return [event for event in per_parent[0] if (event.kind, event.code, event.old_id) in shared]


def codebook_events(revisions: Iterable[CodebookRevision]) -> list[CodeEvent]:
    """Every change of every code, oldest first (`revisions` oldest first)."""
    return [event for revision in revisions for event in revision_events(revision)]


def last_definition_changes(events: Iterable[CodeEvent]) -> dict[str, DefinitionChange]:
    """Each code's last definition change (its id as of the newest event), followed across renames.

    A code added after the codebook's first version counts as defined when it was added; codes of the first
    version have no change until their definition changes."""
    last: dict[str, DefinitionChange] = {}
    for event in events:
        if event.kind == ADDED:
            last.pop(event.code, None)
            if not event.initial and event.new is not None:
                last[event.code] = _change(event)
        elif event.kind == DEFINITION and event.new is not None:
            last[event.code] = _change(event)
        elif event.kind == RENAMED:
            moved = last.pop(event.old_id, None)
            if moved is not None:
                last[event.code] = moved
        elif event.kind == REMOVED:
            last.pop(event.code, None)
    return last


def _change(event: CodeEvent) -> DefinitionChange:
    assert event.new is not None
    return DefinitionChange(event.code, event.commit, event.date, event.subject, event.old, event.new)


def events_of(events: Sequence[CodeEvent], code: str) -> list[CodeEvent]:
    """The events of one code (oldest first), followed back across renames: its history under every id it had."""
    names = {code}
    picked: list[CodeEvent] = []
    for event in reversed(events):
        if event.code in names:
            picked.append(event)
            if event.kind == RENAMED:
                names.add(event.old_id)
            elif event.kind == ADDED:
                names.discard(event.code)  # an older code of the same id is another code
    return picked[::-1]


def describe_event(event: CodeEvent) -> str:
    """What an event did, in a few words."""
    if event.kind == ADDED:
        return "added" + (" (first version of the codebook)" if event.initial else "")
    if event.kind == DEFINITION:
        return f"{', '.join(event.fields)} changed"
    if event.kind == LABEL:
        old = event.old.label if event.old else ""
        new = event.new.label if event.new else ""
        return f'label "{old}" -> "{new}"'
    if event.kind == KEY:
        return f"key {event.detail}"
    if event.kind == RENAMED:
        return f'renamed from "{event.old_id}"'
    if event.kind == REMOVED:
        return "removed (or merged into another code)"
    if event.kind == SPLIT:
        return f"split into {event.detail}"
    return event.kind


#: How many words of each side a word diff compares (a codebook field is a paragraph, not a book).
DIFF_WORDS = 2000


def word_diff(old: str | tuple[str, ...], new: str | tuple[str, ...]) -> str:
    """A field's change as one line of plain text: words removed `[-like this-]`, words added `{+like this+}`,
    the rest as it was (spacing ignored, as the fingerprint ignores it; examples separated by `|`). Control
    and bidirectional formatting characters are made visible: codebook history is untrusted."""
    before, before_cut = _diff_words(old)
    after, after_cut = _diff_words(new)
    parts: list[str] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            parts.extend(before[old_start:old_end])
            continue
        if old_end > old_start:
            parts.append("[-" + " ".join(before[old_start:old_end]) + "-]")
        if new_end > new_start:
            parts.append("{+" + " ".join(after[new_start:new_end]) + "+}")
    if before_cut or after_cut:
        parts.append(f"(only the first {DIFF_WORDS} words compared)")
    return visible_controls(" ".join(parts)) or "(none)"


def _diff_words(value: str | tuple[str, ...]) -> tuple[list[str], bool]:
    if isinstance(value, tuple):
        words: list[str] = []
        for number, item in enumerate(value):
            words.extend((["|"] if number else []) + item.split())
    else:
        words = value.split()
    return words[:DIFF_WORDS], len(words) > DIFF_WORDS
