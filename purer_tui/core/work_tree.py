"""Where a study's git work tree begins: found by looking for `.git`, without running git.

Used by the history commands (through `purer_tui.gitwork`) and by output writing, which refuses links
anywhere in the repository a teammate can push to, not only in the study's own folder.
"""

from __future__ import annotations

from pathlib import Path


def work_tree_of(start: Path) -> Path | None:
    """The top of the git work tree holding `start`, found without running git; None outside one."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None
