"""Where a coder last was in a study, so that `purer-tui code` reopens there.

Kept per coder in `.purer/position.<coder>.json` in the study folder. The
folder ignores itself in git (it holds a `.gitignore` of `*`): a position
belongs to one clone, not to the team. Like everything in a study it may
have come from someone else's branch, so it is never trusted: a link, a
large file, a path outside the study or a turn that does not exist is
ignored, and the coder simply starts at their first turn to review.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from purer_tui.core.clone_state import CloneState
from purer_tui.core.coders import validate_coder

MAX_POSITION_BYTES = 4096


class ResumePositions:
    """One coder's saved position in one study."""

    def __init__(self, study_root: Path, coder: str):
        self.state = CloneState(study_root)
        self.root = self.state.root
        self.name = f"position.{validate_coder(coder)}.json"
        self.path = self.state.folder / self.name
        self._saved: tuple[str, int] | None = None

    def load(self) -> tuple[Path, int] | None:
        """The transcript and turn number saved last, or None when there is none to trust."""
        found = self.state.read_turn_place(self.name, MAX_POSITION_BYTES, self.root)
        if found is None:
            return None
        _, relative, transcript, turn = found
        self._saved = (relative, turn)
        return transcript, turn

    def save(self, transcript: Path, turn: int) -> None:
        """Remember the position; best effort (a position is a convenience, never the coder's work)."""
        try:
            relative = Path(os.path.relpath(transcript.absolute(), self.root)).as_posix()
        except ValueError:
            return
        if relative.startswith("..") or (relative, turn) == self._saved:
            return
        if self.state.write(self.name, json.dumps({"transcript": relative, "turn": turn}) + "\n"):
            self._saved = (relative, turn)
