"""The user-facing error family: problems in files people wrote, told as `path:line: message`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def display_path(path: Path | str) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    text = os.fspath(path)
    try:
        relative = os.path.relpath(text)
    except ValueError:  # another drive on Windows
        return text
    return text if relative.startswith("..") else relative


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, at one line when the line is known."""

    path: Path
    line: int | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = display_path(self.path)
        if self.line:
            where = f"{where}:{self.line}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class PurerError(Exception):
    """Base of every error meant for a person rather than a developer.

    The command line prints these as one line and exits non-zero; anything
    else that escapes is a bug.
    """

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        return str(Problem(self.path, self.line, self.message))


class InvalidFileError(PurerError):
    """A file the user gave could not be read or does not follow its format.

    Carries every problem found, so `check` can list them all and other
    commands can show the first.
    """

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        super().__init__(first.message, first.path, first.line)
        self.problems = problems


class UsageError(PurerError):
    """The command was asked for something that cannot be done (exit status 2)."""
