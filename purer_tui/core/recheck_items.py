"""What may need recoding because a code's definition changed: the data a recheck shows and steps through.

A turn is *stale* for a code when the code's definition last changed in a commit
that came after the turn was coded with it (see `purer_tui.services.recheck`);
a turn carrying a code that was split (`split_into` in the codebook) waits to be
recoded with the codes it was split into. These types are plain data, shared by
`purer-tui recheck`, `purer-tui check` and the coding app's recheck mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from purer_tui.core.codebook import definition_fingerprint


@dataclass(frozen=True)
class CodeText:
    """What a coder applies a code by, as one version of the codebook wrote it."""

    label: str
    definition: str
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """The same eight hex digits as `Code.fingerprint` for the same text."""
        return definition_fingerprint(self.definition, self.include, self.exclude, self.examples)


@dataclass(frozen=True)
class DefinitionChange:
    """The commit in which a code's definition changed (or in which the code arrived, when `old` is None)."""

    code: str  # the code's id when it changed (renamed since, the change stays with it: see RecheckItem.code)
    commit: str  # the full commit id
    date: str  # YYYY-MM-DD, the commit's date
    subject: str  # the commit's first line
    old: CodeText | None
    new: CodeText


@dataclass(frozen=True)
class RecheckItem:
    """One coder's turn carrying a code that may need recoding."""

    transcript: Path
    coder: str
    turn: int
    code: str
    change: DefinitionChange | None  # None: the code was split (its codebook table names `split_into`)
    # What the turn was coded under, when known from history: the code as the codebook defined it at the commit
    # the coding was made, and its id then (another id when the coding came in by a rename or merge).
    coded_under: CodeText | None = None
    coded_as: str | None = None


@dataclass
class RecheckReport:
    """Every turn to recheck; whether the study's history could be read; notes for the reader."""

    items: list[RecheckItem] = field(default_factory=list)
    repository: bool = True  # False: the study is not in a git repository, so only split codes were looked at
    notes: list[str] = field(default_factory=list)
    # Each listed code's earlier ids (renames, newest first): a turn coded as one of them was renamed, as
    # another id (RecheckItem.coded_as) merged into the code.
    renamed_from: dict[str, list[str]] = field(default_factory=dict)
