"""The study index: each transcript's turn count and each coder's review counts, known without reading the study.

Opening a study of hundreds of transcripts must not parse all of them to find
where a coder starts, or to show the study's progress. The index keeps, per
transcript, its number of turns and, per coder, how many turns they reviewed,
flagged and settled, how many records carry a merge conflict or no longer
match their turn (the transcript changed since they were coded), and the
first turn still waiting for them. To tell the last without reading the
transcript when only an annotation file changed, an entry keeps each turn's
anchor digest (the first four hex digits of its anchor). It is kept in
this clone's state folder (`.purer/index.json`, never in git), and every entry
carries the signature (modification time, size, inode) of the files it was
counted from: an entry whose file changed since (or that has a journal
beside it) is stale and is counted afresh from the file. The files
themselves always win: the index only says where to look first and what to
show before everything is counted, and the app opens a transcript itself
before showing it. The cache is signed with a key in the user's own state
folder, never in the study: an index that came with a pull (a teammate
could copy this clone's signatures) reads as empty.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.annotation_parsing import MAX_TURN
from purer_tui.core.annotation_paths import AnnotationFinder, annotation_path
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.clone_state import CloneState
from purer_tui.core.coders import CODER_PATTERN
from purer_tui.core.errors import PurerError
from purer_tui.core.journal import journal_path
from purer_tui.core.study_files import Signature, file_signature
from purer_tui.core.transcript import Transcript, load_transcript
from purer_tui.core.user_state import signature_of, signed_text, verified_payload

INDEX_FILE = "index.json"
#: 2: counts of merge conflicts and changed records, and each turn's anchor digest (an index of version 1 is
#: simply counted afresh).
INDEX_VERSION = 2
#: A bound no real study's index reaches (about 400 bytes per transcript of three coders plus 4 per turn:
#: some 12,000 transcripts of 300 turns).
MAX_INDEX_BYTES = 16 * 1024 * 1024
#: Hex digits of each turn's anchor the index keeps: enough to tell a changed turn (one in 65,536 passes
#: unseen, and then only in the hint: the app checks the whole anchor when it opens the transcript).
DIGEST = 4
#: While counting a large study for the first time, what is counted is saved this often.
SAVE_EVERY_SECONDS = 2.0
#: The first line: what the file is, and the signature of the JSON after it with this user's key.
_SIGNED = "purer-tui study index "
_HEX = re.compile("[0-9a-f]*")


@dataclass(frozen=True)
class CoderCounts:
    """One coder's state in one transcript, over all its turns."""

    reviewed: int
    flagged: int
    settled: int  # reviewed, not flagged, no merge conflict: nothing left to do
    first_to_review: int | None  # the first turn not settled; None when every turn is
    conflicts: int = 0  # records carrying a merge conflict
    changed: int = 0  # records that no longer match their turn: the transcript changed since they were coded

    def as_json(self) -> list[int | None]:
        return [self.reviewed, self.flagged, self.settled, self.first_to_review, self.conflicts, self.changed]


@dataclass(frozen=True)
class _CoderEntry:
    signature: Signature | None  # of the annotation file; None: there was none
    counts: CoderCounts


@dataclass
class _TranscriptEntry:
    signature: Signature
    turns: int
    coders: dict[str, _CoderEntry]
    digests: str  # each turn's anchor digest, DIGEST hex digits a turn, in turn order


def anchor_digests(transcript: Transcript) -> str:
    """Each turn's anchor digest, one after the other (what the index keeps to tell changed records)."""
    return "".join(turn.anchor[:DIGEST] for turn in transcript.turns)


def count_records(annotations: AnnotationFile, turns: int, digests: str | None = None) -> CoderCounts:
    """A coder's counts over a transcript of `turns` turns whose anchor digests are `digests`.

    Records past its end count only as changed; without `digests` only those are known to be changed.
    """
    records = [record for number, record in annotations.records.items() if 1 <= number <= turns]
    settled = {record.turn for record in records if record.settled_review}
    first = next((number for number in range(1, turns + 1) if number not in settled), None)
    changed = sum(1 for record in annotations.records.values() if record.turn > turns)
    if digests is not None:
        for record in records:
            at = (record.turn - 1) * DIGEST
            if record.anchor is not None and record.anchor[:DIGEST] != digests[at : at + DIGEST]:
                changed += 1
    return CoderCounts(
        sum(record.reviewed for record in records),
        sum(record.flag for record in records),
        len(settled),
        first,
        sum(1 for record in annotations.records.values() if record.conflict is not None),
        changed,
    )


