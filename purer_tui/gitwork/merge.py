"""A three-way merge of annotation files, keyed by turn (git's `merge=purer` driver).

Git's line merge conflicts when two branches change neighbouring lines (two
turns next to each other), and `merge=union` duplicates and reorders records.
Here each turn is merged on its own: a turn changed on one side only takes
that side; a turn changed the same way on both sides is kept once; a turn
changed differently on both sides becomes a conflict record that keeps both
versions (see `AnnotationRecord.conflict`), so the file still parses and
nothing either side wrote is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from purer_tui.core.annotations import (
    AnnotationRecord,
    Conflict,
    parse_annotations,
    read_annotation_text,
)
from purer_tui.core.errors import InvalidFileError


@dataclass
class MergeResult:
    records: dict[int, AnnotationRecord] = field(default_factory=dict)
    conflicts: list[int] = field(default_factory=list)

    def render(self) -> str:
        return "".join(self.records[turn].to_json_line() + "\n" for turn in sorted(self.records))


def merge_records(
    base: dict[int, AnnotationRecord], ours: dict[int, AnnotationRecord], theirs: dict[int, AnnotationRecord]
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
        else:
            chosen = _conflict(turn, mine, other)
            result.conflicts.append(turn)
        if chosen is not None:
            result.records[turn] = chosen
    return result


def _conflict(turn: int, mine: AnnotationRecord | None, other: AnnotationRecord | None) -> AnnotationRecord:
    # A side that is itself an unsettled conflict contributes its own side, not a nested conflict.
    ours = mine.version if mine else None
    theirs = other.version if other else None
    shown = ours or theirs
    assert shown is not None  # both None would have been equal
    return AnnotationRecord.from_version(turn, shown, Conflict(ours, theirs))


def read_records(path: Path) -> dict[int, AnnotationRecord]:
    """Records of one version git hands the driver; an empty or missing file has none."""
    if not path.exists() or path.stat().st_size == 0:
        return {}
    parsed = parse_annotations(read_annotation_text(path), path)
    if parsed.errors:
        raise InvalidFileError(parsed.errors)
    return dict(parsed.records)


def merge_files(base: Path, ours: Path, theirs: Path) -> MergeResult:
    """Merge three versions; raises `InvalidFileError` when one cannot be read (then git keeps ours and theirs)."""
    return merge_records(read_records(base), read_records(ours), read_records(theirs))
