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
import stat
from pathlib import Path

from purer_tui.core.annotation_parsing import MAX_TURN
from purer_tui.core.coders import validate_coder
from purer_tui.core.durable import atomic_write_text
from purer_tui.core.errors import InvalidFileError
from purer_tui.core.study import STUDY_FILE
from purer_tui.core.study_files import read_plain_file

STATE_FOLDER = ".purer"
MAX_POSITION_BYTES = 4096
IGNORE_EVERYTHING = "# purer-tui: each clone's own state (where each coder last was); never shared\n*\n"


class ResumePositions:
    """One coder's saved position in one study."""

    def __init__(self, study_root: Path, coder: str):
        self.root = study_root.absolute()
        self.folder = self.root / STATE_FOLDER
        self.path = self.folder / f"position.{validate_coder(coder)}.json"
        self._saved: tuple[str, int] | None = None

    def load(self) -> tuple[Path, int] | None:
        """The transcript and turn number saved last, or None when there is none to trust."""
        if not self._plain_folder():
            return None
        data = _read_small(self.path)
        if data is None:
            return None
        try:
            saved = json.loads(data)
        except (ValueError, RecursionError):
            return None
        if not isinstance(saved, dict):
            return None
        relative, turn = saved.get("transcript"), saved.get("turn")
        if not isinstance(relative, str) or type(turn) is not int or not 1 <= turn <= MAX_TURN:
            return None
        if relative.startswith(("/", "\\")) or ".." in relative.replace("\\", "/").split("/"):
            return None
        self._saved = (relative, turn)
        return Path(os.path.normpath(self.root / relative)), turn

    def save(self, transcript: Path, turn: int) -> None:
        """Remember the position; best effort (a position is a convenience, never the coder's work)."""
        try:
            relative = Path(os.path.relpath(transcript.absolute(), self.root)).as_posix()
        except ValueError:
            return
        if relative.startswith("..") or (relative, turn) == self._saved:
            return
        try:
            if not self.folder.exists() and not self.folder.is_symlink():
                self.folder.mkdir(mode=0o700)
            if not self._plain_folder():
                return
            ignore = self.folder / ".gitignore"
            study_file = self.root / STUDY_FILE  # no file of this clone's state is more readable than the study's own
            if _read_small(ignore) != IGNORE_EVERYTHING:  # missing, or changed by someone: positions stay out of git
                atomic_write_text(ignore, IGNORE_EVERYTHING, study_file)
            atomic_write_text(self.path, json.dumps({"transcript": relative, "turn": turn}) + "\n", study_file)
        except OSError:
            return
        self._saved = (relative, turn)

    def _plain_folder(self) -> bool:
        """The state folder is a real folder of the study, not a link that could lead out of it."""
        try:
            return stat.S_ISDIR(os.lstat(self.folder).st_mode)
        except OSError:
            return False


def _read_small(path: Path) -> str | None:
    """A small plain file's text; None for anything else (missing, a link, a pipe, too large, not UTF-8)."""
    try:
        return read_plain_file(path, "position file", MAX_POSITION_BYTES).decode("utf-8")
    except (OSError, InvalidFileError, UnicodeDecodeError):
        return None
