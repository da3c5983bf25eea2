"""Every committed version of a study's codebook, read from git objects in memory (never checked out).

Bounded: at most MAX_COMMITS commits, a version over MAX_CODEBOOK_BYTES is
not read, and a version that does not parse is skipped (counted, so the
reader can be told). Versions are read leniently (raw tables, see
core.codebook_changes), each distinct blob once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from purer_tui.core.codebook_changes import CodebookRevision, CodeEntries, code_entries
from purer_tui.core.errors import PurerError
from purer_tui.core.toml_files import parse_toml
from purer_tui.gitwork.repository import MAX_COMMITS, blobs_at, followed_log, iter_blobs

MAX_CODEBOOK_BYTES = 4 * 1024 * 1024
#: Bytes of codebook versions read in all: a real codebook's whole history is a few MiB; a pushed history of
#: thousands of huge versions is read this far, and the rest counted as unreadable.
MAX_CODEBOOK_HISTORY_BYTES = 128 * 1024 * 1024

#: A version that could not be read (too large, not TOML), told apart (by identity) from "no codebook" (None).
UNREADABLE: CodeEntries = MappingProxyType({})


@dataclass
class CodebookHistory:
    revisions: list[CodebookRevision] = field(default_factory=list)  # oldest first
    skipped: int = 0  # versions that were too large or did not parse
    cut: bool = False  # the codebook changed in more than MAX_COMMITS commits: only the newest were read


class CodebookReader:
    """Reads versions of one codebook file (its path relative to the work tree's top), each distinct blob once."""

    def __init__(self, top: Path, relative: str, names: Sequence[str] | None = None):
        """`names`: the paths the codebook had, newest first (default: found by following it back in git)."""
        self.top = top
        self.relative = relative
        self.names = list(names) if names is not None else followed_log(self.top, relative)[1]
        self._parsed: dict[str, CodeEntries] = {}

    def at(self, commits: Iterable[str]) -> dict[str, CodeEntries | None]:
        """The codebook at each commit: its codes, None where the commit has none, or UNREADABLE. A commit from
        before the codebook was moved has it under its former name."""
        blob_of: dict[str, str | None] = {}
        left = list(dict.fromkeys(commits))
        for name in self.names:
            found = blobs_at(self.top, left, name)
            blob_of.update(found)
            left = [commit for commit in left if found.get(commit) is None]
            if not left:
                break
        missing = [blob for blob in set(blob_of.values()) if blob is not None and blob not in self._parsed]
        for blob, data in iter_blobs(self.top, missing, MAX_CODEBOOK_BYTES, MAX_CODEBOOK_HISTORY_BYTES):
            self._parsed[blob] = self._parse(data)
        return {commit: self._parsed.get(blob, UNREADABLE) if blob else None for commit, blob in blob_of.items()}

    def _parse(self, data: bytes | None) -> CodeEntries:
        if data is None:
            return UNREADABLE
        try:
            document = parse_toml(data, Path(self.relative), "codebook")
        except PurerError:
            return UNREADABLE
        return code_entries(document.data)


def read_codebook_history(top: Path, relative: str, limit: int = MAX_COMMITS) -> CodebookHistory:
    """The commits of HEAD's history that changed the codebook at `relative`, oldest first, each with the
    codebook at the commit and at its parents."""
    commits, names = followed_log(top, relative, limit)  # followed across moves; none in a new repository
    reader = CodebookReader(top, relative, names)
    versions = reader.at([commit.sha for commit in commits] + [p for commit in commits for p in commit.parents])
    history = CodebookHistory(cut=len(commits) >= limit)
    last_readable: CodeEntries | None = None
    for commit in reversed(commits):
        codes = versions.get(commit.sha)
        if codes is None:
            continue  # the commit deleted the codebook: a later one that adds it again starts afresh
        if codes is UNREADABLE:
            history.skipped += 1
            continue
        parents: list[CodeEntries | None] = []
        for parent in commit.parents:
            version = versions.get(parent)
            parents.append(last_readable if version is UNREADABLE else version)
        history.revisions.append(CodebookRevision(commit.sha, commit.day, commit.subject, codes, tuple(parents)))
        last_readable = codes
    return history
