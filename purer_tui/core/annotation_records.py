"""The annotation record: one line of an annotation file, and the versions a merge conflict keeps.

One line per turn the coder has reviewed, sorted by turn, keys sorted,
compact, no timestamps, so that git diffs show exactly what changed and
merges rarely meet:

    {"anchor":"3f2a9c01bd","codes":["phenomenology"],"memo":"...","turn":12}

A turn with no line has not been reviewed; a line with `"codes":[]` was
reviewed and nothing applies. Agreement statistics depend on that difference.
A line may also hold a memo or a flag on a turn not reviewed yet
(`"reviewed":false`): a note is never a coding decision. `"rechecked"`
maps a code on the turn to the fingerprint of the definition the coder
confirmed it under (`purer-tui code --recheck`), when the code's definition
changed after the turn was first coded. `"suggested"` lists the codes
applied while the app showed them as suggested on the turn (from autocode's
queue or the local model), so agreement can be reported without them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

#: Codes confirmed under their current definition: (code id, definition fingerprint) pairs, sorted by code id.
Rechecked = tuple[tuple[str, str], ...]


def rechecked_for(rechecked: Rechecked, codes: tuple[str, ...]) -> Rechecked:
    """The confirmations that still apply: only those of codes the turn still carries."""
    if not rechecked:
        return ()
    carried = set(codes)
    return tuple(pair for pair in rechecked if pair[0] in carried)


def suggested_for(suggested: tuple[str, ...], codes: tuple[str, ...]) -> tuple[str, ...]:
    """The suggested codes the turn still carries, in the order of its codes."""
    if not suggested:
        return ()
    marked = set(suggested)
    return tuple(code for code in codes if code in marked)


@dataclass(frozen=True, slots=True)
class TurnVersion:
    """One side's state of a turn in a merge conflict: its codes, memo, anchor, review state and flag."""

    codes: tuple[str, ...] = ()
    memo: str = ""
    anchor: str | None = None
    reviewed: bool = True
    flag: bool = False
    rechecked: Rechecked = ()
    suggested: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"codes": list(self.codes)}
        _add_optional_fields(data, self.memo, self.anchor, self.reviewed, self.flag, self.rechecked, self.suggested)
        return data


def describe_version(version: TurnVersion | None, name_of: Callable[[str], str] = str) -> str:
    """One side of a merge conflict in a few words: its codes, "no code" or "not reviewed", and a flag."""
    if version is None or not version.reviewed:
        text = "not reviewed"
    else:
        text = ", ".join(name_of(code) for code in version.codes) or "no code"
    return text + (" (flagged)" if version is not None and version.flag else "")


def _add_optional_fields(
    data: dict[str, object],
    memo: str,
    anchor: str | None,
    reviewed: bool,
    flag: bool,
    rechecked: Rechecked,
    suggested: tuple[str, ...],
) -> None:
    """The fields written only when they say something: an old reader sees an old file unchanged."""
    if memo:
        data["memo"] = memo
    if anchor:
        data["anchor"] = anchor
    if not reviewed:
        data["reviewed"] = False
    if flag:
        data["flag"] = True
    if rechecked:
        data["rechecked"] = dict(rechecked)
    if suggested:
        data["suggested"] = list(suggested)


@dataclass(frozen=True, slots=True)
class Conflict:
    """Both sides of a turn that two merged branches changed differently (None: that side had no line for it).

    `more` holds the versions of a conflict that was itself merged again before
    being settled (a side that already carried both versions of an earlier
    merge): none of them may be lost, so they wait here for the coder too.
    """

    ours: TurnVersion | None
    theirs: TurnVersion | None
    more: tuple[TurnVersion, ...] = ()

    @property
    def versions(self) -> list[TurnVersion]:
        """Every version this conflict keeps, ours first."""
        return [version for version in (self.ours, self.theirs, *self.more) if version is not None]

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "ours": self.ours.as_json() if self.ours else None,
            "theirs": self.theirs.as_json() if self.theirs else None,
        }
        if self.more:
            data["more"] = [version.as_json() for version in self.more]
        return data


class AnnotationRecord(NamedTuple):
    """One turn's line: its codes (codebook order), an optional memo, the turn's anchor, review state and flag.

    `reviewed` is False only on a line that holds a memo or a flag for a turn
    the coder has not reviewed yet (its codes are then empty); `flag` marks a
    turn to come back to, reviewed or not. `conflict` is set only by the merge
    driver, on a turn that two branches changed differently; the record's own
    fields are then ours (or theirs, when we had no line for the turn) until the
    coder settles it. A named tuple: as immutable as a frozen dataclass and much
    cheaper to build, which counts when a study is read (900,000 records).
    """

    turn: int
    codes: tuple[str, ...] = ()
    memo: str = ""
    anchor: str | None = None
    conflict: Conflict | None = None
    reviewed: bool = True
    flag: bool = False
    rechecked: Rechecked = ()
    suggested: tuple[str, ...] = ()  # the codes applied by accepting a suggestion (a subset of codes)

    @property
    def version(self) -> TurnVersion:
        return TurnVersion(self.codes, self.memo, self.anchor, self.reviewed, self.flag, self.rechecked, self.suggested)

    @classmethod
    def from_version(cls, turn: int, version: TurnVersion, conflict: Conflict | None = None) -> AnnotationRecord:
        return cls(
            turn,
            version.codes,
            version.memo,
            version.anchor,
            conflict,
            version.reviewed,
            version.flag,
            version.rechecked,
            version.suggested,
        )

    @property
    def settled_review(self) -> bool:
        """Reviewed, not flagged and not in a merge conflict: a decision agreement and consensus can count."""
        return self.reviewed and not self.flag and self.conflict is None

    def to_json_line(self) -> str:
        data: dict[str, object] = {"codes": list(self.codes), "turn": self.turn}
        _add_optional_fields(data, self.memo, self.anchor, self.reviewed, self.flag, self.rechecked, self.suggested)
        if self.conflict:
            data["conflict"] = self.conflict.as_json()
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
