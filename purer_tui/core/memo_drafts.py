"""Memos that were being written when the terminal went away, kept as drafts to offer on the next opening.

A memo typed into the editor is saved when the coder leaves the editor. When the
terminal closes first (an SSH drop, a closed window: SIGHUP), the text is not
saved as the turn's memo, since the coder never said it was done, and not lost
either: it is kept here, in `.purer/memo-draft.<coder>.<key>.json`, one file per
coder and transcript (the coder's lock on the transcript makes one process its
only writer). The next `purer-tui code` says a draft is waiting, and `m` on that
turn opens the editor with it; the turn's saved memo stays as it was until the
coder saves. A draft is removed once saved or discarded.

A draft holds the coder's own memo text and where it belongs, never transcript
text. Like all of `.purer/` it may have come from someone else's branch: a file
that is too large, not JSON, for another coder, or names a path outside the study
is ignored (and said so), never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.annotation_parsing import MAX_MEMO_CHARACTERS
from purer_tui.core.clone_state import CloneState
from purer_tui.core.coders import validate_coder

#: A draft's file is read up to this size: a memo at its longest, as JSON escapes could make it, and its place.
MAX_DRAFT_BYTES = 6 * MAX_MEMO_CHARACTERS + 4096
DRAFT_PREFIX = "memo-draft."


@dataclass(frozen=True)
class MemoDraft:
    transcript: Path  # the transcript the memo is on
    turn: int
    memo: str
    name: str  # its file in `.purer/`


@dataclass(frozen=True)
class Found:
    """The drafts waiting for a coder, and the draft files that could not be trusted (by file name)."""

    drafts: list[MemoDraft]
    ignored: list[str]


class MemoDrafts:
    """One coder's memo drafts in one study."""

    def __init__(self, study_root: Path, coder: str):
        self.state = CloneState(study_root)
        self.root = self.state.root
        self.coder = validate_coder(coder)

    def _relative(self, transcript: Path) -> str | None:
        try:
            relative = Path(os.path.relpath(transcript.absolute(), self.root)).as_posix()
        except ValueError:
            return None
        return None if relative.startswith("..") else relative

    def _name(self, relative: str) -> str:
        key = hashlib.sha256(relative.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        return f"{DRAFT_PREFIX}{self.coder}.{key}.json"

    def save(self, transcript: Path, turn: int, memo: str) -> bool:
        """Keep `memo` as the draft for this transcript's turn (replacing an earlier draft of this transcript)."""
        relative = self._relative(transcript)
        if relative is None:
            return False
        record = {"coder": self.coder, "transcript": relative, "turn": turn, "memo": memo[:MAX_MEMO_CHARACTERS]}
        return self.state.write(self._name(relative), json.dumps(record, ensure_ascii=False) + "\n")

    def discard(self, draft: MemoDraft) -> None:
        self.state.remove(draft.name)

    def waiting(self) -> Found:
        """This coder's drafts in the study, and the names of draft files that cannot be trusted."""
        drafts: list[MemoDraft] = []
        ignored: list[str] = []
        for name in self.state.names(f"{DRAFT_PREFIX}{self.coder}."):
            if not name.endswith(".json"):
                continue
            draft = self._read(name)
            if draft is None:
                ignored.append(name)
            else:
                drafts.append(draft)
        return Found(drafts, ignored)

    def _read(self, name: str) -> MemoDraft | None:
        found = self.state.read_turn_place(name, MAX_DRAFT_BYTES, self.root)
        if found is None:
            return None
        saved, relative, transcript, turn = found
        memo = saved.get("memo")
        if saved.get("coder") != self.coder or not isinstance(memo, str) or len(memo) > MAX_MEMO_CHARACTERS:
            return None
        if name != self._name(relative):  # a file renamed or copied from elsewhere: not where this writes
            return None
        return MemoDraft(transcript, turn, memo, name)
