"""Starting the real `purer-tui code` process under a pseudo-terminal."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest


def terminal_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TEXTUAL")}
    env.pop("NO_COLOR", None)
    env.update(TERM="xterm-256color", COLUMNS="80", LINES="24", PYTHONUNBUFFERED="1")
    return env


_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


class Coding:
    """A running coding process and everything it has printed (raw, and as text without escape codes)."""

    def __init__(self, child: pexpect.spawn):
        self.child = child
        self.raw = ""
        self._seen = 0  # wait_for only looks at what came after the last match

    @property
    def text(self) -> str:
        return _ESCAPES.sub("", self.raw)

    def wait_for(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while True:
            found = self.text.find(text, self._seen)
            if found >= 0:
                self._seen = found + len(text)
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear; the screen ended with {self.text[-400:]!r}")
            try:
                self.raw += self.child.read_nonblocking(65536, timeout=0.2)
            except pexpect.TIMEOUT:
                pass

    def press(self, *keys: str) -> None:
        for key in keys:
            self.child.send(key)
            time.sleep(0.05)

    def wait_exit(self, timeout: float = 15) -> int | None:
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            try:
                self.raw += self.child.read_nonblocking(65536, timeout=0.2)
            except (pexpect.TIMEOUT, pexpect.EOF, OSError):
                pass
        assert not self.child.isalive(), "the process did not exit in time"
        return self.child.exitstatus if self.child.exitstatus is not None else -(self.child.signalstatus or 0)


@pytest.fixture
def start_coding() -> Iterator:
    children: list[pexpect.spawn] = []

    def start(*args: str, cwd: Path | None = None) -> Coding:
        child = pexpect.spawn(
            sys.executable,
            ["-m", "purer_tui", "code", *args],
            cwd=str(cwd) if cwd else None,
            env=terminal_env(),
            dimensions=(24, 80),
            encoding="utf-8",
            codec_errors="replace",
            timeout=20,
        )
        children.append(child)
        return Coding(child)

    yield start
    for child in children:
        try:
            if child.isalive():
                child.kill(9)
            child.close(force=True)
        except (pexpect.ExceptionPexpect, OSError):
            pass  # already reaped or closed by the test itself
