"""Coder locks: one coding process per coder and transcript.

Two `purer-tui code` processes for the same coder would each keep their own
view of the annotation file and overwrite each other's work. Each holds a
hidden lock file beside the annotations (`.X.ana.lock`) naming its PID and
host; a lock whose process is gone (same host, PID not running) is stale and
taken over. Different coders never share a lock, so they work side by side.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from purer_tui.core.errors import PurerError

LOCK_SUFFIX = ".lock"


def lock_path(annotation_path: Path) -> Path:
    """`X.ana.jsonl` -> `.X.ana.lock`."""
    return annotation_path.with_name(f".{annotation_path.name.removesuffix('.jsonl')}{LOCK_SUFFIX}")


class LockedError(PurerError):
    """Another live process holds the lock."""


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _younger_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime < seconds
    except OSError:
        return False


class CoderLocks:
    """The locks of one coding session, taken together and released together."""

    def __init__(self) -> None:
        self._held: list[Path] = []
        self._me = {"pid": os.getpid(), "host": socket.gethostname()}

    @property
    def held(self) -> list[Path]:
        return list(self._held)

    def acquire(self, annotation_path: Path) -> None:
        """Take the lock for one annotation file, or raise `LockedError` naming the holder."""
        path = lock_path(annotation_path)
        if path in self._held:
            return
        for _ in range(2):  # a second try after clearing a stale lock
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = self._holder(path)
                if holder is not None and holder.get("pid") == self._me["pid"] and holder.get("host") == self._me["host"]:
                    self._held.append(path)
                    return
                if holder is None and _younger_than(path, seconds=2.0):
                    holder = {"pid": "?", "host": "this machine"}  # being written by its owner right now
                if holder is not None and (holder.get("pid") == "?" or self._is_live(holder)):
                    raise LockedError(
                        f"{annotation_path.name} is being coded by another purer-tui process "
                        f"(PID {holder['pid']} on {holder['host']}); close it first, "
                        f"or delete {path.name} if that process is gone",
                        path,
                    ) from None
                path.unlink(missing_ok=True)
                continue
            except PermissionError:
                raise PurerError("cannot create a lock file here: the folder is read-only; coding needs write access", path) from None
            with os.fdopen(descriptor, "w") as handle:
                json.dump(self._me, handle)
                handle.flush()
                os.fsync(handle.fileno())
            self._held.append(path)
            return
        raise LockedError("could not take the coding lock; try again", path)

    def release(self) -> None:
        """Remove every lock this session took (only those that are still ours)."""
        for path in self._held:
            holder = self._holder(path)
            if holder is not None and holder.get("pid") == self._me["pid"]:
                path.unlink(missing_ok=True)
        self._held.clear()

    def _is_live(self, holder: dict[str, object]) -> bool:
        pid = holder.get("pid")
        if not isinstance(pid, int):
            return False
        if holder.get("host") != self._me["host"]:
            return True  # cannot tell for another machine: assume it is live
        return _process_alive(pid)

    @staticmethod
    def _holder(path: Path) -> dict[str, object] | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None
