"""Coder locks: a second process for the same coder and transcript is refused; stale locks are taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from purer_tui.core.lock import CoderLocks, LockedError, lock_path


def test_lock_file_sits_hidden_beside_the_annotations(tmp_path: Path) -> None:
    assert lock_path(tmp_path / "s1.ana.jsonl") == tmp_path / ".s1.ana.lock"


def test_a_live_holder_is_named_and_refused(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock_path(tmp_path / "s1.ana.jsonl").write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname()}))
        with pytest.raises(LockedError, match=f"PID {holder.pid}"):
            CoderLocks().acquire(tmp_path / "s1.ana.jsonl")
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_is_taken_over(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path = lock_path(tmp_path / "s1.ana.jsonl")
    path.write_text(json.dumps({"pid": int(finished.stdout), "host": socket.gethostname()}))
    os.utime(path, (0, 0))
    locks = CoderLocks()
    locks.acquire(tmp_path / "s1.ana.jsonl")
    assert json.loads(path.read_text())["pid"] == os.getpid()
    locks.release()
    assert not path.exists()


def test_different_coders_do_not_share_locks(tmp_path: Path) -> None:
    ana, ben = CoderLocks(), CoderLocks()
    ana.acquire(tmp_path / "s1.ana.jsonl")
    ben.acquire(tmp_path / "s1.ben.jsonl")
    assert len(ana.held) == len(ben.held) == 1


def test_a_lock_on_another_host_is_respected(tmp_path: Path) -> None:
    lock_path(tmp_path / "s1.ana.jsonl").write_text(json.dumps({"pid": 1, "host": "elsewhere.example"}))
    with pytest.raises(LockedError, match="on elsewhere.example"):
        CoderLocks().acquire(tmp_path / "s1.ana.jsonl")
