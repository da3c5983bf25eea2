"""The codes queued for one coder to confirm: `.purer/suggestions/<coder>.jsonl`, this clone's own.

`purer-tui autocode --as-suggestions` fills it; the coding app shows each
queued code as suggested on its turn, and takes it out once the coder has
decided (applied it, or reviewed the turn without it). One line per queued
code, after a first line that signs the rest with the user's own key
(core/user_state), so that a queue a pull brings, or one planted in the study
folder, is never believed: a file that does not verify is ignored whole (the
caller says so once). The file never holds transcript text, only where a turn
is and what to apply:

    {"anchor":"3f2a9c01bd","code":"stage-2a","source":"autocode --text","transcript":"t/s01.txt","turn":12}

`transcript` is the path within the study, with `/`; `anchor` is the turn's
anchor when it was queued: a turn whose anchor no longer matches (the
transcript changed) is dropped. The queue is bounded (MAX_ENTRIES, MAX_BYTES)
and looked up per turn through a dict, so a key costs the same however long it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.annotation_parsing import MAX_TURN
from purer_tui.core.clone_state import CloneState
from purer_tui.core.coders import CODER_PATTERN, validate_coder
from purer_tui.core.errors import UsageError
from purer_tui.core.user_state import signed_text, verified_payload

#: The subfolder of `.purer/` that holds each coder's queue.
QUEUE_FOLDER = "suggestions"
#: At most this many queued codes per coder, and this many bytes in their file.
MAX_ENTRIES = 20_000
MAX_BYTES = 8 * 1024 * 1024
#: A source's description is cut to this many characters (it names a command, never transcript text).
MAX_SOURCE_CHARACTERS = 200
_MAX_FIELD_CHARACTERS = 4096


@dataclass(frozen=True)
class QueuedCode:
    """One code suggested for one turn: where the turn is (its transcript within the study, with `/`), the
    turn's anchor when it was queued, the code, and what queued it."""

    transcript: str
    turn: int
    anchor: str
    code: str
    source: str

    def as_json(self) -> str:
        return json.dumps(
            {
                "anchor": self.anchor,
                "code": self.code,
                "source": self.source,
                "transcript": self.transcript,
                "turn": self.turn,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )


def _header(coder: str) -> str:
    return f"purer-tui suggestions 1 {coder} "


def queue_name(coder: str) -> str:
    return f"{validate_coder(coder)}.jsonl"


def queued_coders(study_root: Path) -> list[str]:
    """The coders with a queue in this clone of the study."""
    names = CloneState(study_root.absolute(), QUEUE_FOLDER).names("")
    return [
        name.removesuffix(".jsonl")
        for name in names
        if name.endswith(".jsonl") and CODER_PATTERN.fullmatch(name.removesuffix(".jsonl"))
    ]


def _entry_from(line: str) -> QueuedCode | None:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    transcript, turn, anchor, code, source = (
        data.get(key) for key in ("transcript", "turn", "anchor", "code", "source")
    )
    if type(turn) is not int or not 1 <= turn <= MAX_TURN:
        return None
    if not all(isinstance(value, str) and value for value in (transcript, anchor, code)) or not isinstance(source, str):
        return None
    assert isinstance(transcript, str) and isinstance(anchor, str) and isinstance(code, str)
    if max(len(transcript), len(anchor), len(code)) > _MAX_FIELD_CHARACTERS or not is_study_path(transcript):
        return None
    return QueuedCode(transcript, turn, anchor, code, source[:MAX_SOURCE_CHARACTERS])


def is_study_path(relative: str) -> bool:
    """Whether a path names something within the study: relative, `/`-separated, never `..`."""
    return not relative.startswith(("/", "\\")) and ".." not in relative.replace("\\", "/").split("/")


class SuggestionQueue:
    """One coder's queue in one study, held in memory as a dict per (transcript, turn); every change is written
    at once (atomically, signed) by `save`."""

    def __init__(self, study_root: Path, coder: str):
        self.root = study_root.absolute()
        self.coder = validate_coder(coder)
        self._state = CloneState(self.root, QUEUE_FOLDER)
        self._entries: dict[str, dict[int, dict[str, QueuedCode]]] = {}  # transcript -> turn -> code
        #: Why the file on disk was not believed (one line, for the caller to show once); None when it was, or
        #: when there is none.
        self.notice: str | None = None
        self._size = 0
        self.load()

    # --- reading -------------------------------------------------------------

    def load(self) -> None:
        """Read the queue afresh; a file that does not verify (not written by this user's app for this coder,
        damaged, too large) is ignored, and `notice` says so."""
        self._entries = {}
        self._size = 0
        self.notice = None
        name = queue_name(self.coder)
        if name not in self._state.names(name):
            return
        payload = verified_payload(_header(self.coder), self._state.read(name, MAX_BYTES))
        if payload is None:
            self.notice = (
                f"{QUEUE_FOLDER}/{name} in the study's .purer folder is not a queue this account wrote "
                "(copied, pulled, damaged or too large): its suggestions are ignored"
            )
            return
        for line in payload.splitlines():
            entry = _entry_from(line)
            if entry is not None and self._size < MAX_ENTRIES:
                self._put(entry)

    def codes_for(self, transcript: str, turn: int) -> tuple[str, ...]:
        """The codes queued for a turn (transcript as within the study, with `/`), in the order they came."""
        return tuple(self._entries.get(transcript, {}).get(turn, {}))

    def entries_for(self, transcript: str, turn: int) -> tuple[QueuedCode, ...]:
        return tuple(self._entries.get(transcript, {}).get(turn, {}).values())

    def turns(self, transcript: str) -> Collection[int]:
        """The turns of a transcript with a queued code (a view: do not change it)."""
        return self._entries.get(transcript, {}).keys()

    def transcripts(self) -> set[str]:
        return set(self._entries)

    @property
    def turn_count(self) -> int:
        """How many turns have a queued code."""
        return sum(len(turns) for turns in self._entries.values())

    def __len__(self) -> int:
        return self._size

    # --- changing ------------------------------------------------------------

    def add(self, entries: Iterable[QueuedCode]) -> int:
        """Queue codes (one already queued for its turn is replaced: its anchor and source are the newer);
        how many were new. More than MAX_ENTRIES in all is refused and nothing is added."""
        entries = list(entries)
        new = {
            (entry.transcript, entry.turn, entry.code)
            for entry in entries
            if entry.code not in self._entries.get(entry.transcript, {}).get(entry.turn, {})
        }
        if self._size + len(new) > MAX_ENTRIES:
            raise UsageError(
                f"the suggestion queue holds at most {MAX_ENTRIES:,} codes ({self._size:,} wait for "
                f"{self.coder}); review some in the app (purer-tui code) or narrow the search"
            )
        for entry in entries:
            if not is_study_path(entry.transcript):
                raise ValueError(f"not a path within the study: {entry.transcript!r}")
            self._put(entry)
        return len(new)

    def remove(self, transcript: str, turn: int, codes: Collection[str] | None = None) -> tuple[QueuedCode, ...]:
        """Take a turn's queued codes (or only `codes`) out; what was taken, to put back on undo."""
        turns = self._entries.get(transcript, {})
        queued = turns.get(turn)
        if not queued:
            return ()
        taken = tuple(entry for code, entry in queued.items() if codes is None or code in codes)
        for entry in taken:
            del queued[entry.code]
        self._size -= len(taken)
        if not queued:
            del turns[turn]
            if not turns:
                del self._entries[transcript]
        return taken

    def map_codes(self, code_of: Callable[[str], str | None]) -> int:
        """Each queued code as `code_of` names it now (a renamed or merged code: its new id; None: it is dropped, a
        code split or no longer in the codebook); how many entries changed or went."""
        changed = 0
        for transcript, turns in list(self._entries.items()):
            for turn, queued in list(turns.items()):
                kept: dict[str, QueuedCode] = {}
                for code, entry in queued.items():
                    now = code_of(code)
                    changed += now != code
                    if now is not None:
                        kept.setdefault(now, QueuedCode(entry.transcript, entry.turn, entry.anchor, now, entry.source))
                self._size += len(kept) - len(queued)
                if kept:
                    turns[turn] = kept
                else:
                    del turns[turn]
            if not turns:
                del self._entries[transcript]
        return changed

    def drop_moved(self, transcript: str, anchor_of: Callable[[int], str | None]) -> int:
        """Drop a transcript's queued codes whose turn's anchor is no longer the one queued (the transcript
        changed, or the turn is gone: `anchor_of` gives None); how many were dropped."""
        dropped = 0
        turns = self._entries.get(transcript, {})
        for turn, entries in list(turns.items()):
            for code, entry in list(entries.items()):
                if anchor_of(turn) != entry.anchor:
                    del entries[code]
                    dropped += 1
            if not entries:
                del turns[turn]
        if not turns:
            self._entries.pop(transcript, None)
        self._size -= dropped
        return dropped

    def save(self) -> bool:
        """Write the queue (atomically, signed with this user's key; an empty queue removes the file); False when
        it could not be (no key, a folder that is not ours)."""
        name = queue_name(self.coder)
        if not self._size:
            self._state.remove(name)
            return name not in self._state.names(name)
        lines = [
            entry.as_json() for turns in self._entries.values() for codes in turns.values() for entry in codes.values()
        ]
        text = signed_text(_header(self.coder), "\n".join(lines) + "\n")
        return text is not None and self._state.write(name, text)

    def _put(self, entry: QueuedCode) -> None:
        queued = self._entries.setdefault(entry.transcript, {}).setdefault(entry.turn, {})
        if entry.code not in queued:
            self._size += 1
        queued[entry.code] = entry
