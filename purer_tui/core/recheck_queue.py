"""The turns one coder's recheck visits, and which of them still wait.

`purer-tui code --recheck` steps through the turns a coder coded under an
older definition of a code, and the turns that carry a split code. A turn
waits while it carries such a code that is not yet confirmed under the
current definition: confirming (enter) records the current definition's
fingerprint in the record's `rechecked` and takes split codes off; taking the
code off settles it too. Which turns wait is kept as a set updated per change,
so a key costs the same however long the queue is.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.codebook import Codebook
from purer_tui.core.recheck_items import RecheckItem


class RecheckQueue:
    def __init__(self, items: Iterable[RecheckItem], codebook: Codebook):
        self.codebook = codebook
        self._items: dict[Path, dict[int, list[RecheckItem]]] = {}
        for item in items:
            if codebook.has_code(item.code):
                self._items.setdefault(item.transcript, {}).setdefault(item.turn, []).append(item)
        self._waiting = {(path, turn) for path, turns in self._items.items() for turn in turns}
        self.total = len(self._waiting)

    @property
    def paths(self) -> list[Path]:
        """The transcripts with turns to recheck, in the order the items came."""
        return list(self._items)

    @property
    def done(self) -> int:
        return self.total - len(self._waiting)

    def turns(self, path: Path) -> set[int]:
        return set(self._items.get(path, {}))

    def items(self, path: Path, turn: int) -> list[RecheckItem]:
        return self._items.get(path, {}).get(turn, [])

    def waiting(self, path: Path, turn: int, record: AnnotationRecord | None) -> list[RecheckItem]:
        """The items of a turn that still wait, given its record now."""
        if record is None:
            return []
        confirmed = dict(record.rechecked)
        return [
            item
            for item in self.items(path, turn)
            if item.code in record.codes
            and (item.change is None or confirmed.get(item.code) != self.codebook.code(item.code).fingerprint)
        ]

    def update(self, path: Path, turn: int, record: AnnotationRecord | None) -> None:
        """Take note of a turn's record after a change (a key, an undo, a reload)."""
        if turn in self._items.get(path, {}):
            if self.waiting(path, turn, record):
                self._waiting.add((path, turn))
            else:
                self._waiting.discard((path, turn))

    def confirmed(self, path: Path, record: AnnotationRecord) -> AnnotationRecord:
        """The record with the first code still waiting on it confirmed as current: the one the coder was shown.
        A changed code gets its fingerprint noted; a split code is taken off (the coder applied what it was split
        into, or decided none of it applies). A turn with two codes waiting takes two confirmations."""
        waiting = self.waiting(path, record.turn, record)
        if not waiting:
            return record._replace(reviewed=True)
        item = waiting[0]
        codes = tuple(code for code in record.codes if not (item.change is None and code == item.code))
        marks = dict(record.rechecked)
        if item.change is not None:
            marks[item.code] = self.codebook.code(item.code).fingerprint
        rechecked = tuple(sorted((code, mark) for code, mark in marks.items() if code in codes))
        return record._replace(codes=codes, rechecked=rechecked, reviewed=True)
