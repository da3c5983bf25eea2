"""Leaving cleanly when the terminal goes away.

An SSH drop sends SIGHUP (or closes the pty). Textual does not handle SIGHUP
itself, and once the terminal is gone its output thread dies with EIO and the
normal shutdown can block forever waiting on it. So on SIGHUP or SIGTERM the
app is asked to exit, and a watchdog thread finishes the job if it has not
exited within a few seconds: it runs the same cleanup (fold journals in,
release locks) and ends the process. Nothing is lost either way: every change
was already fsynced when it was shown.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from textual.app import App

GRACE_SECONDS = 3.0


class Cleanup:
    """Runs a cleanup once, from whichever thread gets there first."""

    def __init__(self, work: Callable[[], None]):
        self._work = work
        self._lock = threading.Lock()
        self._done = False

    def __call__(self, timeout: float = -1) -> None:
        if not self._lock.acquire(timeout=timeout):
            return
        try:
            if not self._done:
                self._done = True
                self._work()
        finally:
            self._lock.release()


def install_hangup_handling(
    app: App[Any], cleanup: Cleanup, grace_seconds: float = GRACE_SECONDS, before_exit: Callable[[], None] | None = None
) -> None:
    """On SIGHUP or SIGTERM: save what is on screen (`before_exit`), exit the app now, and make sure
    the process ends soon after."""
    loop = asyncio.get_running_loop()
    started = threading.Event()

    def watchdog() -> None:
        threading.Event().wait(grace_seconds)
        cleanup(timeout=grace_seconds)
        os._exit(0)

    def on_signal() -> None:
        if not started.is_set():
            started.set()
            threading.Thread(target=watchdog, name="purer-exit-watchdog", daemon=True).start()
            if before_exit is not None:
                before_exit()  # on the app's own loop: nothing else touches the session meanwhile
        app.exit()

    for signum in (signal.SIGHUP, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
