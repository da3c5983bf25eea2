"""The annotation store: one coder's annotations of one transcript, durable on every change.

Every change is written atomically and fsynced before the call returns (or
appended to the coding journal, for the coding app), and a file that could
not be read, or that changed on disk since it was read, is never
overwritten. The file's format is in `annotation_records`, its reading in
`annotation_parsing`, its place in `annotation_paths`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from purer_tui.core.annotation_merge import merge_records
from purer_tui.core.annotation_parsing import parse_annotations, parse_record, read_annotation_text
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.durable import atomic_write_text
from purer_tui.core.errors import InvalidFileError, Problem, PurerError
from purer_tui.core.journal import JournalWriter, journal_path, read_journal
from purer_tui.core.study_files import Signature, file_signature, transcript_beside


class ChangedOnDiskError(PurerError):
    """The file changed under us (a `git pull`, another program): writing would lose that change."""


class AnnotationFile:
    """One coder's annotations of one transcript, kept durable on every change.

    Opened with `journaled=True` (the coding app), each change is appended to
    the journal and fsynced, and `compact()` folds the journal into the file.
    Otherwise each change rewrites the file atomically. Either way a change is
    on disk when the call returns.
    """

    def __init__(self, path: Path, records: Mapping[int, AnnotationRecord] | None = None, journaled: bool = False):
        self.path = path
        self._records: dict[int, AnnotationRecord] = dict(records or {})
        # Serialised lines, cached on the first write so a change re-encodes one record, not the file
        # (readers, which open thousands of files, never pay for it).
        self._cached_lines: dict[int, str] | None = None
        self._disk_signature = self._signature()
        self._journal = JournalWriter(journal_path(path), transcript_beside(path)) if journaled else None
        self._pending = False  # journal entries not yet folded into the file
        # What the file held when last read or written: the base of a three-way merge when a
        # `git pull` changes it under an open session (kept only by the coding app's journaled files).
        self._base: dict[int, AnnotationRecord] | None = dict(self._records) if journaled else None
        # Turns whose record in the file (the base) the journal already holds, since it was last folded in.
        self._noted: set[int] = set()

    @classmethod
    def journaled_from(
        cls, path: Path, records: Mapping[int, AnnotationRecord], signature: Signature | None
    ) -> AnnotationFile:
        """A journaled store over records read earlier, when the file had `signature`: a file changed since then
        is never overwritten (its next save finds the change and merges), however short the time between."""
        store = cls(path, records, journaled=True)
        store._disk_signature = signature
        return store

    @classmethod
    def open(cls, path: Path, journaled: bool = False) -> AnnotationFile:
        """Load the file and replay its journal; a malformed file is refused.

        With `journaled=True`, a journal left by a crash is folded in at once.
        """
        records: dict[int, AnnotationRecord] = {}
        if path.exists() or path.is_symlink():
            parsed = parse_annotations(read_annotation_text(path), path)
            if parsed.errors:
                raise InvalidFileError(parsed.errors)
            records = parsed.records
        on_disk = dict(records) if journaled else None
        journal = journal_path(path)
        replayed = replay_journal(records, journal)
        annotation_file = cls(path, records, journaled)
        annotation_file._base = on_disk
        if replayed and journaled:
            annotation_file._pending = True
            annotation_file.compact()
        return annotation_file

    @property
    def records(self) -> Mapping[int, AnnotationRecord]:
        return self._records

    def get(self, turn: int) -> AnnotationRecord | None:
        return self._records.get(turn)

    def put(self, record: AnnotationRecord) -> None:
        """Store (or replace) the record of one turn, durably."""
        self.put_many([record])

    def put_many(self, records: Iterable[AnnotationRecord]) -> None:
        changes = {record.turn: record for record in records}
        self._apply(changes, removals=())

    def replace_all(self, records: Mapping[int, AnnotationRecord]) -> None:
        """Make the file hold exactly these records (re-anchoring, resolving), in one atomic write."""
        self._apply(dict(records), removals=[turn for turn in self._records if turn not in records])

    def remove(self, turn: int) -> None:
        """Forget a turn (back to not reviewed), durably."""
        if turn in self._records:
            self._apply({}, removals=(turn,))

    @property
    def _lines(self) -> dict[int, str]:
        if self._cached_lines is None:
            self._cached_lines = {turn: record.to_json_line() for turn, record in self._records.items()}
        return self._cached_lines

    def render(self) -> str:
        lines = self._lines
        return "".join(lines[turn] + "\n" for turn in sorted(lines))

    def compact(self) -> None:
        """Fold the journal into the annotation file (atomically), then drop the journal."""
        if self._journal is None or not self._pending:
            return
        self._write(self.render())
        self._journal.discard()
        self._noted.clear()
        self._pending = False

    def reload(self) -> list[int]:
        """Take the file as it is on disk now (after a `git pull`), merged turn by turn with this session's changes.

        The changes made here since the file was last read or written are kept
        for the turns only they touched, the pulled ones for the turns only the
        pull touched, and a turn changed on both sides becomes a conflict record
        keeping both versions: never an overwrite. Returns those turns.
        """
        theirs: dict[int, AnnotationRecord] = {}
        if os.path.lexists(self.path):
            parsed = parse_annotations(read_annotation_text(self.path), self.path)
            if parsed.errors:
                raise InvalidFileError(parsed.errors)
            theirs = dict(parsed.records)
        merged = merge_records(self._base if self._base is not None else theirs, self._records, theirs)
        if merged.conflicts and self._journal is not None:
            # Journaled at once: were the process to die before the next fold-in, replaying the
            # journal over the pulled file must rebuild these conflicts, not put our side back alone.
            self._journal.append(
                [{"put": json.loads(merged.records[turn].to_json_line())} for turn in merged.conflicts]
            )
        self._records = merged.records
        self._cached_lines = None
        self._disk_signature = self._signature()
        self._base = theirs if self._journal is not None else None
        self._pending = self._journal is not None and self._journal.path.exists()
        return merged.conflicts

    def close(self) -> None:
        """Compact and release the journal; the object stays readable."""
        self.compact()
        if self._journal is not None:
            self._journal.close()

    def _apply(self, changes: Mapping[int, AnnotationRecord], removals: Iterable[int]) -> None:
        removals = [turn for turn in removals if turn in self._records]
        if self._journal is not None:
            # The first change of a turn since the journal was folded in also records what the file held
            # for it, so that a replay after a crash merges with a file that a pull changed meanwhile.
            entries: list[dict[str, object]] = []
            for turn in [*changes, *removals]:
                if turn not in self._noted:
                    base = (self._base if self._base is not None else self._records).get(turn)
                    entries.append({"was": {"turn": turn, "record": json.loads(base.to_json_line()) if base else None}})
            entries += [{"put": json.loads(record.to_json_line())} for record in changes.values()]
            entries += [{"remove": turn} for turn in removals]
            self._journal.append(entries)
            self._noted.update(changes, removals)
            self._pending = True
            self._commit(changes, removals)
            return
        records, lines = dict(self._records), dict(self._lines)
        self._commit(changes, removals)
        try:
            self._write(self.render())
        except BaseException:
            self._records, self._cached_lines = records, lines
            raise

    def _commit(self, changes: Mapping[int, AnnotationRecord], removals: Iterable[int]) -> None:
        for turn, record in changes.items():
            self._records[turn] = record
            self._lines[turn] = record.to_json_line()
        for turn in removals:
            self._records.pop(turn, None)
            self._lines.pop(turn, None)

    def _write(self, text: str) -> None:
        if self._signature() != self._disk_signature:
            raise ChangedOnDiskError(
                "changed on disk since it was read (a git pull or another program?); reopen it to see the change",
                self.path,
            )
        atomic_write_text(self.path, text, transcript_beside(self.path))
        self._disk_signature = self._signature()
        if self._base is not None:
            self._base = dict(self._records)

    def _signature(self) -> Signature | None:
        return file_signature(self.path)


def replay_journal(records: dict[int, AnnotationRecord], journal: Path) -> bool:
    """Apply a coding journal's entries to `records` (the file as it is now); True when there were any.

    A turn whose record in the file is still the one the journal noted before changing it takes the
    journal's change. One the file changed meanwhile (a pull while the app was down) is merged like a
    reload: changed on both sides, it becomes a conflict record keeping both versions, never an overwrite.
    Journals written before bases were noted replay their changes over the file, as they always did.
    """
    entries = read_journal(journal)
    theirs = dict(records)
    bases: dict[int, AnnotationRecord | None] = {}
    for number, (kind, value) in enumerate(entries, start=1):
        if kind == "remove" and isinstance(value, int):
            records.pop(value, None)
            continue
        if kind == "was":
            turn, base = _noted_base(value, journal, number)
            bases.setdefault(turn, base)
            continue
        record, problem = parse_record(json.dumps(value)) if kind == "put" else (None, "bad entry")
        if problem or record is None:
            raise _damaged(journal, number, problem)
        records[record.turn] = record
    if bases:
        merged = merge_records(
            {turn: base for turn, base in bases.items() if base is not None},
            {turn: records[turn] for turn in bases if turn in records},
            {turn: theirs[turn] for turn in bases if turn in theirs},
        )
        for turn in bases:
            if turn in merged.records:
                records[turn] = merged.records[turn]
            else:
                records.pop(turn, None)
    return bool(entries)


def _noted_base(value: object, journal: Path, number: int) -> tuple[int, AnnotationRecord | None]:
    if not isinstance(value, dict) or type(value.get("turn")) is not int or set(value) != {"turn", "record"}:
        raise _damaged(journal, number, "a bad base entry")
    if value["record"] is None:
        return value["turn"], None
    record, problem = parse_record(json.dumps(value["record"]))
    if problem or record is None or record.turn != value["turn"]:
        raise _damaged(journal, number, problem or "a base of another turn")
    return record.turn, record


def _damaged(journal: Path, number: int, problem: str | None) -> InvalidFileError:
    return InvalidFileError(
        [Problem(journal, number, f"the coding journal is damaged ({problem}); move it aside and reopen")]
    )
