"""Running git: one place that knows how to call it and how it fails."""

from __future__ import annotations

import subprocess
from pathlib import Path

from purer_tui.core.errors import PurerError


class GitError(PurerError):
    """git is missing, or a git command failed."""


def git(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace"
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH); install git to share a study") from None
    if check and result.returncode != 0:
        first = (result.stderr.strip().splitlines() or ["failed"])[0]
        raise GitError(f"git {args[0]}: {first}")
    return result


def git_bytes(args: list[str], cwd: Path) -> bytes | None:
    """A command's raw output (file contents from history), or None when it fails."""
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True)
    except FileNotFoundError:
        return None
    return result.stdout if result.returncode == 0 else None


def work_tree_of(start: Path) -> Path | None:
    """The top of the git work tree holding `start`, found without running git; None outside one."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None