class StudyIndex:
    """The index of one study's transcripts, read from the cache once and kept current as files change.

    Safe to share between the app's thread and a worker: every read and update of the entries holds a lock.
    """

    def __init__(self, study_root: Path):
        self.root = study_root.absolute()
        self._state = CloneState(study_root)
        self._entries: dict[str, _TranscriptEntry] | None = None  # by path relative to the study; read on first use
        self._changed = False
        self._lock = threading.Lock()

    # --- asking ------------------------------------------------------------

    def counts(self, transcript: Path, coder: str) -> tuple[int, CoderCounts] | None:
        """The turn count and `coder`'s counts of a transcript, when the index holds them for the files
        as they are now."""
        with self._lock:
            entry = self._fresh_entry(transcript)
            if entry is None:
                return None
            known = entry.coders.get(coder)
            annotations = annotation_path(transcript, coder)
            if known is None or known.signature != file_signature(annotations) or _journal_left(annotations):
                return None
            return entry.turns, known.counts

    # --- counting ------------------------------------------------------------

    def refresh(
        self, transcripts: Sequence[Path], coders: Iterable[str] = ()
    ) -> dict[Path, tuple[int, dict[str, CoderCounts]]]:
        """Every transcript's turn count and every coder's counts (those with a file, and `coders` in any case),
        counted afresh where a file changed; saved for the next opening, holding these transcripts only.
        An unreadable file is left out (`check` says why)."""
        wanted = tuple(coders)
        keep = {key for key in map(self._key, transcripts) if key is not None}
        with self._lock:
            entries = self._loaded()
            for key in [key for key in entries if key not in keep]:
                del entries[key]
                self._changed = True
        finder = AnnotationFinder()
        result: dict[Path, tuple[int, dict[str, CoderCounts]]] = {}
        saved = time.monotonic()
        for path in transcripts:
            # A first count of a large study can be cut short by quitting: what is counted is kept.
            if time.monotonic() - saved > SAVE_EVERY_SECONDS:
                self.save()
                saved = time.monotonic()
            files = finder.files(path)
            try:
                turns, counted = self._refresh_one(path, [*files, *(coder for coder in wanted if coder not in files)])
            except (PurerError, OSError):
                continue
            result[path] = (turns, counted)
        self.save()
        return result

    def _refresh_one(self, path: Path, coders: list[str]) -> tuple[int, dict[str, CoderCounts]]:
        key = self._key(path)
        with self._lock:
            entry = self._fresh_entry(path)
        if entry is None:
            signature = file_signature(path, follow_links=True)
            transcript = load_transcript(path)
            if signature is None or signature != file_signature(path, follow_links=True):
                raise OSError(f"{path} changed while it was counted")
            entry = _TranscriptEntry(signature, len(transcript.turns), {}, anchor_digests(transcript))
        counted: dict[str, CoderCounts] = {}
        coder_entries = dict(entry.coders)
        for coder in coders:
            annotations = annotation_path(path, coder)
            signature = file_signature(annotations)
            known = coder_entries.get(coder)
            if _journal_left(annotations):  # changes not folded into the file yet (a crash, or a window coding it)
                counted[coder] = count_records(AnnotationFile.open(annotations), entry.turns, entry.digests)
                coder_entries.pop(coder, None)
                continue
            if known is None or known.signature != signature:
                counts = count_records(AnnotationFile.open(annotations), entry.turns, entry.digests)
                if signature != file_signature(annotations):
                    continue  # written meanwhile: counted next time
                known = _CoderEntry(signature, counts)
                coder_entries[coder] = known
            counted[coder] = known.counts
        with self._lock:
            entries = self._loaded()
            if key is not None and (entries.get(key) is not entry or coder_entries != entry.coders):
                entries[key] = _TranscriptEntry(entry.signature, entry.turns, coder_entries, entry.digests)
                self._changed = True
        return entry.turns, counted

    # --- the cache -------------------------------------------------------------

    def save(self) -> None:
        """Write the index for the next opening, when it changed; best effort (it is only ever a hint)."""
        with self._lock:
            if not self._changed or self._entries is None:
                return
            data = {
                "version": INDEX_VERSION,
                "transcripts": {
                    key: {
                        "signature": list(entry.signature),
                        "turns": entry.turns,
                        "anchors": entry.digests,
                        "coders": {
                            coder: {
                                "signature": list(known.signature) if known.signature else None,
                                "counts": known.counts.as_json(),
                            }
                            for coder, known in entry.coders.items()
                        },
                    }
                    for key, entry in self._entries.items()
                },
            }
            payload = json.dumps(data, separators=(",", ":")) + "\n"
            self._changed = False
        signed = signed_text(_SIGNED, payload)
        if signed is not None:
            self._state.write(INDEX_FILE, signed)

    def _fresh_entry(self, path: Path) -> _TranscriptEntry | None:
        key = self._key(path)
        entry = self._loaded().get(key) if key is not None else None
        if entry is None or entry.signature != file_signature(path, follow_links=True):
            return None
        return entry

    def _key(self, path: Path) -> str | None:
        """The transcript's path within the study; None for one outside it (never indexed)."""
        try:
            relative = Path(os.path.relpath(path.absolute(), self.root)).as_posix()
        except ValueError:
            return None
        return None if relative.startswith("..") else relative

    def _loaded(self) -> dict[str, _TranscriptEntry]:
        if self._entries is None:
            self._entries = _parse_index(_signed_payload(self._state.read(INDEX_FILE, MAX_INDEX_BYTES)))
        return self._entries


