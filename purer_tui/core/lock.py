"""Coder locks: one coding process per coder and transcript.

Two `purer-tui code` processes for the same coder would each keep their own
view of the annotation file and overwrite each other's work. Each holds an
`fcntl.flock` on a hidden lock file beside the annotations (`.X.ana.lock`):
the kernel releases it when the process dies however it dies, so a stale
lock is never mistaken for a live one (nor a reused PID for its holder), and
two processes racing for a lock cannot both get it. The JSON inside only
says who holds it (PID and host), for the message another process shows.
Different coders never share a lock, so they work side by side.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from pathlib import Path

from purer_tui.core.errors import InvalidFileError, PurerError
from purer_tui.core.safe_text import one_line
from purer_tui.core.study_files import open_for_writing, transcript_beside

LOCK_SUFFIX = ".lock"
#: Attempts to lock a file that its holder is releasing (it unlinks the file, then lets go).
_ATTEMPTS = 5


def lock_path(annotation_path: Path) -> Path:
    """`X.ana.jsonl` -> `.X.ana.lock`."""
    return annotation_path.with_name(f".{annotation_path.name.removesuffix('.jsonl')}{LOCK_SUFFIX}")


class LockedError(PurerError):
    """Another live process holds the lock."""


class CoderLocks:
    """The locks of one coding session: each taken when its transcript is opened, let go when it is left,
    all at the end."""

    def __init__(self) -> None:
        self._held: dict[Path, int] = {}  # lock file -> the descriptor that holds its flock
        self._me = {"pid": os.getpid(), "host": socket.gethostname()}

    @property
    def held(self) -> list[Path]:
        return list(self._held)

    def acquire(self, annotation_path: Path) -> None:
        """Take the lock for one annotation file, or raise `LockedError` naming the holder."""
        path = lock_path(annotation_path)
        if path in self._held:
            return
        for _ in range(_ATTEMPTS):
            try:
                descriptor, _ = open_for_writing(path, os.O_RDWR, transcript_beside(annotation_path))
            except PermissionError:
                raise PurerError(
                    "cannot create a lock file here: the folder is read-only; coding needs write access", path
                ) from None
            except InvalidFileError:
                raise
            except OSError as error:
                raise PurerError(f"cannot create the coding lock: {error.strerror or error}", path) from None
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(descriptor)
                os.close(descriptor)
                coder = annotation_path.name.removesuffix(".jsonl").rpartition(".")[2]
                raise LockedError(
                    f"is being coded by another purer-tui process as {coder} "
                    f"(PID {holder.get('pid', '?')} on {holder.get('host', 'this machine')}); close it there first",
                    transcript_beside(annotation_path) or annotation_path,
                ) from None
            if not _still_at(descriptor, path):  # its holder released it meanwhile: lock the file now there
                os.close(descriptor)
                continue
            _say_who(descriptor, self._me)
            self._held[path] = descriptor
            return
        raise LockedError("could not take the coding lock; try again", path)

    def release_one(self, annotation_path: Path) -> None:
        """Let go of the lock for one annotation file (its transcript is left), when held."""
        path = lock_path(annotation_path)
        descriptor = self._held.pop(path, None)
        if descriptor is not None:
            _let_go(path, descriptor)

    def release(self) -> None:
        """Remove every lock file this session holds, then let go of the locks."""
        for path, descriptor in self._held.items():
            _let_go(path, descriptor)
        self._held.clear()


def _let_go(path: Path, descriptor: int) -> None:
    try:
        path.unlink(missing_ok=True)  # while still locked: nobody can take the old file meanwhile
    except OSError:
        pass
    os.close(descriptor)


def _still_at(descriptor: int, path: Path) -> bool:
    try:
        return os.fstat(descriptor).st_ino == os.lstat(path).st_ino
    except OSError:
        return False


def _say_who(descriptor: int, me: dict[str, object]) -> None:
    """Write who holds the lock; only a courtesy for other processes' messages, so a full disk is no failure."""
    try:
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps(me).encode("utf-8"), 0)
        os.fsync(descriptor)
    except OSError:
        pass


def _holder(descriptor: int) -> dict[str, object]:
    try:
        data = json.loads(os.pread(descriptor, 4096, 0).decode("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    # Shown to the user: only a number and a short host name, never whatever else the file holds.
    pid = data.get("pid")
    host = data.get("host")
    return {
        "pid": pid if isinstance(pid, int) else "?",
        "host": one_line(host[:64]) if isinstance(host, str) else "this machine",
    }
