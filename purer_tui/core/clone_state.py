"""This clone's own state of a study: the `.purer/` folder, never shared through git.

It holds what belongs to one working copy, not to the team: where each coder
last was, the study index (counts kept so that opening a large study does
not read all of it), and in `cache/` the similarity cache (each transcript's
words, so that "turns like this one" does not parse the whole study). The
folder ignores itself in git (it holds a `.gitignore` of `*`). Like
everything in a study it may still have come from someone else's branch, so
nothing read from it is trusted: a link, a pipe or a file over its bound
reads as nothing, and callers check what they read.

Every file is read and written relative to the folder opened once without
following links, so swapping the folder for a link meanwhile cannot send a
read or a write out of the study. Files written here are no more readable
than the study file (nor than the file named as their reference: a cache of a
transcript's words than the transcript), whatever mode a pull gave the one
they replace.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from purer_tui.core.annotation_parsing import MAX_TURN
from purer_tui.core.durable import narrow_mode
from purer_tui.core.study import STUDY_FILE

STATE_FOLDER = ".purer"
IGNORE_EVERYTHING = (
    "# purer-tui: this clone's own state (where each coder last was, the study index); never shared\n*\n"
)
#: The subfolder of caches that can be rebuilt from the study at any time.
CACHE_FOLDER = "cache"
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK


class CloneState:
    """The state folder of one study (or one subfolder of it, like `cache`), read and written as small files
    by name."""

    def __init__(self, study_root: Path, subfolder: str | None = None):
        self.root = study_root.absolute()
        self.folder = self.root / STATE_FOLDER
        self.subfolder = subfolder

    def _open(self) -> int:
        """The folder's descriptor, each step opened without following a link."""
        folder = os.open(self.folder, _FOLDER_FLAGS)
        if self.subfolder is None:
            return folder
        try:
            return os.open(self.subfolder, _FOLDER_FLAGS, dir_fd=folder)
        finally:
            os.close(folder)

    def read(self, name: str, limit: int) -> str | None:
        """A state file's text; None for anything else (missing, a link, a pipe, over `limit` bytes, not UTF-8)."""
        try:
            folder = self._open()
        except OSError:
            return None
        try:
            return _read_at(folder, name, limit)
        finally:
            os.close(folder)

    def read_turn_place(self, name: str, limit: int, root: Path) -> tuple[dict[str, object], str, Path, int] | None:
        """A state file that names a transcript (a path relative to the study `root`, never out of it) and a turn:
        its JSON object, the transcript as written and as a path, and the turn; None for anything else, as `read`."""
        data = self.read(name, limit)
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
        return saved, relative, Path(os.path.normpath(root / relative)), turn

    def write(self, name: str, text: str, reference: Path | None = None) -> bool:
        """Replace a state file atomically; best effort (state is a convenience, never the coder's work).

        The file is no more readable than the study file, nor than `reference` when given."""
        try:
            if not os.path.lexists(self.folder):
                self.folder.mkdir(mode=0o700)
            folder = os.open(self.folder, _FOLDER_FLAGS)
        except OSError:
            return False
        try:
            _keep_private(folder)
            if _read_at(folder, ".gitignore", 4096) != IGNORE_EVERYTHING:  # missing, or changed: state stays out of git
                self._write_at(folder, ".gitignore", IGNORE_EVERYTHING, None)
            if self.subfolder is not None:
                try:
                    os.mkdir(self.subfolder, 0o700, dir_fd=folder)
                except FileExistsError:
                    pass
                inner = os.open(self.subfolder, _FOLDER_FLAGS, dir_fd=folder)
                os.close(folder)
                folder = inner
                _keep_private(folder)
            self._write_at(folder, name, text, reference)
        except OSError:
            return False
        finally:
            os.close(folder)
        return True

    def names(self, prefix: str) -> list[str]:
        """The names of the state files that start with `prefix` (none when the folder is missing or a link)."""
        try:
            folder = self._open()
        except OSError:
            return []
        try:
            return sorted(name for name in os.listdir(folder) if name.startswith(prefix))
        except OSError:
            return []
        finally:
            os.close(folder)

    def remove(self, name: str) -> bool:
        """Delete a state file; best effort (False when it could not be: already gone, or the folder is not ours)."""
        try:
            folder = self._open()
        except OSError:
            return False
        try:
            os.unlink(name, dir_fd=folder)
            os.fsync(folder)
        except OSError:
            return False
        finally:
            os.close(folder)
        return True

    def _write_at(self, folder: int, name: str, text: str, reference: Path | None) -> None:
        temporary = f".{name}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=folder)
        try:
            try:
                # no file here more readable than the study's own, nor than the transcript it holds words of
                narrow_mode(descriptor, [self.root / STUDY_FILE, *([] if reference is None else [reference])])
                view = memoryview(text.encode("utf-8"))
                while view:
                    view = view[os.write(descriptor, view) :]
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            try:
                os.unlink(temporary, dir_fd=folder)
            except OSError:
                pass
            raise
        os.fsync(folder)


def _keep_private(folder: int) -> None:
    status = os.fstat(folder)
    if status.st_uid == os.geteuid() and stat.S_IMODE(status.st_mode) & 0o077:
        os.fchmod(folder, 0o700)  # this user's alone, even when a pull created it (git makes folders 0755)


def _read_at(folder: int, name: str, limit: int) -> str | None:
    try:
        descriptor = os.open(name, _READ_FLAGS, dir_fd=folder)
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return None
        data = os.read(descriptor, limit + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
