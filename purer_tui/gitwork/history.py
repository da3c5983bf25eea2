"""Earlier versions of a transcript, from the study's git history (read in memory, never copied to disk)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from purer_tui.core.errors import PurerError
from purer_tui.core.transcript import Transcript, decode_transcript, parse_transcript
from purer_tui.gitwork.repository import git, git_bytes, work_tree_of

MAX_VERSIONS = 50


def earlier_versions(path: Path) -> Iterator[Transcript]:
    """The transcript as committed, newest first (HEAD, then older commits that changed it)."""
    top = work_tree_of(path.parent)
    if top is None:
        return
    relative = path.absolute().relative_to(top).as_posix()
    try:
        log = git(["log", f"--max-count={MAX_VERSIONS}", "--format=%H", "--", relative], cwd=top, check=False).stdout
    except PurerError:
        return
    for revision in log.split():
        data = git_bytes(["show", f"{revision}:{relative}"], cwd=top)
        if data is None:
            continue
        try:
            yield parse_transcript(decode_transcript(data, path), path)
        except PurerError:
            continue
