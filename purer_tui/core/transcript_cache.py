"""The transcripts a coding session read lately, with one coder's annotations: read ahead, reused while unchanged.

Reading a transcript of 20,000 turns and its annotation file takes about a
fifth of a second: too long for a key. The app reads the transcripts a coder
is likely to go to next in a worker thread, and the session takes them from
here. Nothing here holds a lock or writes: a read is a snapshot with the
signatures of the files it came from, and the session opens the annotation
file for writing (under the coder's lock) from the snapshot only when the
file is still the one that was read. A few transcripts are kept, the ones
used last.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.journal import journal_path
from purer_tui.core.study_files import Signature, file_signature
from purer_tui.core.transcript import Transcript, load_transcript

#: Transcripts kept (one being coded, the ones on either side, one more).
KEPT = 4
#: Files together smaller than this are read at once when needed (a few milliseconds); larger ones ahead, in a worker.
QUICK_BYTES = 256 * 1024


@dataclass(frozen=True)
class ReadTranscript:
    """A transcript and one coder's records of it, as read, with what tells whether the files changed since."""

    transcript: Transcript
    transcript_signature: Signature | None
    records: Mapping[int, AnnotationRecord]  # never changed: the session copies them when it opens the file
    annotation_signature: Signature | None
    adoptable: bool  # the records are exactly the file's (no journal was replayed into them)


class TranscriptCache:
    """Transcripts read for one coder, kept by path; safe to use from the app's thread and a worker at once."""

    def __init__(self, coder: str, kept: int = KEPT):
        self.coder = coder
        self.kept = kept
        self._read: OrderedDict[Path, ReadTranscript] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, path: Path) -> ReadTranscript:
        """The transcript and this coder's records as the files are now: from the cache while they are unchanged."""
        cached = self._current(path)
        if cached is not None and cached.annotation_signature == file_signature(self._annotations(path)):
            return cached
        transcript_signature = file_signature(path, follow_links=True)
        if cached is not None and cached.transcript_signature == transcript_signature:
            transcript = cached.transcript  # only the annotations changed (the coder's own last session, a pull)
        else:
            transcript = load_transcript(path)
        read = self._read_records(path, transcript, transcript_signature)
        if read.transcript_signature == file_signature(path, follow_links=True):
            self._keep(path, read)
        return read

    def keep(
        self, path: Path, transcript: Transcript, signature: Signature | None, records: Mapping[int, AnnotationRecord]
    ) -> None:
        """What a session leaves a transcript with (its changes folded into the file), for going back to it."""
        annotations = self._annotations(path)
        journal_left = os.path.lexists(journal_path(annotations))
        self._keep(
            path, ReadTranscript(transcript, signature, dict(records), file_signature(annotations), not journal_left)
        )

    def ready(self, path: Path) -> bool:
        """Whether reading this transcript now takes no time worth a worker: it is kept, or small."""
        cached = self._current(path)
        if cached is not None and cached.annotation_signature == file_signature(self._annotations(path)):
            return True
        sizes = (file_signature(path, follow_links=True), file_signature(self._annotations(path)))
        return sum(signature[1] for signature in sizes if signature is not None) < QUICK_BYTES

    def _read_records(
        self, path: Path, transcript: Transcript, transcript_signature: Signature | None
    ) -> ReadTranscript:
        annotations = self._annotations(path)
        for _ in range(3):  # a file replaced while being read is read again
            before = file_signature(annotations)
            journal_left = os.path.lexists(journal_path(annotations))
            records = AnnotationFile.open(annotations).records
            if file_signature(annotations) == before:
                return ReadTranscript(transcript, transcript_signature, records, before, not journal_left)
        return ReadTranscript(transcript, transcript_signature, records, None, False)

    def _current(self, path: Path) -> ReadTranscript | None:
        with self._lock:
            cached = self._read.get(path)
        if cached is None or cached.transcript_signature != file_signature(path, follow_links=True):
            return None
        return cached

    def _keep(self, path: Path, read: ReadTranscript) -> None:
        with self._lock:
            self._read[path] = read
            self._read.move_to_end(path)
            while len(self._read) > self.kept:
                self._read.popitem(last=False)

    def _annotations(self, path: Path) -> Path:
        return annotation_path(path, self.coder)
