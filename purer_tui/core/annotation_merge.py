"""A three-way merge of one coder's annotations, turn by turn: what git's merge driver and a reload
after `git pull` share.

Each turn is merged on its own: a turn changed on one side only takes that
side; a turn changed the same way on both sides is kept once; a turn changed
differently on both sides becomes a conflict record that keeps both versions
(see `Conflict`), so the file still parses and nothing either side wrote is
lost. A side that is itself an unsettled conflict brings every version it
holds along.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from purer_tui.core.annotation_records import AnnotationRecord, Conflict, TurnVersion


@dataclass
class MergeResult:
    records: dict[int, AnnotationRecord] = field(default_factory=dict)
    conflicts: list[int] = field(default_factory=list)

    def render(self) -> str:
        return "".join(self.records[turn].to_json_line() + "\n" for turn in sorted(self.records))


def merge_records(
    base: Mapping[int, AnnotationRecord], ours: Mapping[int, AnnotationRecord], theirs: Mapping[int, AnnotationRecord]
) -> MergeResult:
    result = MergeResult()
    for turn in sorted(set(base) | set(ours) | set(theirs)):
        original, mine, other = base.get(turn), ours.get(turn), theirs.get(turn)
        if mine == other:
            chosen = mine
        elif mine == original:
            chosen = other
        elif other == original:
            chosen = mine
        elif (same := same_but_suggested(mine, other)) is not None:
            chosen = same
        else:
            chosen = conflict_record(turn, mine, other)
            result.conflicts.append(turn)
        if chosen is not None:
            result.records[turn] = chosen
    return result


def same_but_suggested(mine: AnnotationRecord | None, other: AnnotationRecord | None) -> AnnotationRecord | None:
    """Both sides decided the turn alike and differ only in which codes came from a suggestion: no conflict. A code
    stays marked only where both sides marked it (a side that applied it unprompted made the decision itself, as
    settling a conflict with --both counts it)."""
    if mine is None or other is None or mine.conflict is not None or other.conflict is not None:
        return None
    if mine._replace(suggested=()) != other._replace(suggested=()):
        return None
    both = set(mine.suggested) & set(other.suggested)
    return mine._replace(suggested=tuple(code for code in mine.codes if code in both))


def conflict_record(turn: int, mine: AnnotationRecord | None, other: AnnotationRecord | None) -> AnnotationRecord:
    """A turn both sides changed differently, keeping every version either side holds; ours is shown until settled."""
    ours = mine.version if mine else None
    theirs = other.version if other else None
    shown = ours or theirs
    assert shown is not None  # both None would have been equal
    kept = [version for version in (ours, theirs) if version is not None]
    more: list[TurnVersion] = []
    for side in (mine, other):
        if side is not None and side.conflict is not None:
            for version in side.conflict.versions:
                if version not in kept and version not in more:
                    more.append(version)
    # A fixed order whichever side merges: both clones end with the same bytes.
    more.sort(key=lambda version: json.dumps(version.as_json(), sort_keys=True))
    return AnnotationRecord.from_version(turn, shown, Conflict(ours, theirs, tuple(more)))
