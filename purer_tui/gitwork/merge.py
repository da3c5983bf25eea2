"""Git's `merge=purer` driver: the three versions git hands over, merged turn by turn.

Git's line merge conflicts when two branches change neighbouring lines (two
turns next to each other), and `merge=union` duplicates and reorders records.
The merge itself is `purer_tui.core.annotation_merge`, which the coding app
also uses when a `git pull` changes a file it has open.
"""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.annotation_merge import MergeResult, merge_records
from purer_tui.core.annotation_parsing import parse_annotations, read_annotation_text
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.errors import InvalidFileError


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
