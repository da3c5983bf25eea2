"""Reports of unexpected errors (bugs), written where only the user can read them, without their data.

A traceback's frames name files, lines and functions of purer-tui's own code;
the exception's message and the values of variables can hold transcript
text, memos or speaker names, so they are left out. The report goes to the
user's private state folder (`$XDG_STATE_HOME/purer-tui`, else
`~/.local/state/purer-tui`, mode 0700, files 0600): never /tmp, never the study.
"""

from __future__ import annotations

import os
import platform
import time
import traceback
from pathlib import Path

from purer_tui import __version__
from purer_tui.core.user_state import state_folder


def crash_folder() -> Path:
    return state_folder()


def write_crash_report(error: BaseException) -> Path | None:
    """Write a report of `error` and return its path (None when even that fails)."""
    lines = [f"purer-tui {__version__}, Python {platform.python_version()}, {platform.system()}", ""]
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__ or _wrapped(current)
    for index, exception in enumerate(reversed(chain)):
        if index:
            lines.append("\nwhile handling the above, another error happened:\n")
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(exception.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line}")
        kind = type(exception)
        lines.append(f"{kind.__module__}.{kind.__qualname__} (message left out: it may hold study data)")
    try:
        folder = crash_folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        return path
    except OSError:
        return None


def _wrapped(error: BaseException) -> BaseException | None:
    """The error another one carries (Textual's WorkerFailed holds the worker's own error as `.error`)."""
    inner = getattr(error, "error", None)
    return inner if isinstance(inner, BaseException) else None


def crash_message(error: BaseException, report: Path | None) -> str:
    where = f"a report without your data is in {report}" if report else "no report could be written"
    return (
        f"purer-tui: unexpected internal error ({type(error).__name__}); your saved work is safe; {where}. "
        "Run with PURER_DEBUG=1 to see the details."
    )
