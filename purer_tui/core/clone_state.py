"""This clone's own state of a study: the `.purer/` folder, never shared through git.

It holds what belongs to one working copy, not to the team: where each coder
last was, and the study index (counts kept so that opening a large study does
not read all of it). The folder ignores itself in git (it holds a `.gitignore`
of `*`). Like everything in a study it may still have come from someone
else's branch, so nothing read from it is trusted: a link, a pipe or a file
over its bound reads as nothing, and callers check what they read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from purer_tui.core.durable import atomic_write_text
from purer_tui.core.errors import InvalidFileError
from purer_tui.core.study import STUDY_FILE
from purer_tui.core.study_files import read_plain_file

STATE_FOLDER = ".purer"
IGNORE_EVERYTHING = "# purer-tui: this clone's own state (where each coder last was, the study index); never shared\n*\n"


class CloneState:
    """The state folder of one study, read and written as small files by name."""

    def __init__(self, study_root: Path):
        self.root = study_root.absolute()
        self.folder = self.root / STATE_FOLDER

    def read(self, name: str, limit: int) -> str | None:
        """A state file's text; None for anything else (missing, a link, a pipe, over `limit` bytes, not UTF-8)."""
        if not self._plain_folder():
            return None
        try:
            return read_plain_file(self.folder / name, "state file", limit).decode("utf-8")
        except (OSError, InvalidFileError, UnicodeDecodeError):
            return None

    def write(self, name: str, text: str) -> bool:
        """Replace a state file atomically; best effort (state is a convenience, never the coder's work)."""
        try:
            if not self.folder.exists() and not self.folder.is_symlink():
                self.folder.mkdir(mode=0o700)
            if not self._plain_folder():
                return False
            self._narrow_folder()
            study_file = self.root / STUDY_FILE  # no file of this clone's state is more readable than the study's own
            if self.read(".gitignore", 4096) != IGNORE_EVERYTHING:  # missing, or changed by someone: state stays out of git
                atomic_write_text(self.folder / ".gitignore", IGNORE_EVERYTHING, study_file, keep_mode=False)
            # A pull may have brought a file of this name, with whatever mode: ours is narrowed afresh.
            atomic_write_text(self.folder / name, text, study_file, keep_mode=False)
        except OSError:
            return False
        return True

    def _narrow_folder(self) -> None:
        """The folder is this user's alone, even when a pull created it (git makes folders 0755)."""
        status = os.lstat(self.folder)
        if status.st_uid == os.geteuid() and stat.S_IMODE(status.st_mode) & 0o077:
            os.chmod(self.folder, 0o700)

    def _plain_folder(self) -> bool:
        """The state folder is a real folder of the study, not a link that could lead out of it."""
        try:
            return stat.S_ISDIR(os.lstat(self.folder).st_mode)
        except OSError:
            return False
