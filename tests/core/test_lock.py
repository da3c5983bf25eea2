"""Coder locks: a second process for the same coder and transcript is refused; a lock nobody holds is taken.

The lock is an `fcntl.flock` on the lock file; the JSON inside only names the holder.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from purer_tui.core.lock import CoderLocks, LockedError, lock_path
from tests.conftest import write

HOLD = textwrap.dedent(
    """
    import fcntl, json, os, sys, time
    descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    os.write(descriptor, json.dumps({"pid": os.getpid(), "host": "here"}).encode())
    print("held", flush=True)
    time.sleep(30)
    """
)


def test_lock_file_sits_hidden_beside_the_annotations(tmp_path: Path) -> None:
    assert lock_path(tmp_path / "s1.ana.jsonl") == tmp_path / ".s1.ana.lock"


def test_a_live_holder_is_named_and_refused(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock_path(tmp_path / "s1.ana.jsonl"))], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(LockedError, match=f"PID {holder.pid} on here"):
            CoderLocks().acquire(tmp_path / "s1.ana.jsonl")
    finally:
        holder.kill()
        holder.wait()
    locks = CoderLocks()  # the holder died: the kernel let go of its lock
    locks.acquire(tmp_path / "s1.ana.jsonl")
    locks.release()


@pytest.mark.parametrize(
    "named",
    [
        "finished",  # a process that has exited
        "reused",  # a PID now used by another, live process (this test's own parent)
        "elsewhere",  # another host: without the lock held, the file is only a stale note
    ],
)
def test_a_lock_file_nobody_holds_is_taken_over(tmp_path: Path, named: str) -> None:
    if named == "finished":
        pid, host = (
            int(
                subprocess.run(
                    [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
                ).stdout
            ),
            socket.gethostname(),
        )
    elif named == "reused":
        pid, host = os.getppid(), socket.gethostname()
    else:
        pid, host = 1, "elsewhere.example"
    path = lock_path(tmp_path / "s1.ana.jsonl")
    path.write_text(json.dumps({"pid": pid, "host": host}))
    locks = CoderLocks()
    locks.acquire(tmp_path / "s1.ana.jsonl")
    assert json.loads(path.read_text())["pid"] == os.getpid()
    locks.release()
    assert not path.exists()


def test_processes_racing_for_a_stale_lock_get_one_holder(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "s1.ana.jsonl")
    path.write_text(json.dumps({"pid": 999_999_999, "host": socket.gethostname()}))
    race = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from purer_tui.core.lock import CoderLocks, LockedError
        locks = CoderLocks()
        try:
            locks.acquire(Path(sys.argv[1]))
        except LockedError:
            print("refused", flush=True)
        else:
            print("holder", flush=True)
            time.sleep(1)
        """
    )
    for _ in range(3):
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", race, str(tmp_path / "s1.ana.jsonl")], stdout=subprocess.PIPE, text=True
            )
            for _ in range(4)
        ]
        results = [racer.communicate(timeout=60)[0].strip() for racer in racers]
        assert results.count("holder") == 1, results


def test_different_coders_do_not_share_locks(tmp_path: Path) -> None:
    ana, ben = CoderLocks(), CoderLocks()
    ana.acquire(tmp_path / "s1.ana.jsonl")
    ben.acquire(tmp_path / "s1.ben.jsonl")
    assert len(ana.held) == len(ben.held) == 1
    ana.release()
    ben.release()


def test_a_lock_file_is_never_more_readable_than_its_transcript(tmp_path: Path) -> None:
    transcript = write(tmp_path / "s1.txt", "A: hi\n")
    transcript.chmod(0o600)
    locks = CoderLocks()
    locks.acquire(tmp_path / "s1.ana.jsonl")
    assert lock_path(tmp_path / "s1.ana.jsonl").stat().st_mode & 0o077 == 0
    locks.release()


def test_a_link_named_like_a_lock_file_is_refused(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "target", "x")
    lock_path(tmp_path / "s1.ana.jsonl").symlink_to(outside)
    with pytest.raises(Exception, match="is a link"):
        CoderLocks().acquire(tmp_path / "s1.ana.jsonl")
    assert outside.read_text() == "x"