_signature_of = signature_of


def _signed_payload(text: str | None) -> str | None:
    """The JSON of an index this user's app wrote; None for any other (unsigned, signed by someone else, damaged)."""
    return verified_payload(_SIGNED, text)


def _journal_left(annotations: Path) -> bool:
    return os.path.lexists(journal_path(annotations))


def _parse_index(text: str | None) -> dict[str, _TranscriptEntry]:
    """The cache's entries; anything unexpected in it (a teammate's file, another version, damage) reads as empty."""
    if text is None:
        return {}
    try:
        data = json.loads(text)
        if (
            not isinstance(data, dict)
            or data.get("version") != INDEX_VERSION
            or not isinstance(data.get("transcripts"), dict)
        ):
            return {}
        return {key: _entry(value) for key, value in data["transcripts"].items() if _plain_key(key)}
    except (ValueError, TypeError, KeyError, RecursionError):
        return {}


def _entry(value: object) -> _TranscriptEntry:
    if not isinstance(value, dict) or not isinstance(value.get("coders"), dict):
        raise ValueError("not an index entry")
    turns = _count(value.get("turns"))
    coders = {}
    for coder, known in value["coders"].items():
        if not isinstance(coder, str) or not CODER_PATTERN.match(coder) or not isinstance(known, dict):
            raise ValueError("not a coder entry")
        counts = known.get("counts")
        if not isinstance(counts, list) or len(counts) != 6:
            raise ValueError("not coder counts")
        reviewed, flagged, settled = (_count(number, turns) for number in counts[:3])
        first = counts[3]
        if first is not None and (type(first) is not int or not 1 <= first <= turns):
            raise ValueError("not a turn")
        conflicts, changed = (_count(number) for number in counts[4:])
        signature = None if known.get("signature") is None else _signature(known.get("signature"))
        coders[coder] = _CoderEntry(signature, CoderCounts(reviewed, flagged, settled, first, conflicts, changed))
    digests = value.get("anchors")
    if not isinstance(digests, str) or len(digests) != turns * DIGEST or not _HEX.fullmatch(digests):
        raise ValueError("not anchor digests")
    return _TranscriptEntry(_signature(value.get("signature")), turns, coders, digests)


def _plain_key(key: object) -> bool:
    """A path within the study, as `_key` writes it."""
    return isinstance(key, str) and not key.startswith(("/", "\\")) and ".." not in key.split("/")


def _count(value: object, most: int = MAX_TURN) -> int:
    if type(value) is not int or not 0 <= value <= most:
        raise ValueError("not a count")
    return value


def _signature(value: object) -> Signature:
    if not isinstance(value, list) or len(value) != 3 or any(type(part) is not int for part in value):
        raise ValueError("not a signature")
    return (value[0], value[1], value[2])
