"""The append-only journal that makes a coding key press durable in constant time.

Rewriting a whole annotation file on every key grows with the transcript
(about 8 ms at 20,000 coded turns here). While a coder works, each change is
instead appended to a hidden journal beside the annotation file and fsynced:
one short line, whatever the transcript's length. The journal is folded into
the annotation file (atomically) when the coder is idle, switches transcript
or quits, and replayed on the next open after a crash. Readers replay it too,
so they always see the latest state.

A line is `{"put":{...record...}}` or `{"remove":12}`; before a turn's first change
since the last fold-in, `{"was":{"turn":12,"record":{...} or null}}` notes what the file
held for it, so a replay merges with a file a pull changed meanwhile. A crash during an append
can leave a torn last line without its newline; that change was never
reported as saved, so it is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from purer_tui.core.durable import fsync_folder
from purer_tui.core.errors import InvalidFileError, Problem
from purer_tui.core.study_files import open_for_writing, read_plain_file

JOURNAL_SUFFIX = ".journal"
#: Folded in after two idle seconds, a journal stays small; one this large is not ours.
MAX_JOURNAL_BYTES = 128 * 1024 * 1024


def journal_path(annotation_path: Path) -> Path:
    """`X.ana.jsonl` -> `.X.ana.jsonl.journal` (hidden, so no glob or git add picks it up by accident)."""
    return annotation_path.with_name(f".{annotation_path.name}{JOURNAL_SUFFIX}")


def read_journal(path: Path) -> list[tuple[str, object]]:
    """The entries of a journal, oldest first: ("put", record dict) or ("remove", turn).

    Read as bytes and split into lines before decoding: a crash mid-append can cut
    the last line inside a multi-byte character, and that line is dropped whole.
    """
    try:
        data = read_plain_file(path, "coding journal", MAX_JOURNAL_BYTES)
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        lines.pop()  # torn by a crash mid-append: never acknowledged, so never shown as saved
    entries: list[tuple[str, object]] = []
    for number, line in enumerate(lines, start=1):
        try:
            entry = json.loads(line.decode("utf-8"))
            ((kind, value),) = entry.items()
        except (ValueError, AttributeError, RecursionError):
            raise InvalidFileError(
                [Problem(path, number, "the coding journal is damaged; move it aside and reopen")]
            ) from None
        if kind not in ("put", "remove", "was"):
            raise InvalidFileError([Problem(path, number, "the coding journal is damaged; move it aside and reopen")])
        entries.append((kind, value))
    return entries


class JournalWriter:
    """Appends entries durably: each `append` returns only once the line is on disk.

    The journal is opened without following links (a committed link named like it must never
    receive a coder's memos), and created no more readable than `reference`, its transcript.
    """

    def __init__(self, path: Path, reference: Path | None = None):
        self.path = path
        self.reference = reference
        self._descriptor: int | None = None

    def append(self, entries: list[dict[str, object]]) -> None:
        data = "".join(
            json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n" for entry in entries
        )
        if self._descriptor is None:
            self._descriptor, created = open_for_writing(self.path, os.O_WRONLY | os.O_APPEND, self.reference)
            if created:
                fsync_folder(self.path.parent)
        size = os.lseek(self._descriptor, 0, os.SEEK_END)
        try:
            view = memoryview(data.encode("utf-8"))
            while view:
                written = os.write(self._descriptor, view)
                view = view[written:]
            os.fsync(self._descriptor)
        except OSError:
            # A full disk can leave half a line; cut it off, or the next append would follow it
            # and turn a torn (ignored) last line into a damaged line in the middle.
            try:
                os.ftruncate(self._descriptor, size)
            except OSError:
                pass
            raise

    def discard(self) -> None:
        """Remove the journal once its entries are safely in the annotation file."""
        self.close()
        self.path.unlink(missing_ok=True)
        fsync_folder(self.path.parent)

    def close(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
