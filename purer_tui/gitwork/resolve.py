"""Settling merge conflicts turn by turn: keep ours, theirs, or both sides' codes.

The merge driver leaves conflicted turns as records carrying both versions.
Settling one rewrites that record without the conflict (atomically, under
the coder's lock), so a coder can stop half-way and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from purer_tui.core.annotation_records import AnnotationRecord, TurnVersion, rechecked_for, suggested_for
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.codebook import Codebook
from purer_tui.core.lock import CoderLocks

CHOICES = ("ours", "theirs", "both")


def conflicted_turns(path: Path) -> list[AnnotationRecord]:
    return [record for record in AnnotationFile.open(path).records.values() if record.conflict is not None]


def settled(record: AnnotationRecord, choice: str, codebook: Codebook | None) -> AnnotationRecord | None:
    """The record after choosing a side; None means "not reviewed". Raises ValueError for an impossible choice."""
    assert record.conflict is not None
    ours, theirs = record.conflict.ours, record.conflict.theirs
    if choice == "ours":
        chosen = ours
    elif choice == "theirs":
        chosen = theirs
    elif choice == "both":
        chosen = _both(record.conflict.versions, codebook)
    else:
        raise ValueError(f"choose one of {', '.join(CHOICES)}")
    if chosen is None:
        return None
    return AnnotationRecord.from_version(record.turn, chosen)


def _both(sides: list[TurnVersion], codebook: Codebook | None) -> TurnVersion | None:
    """Every version's codes and memos together (what "both" means when a conflict holds more than two)."""
    if not sides:
        return None
    codes = list(dict.fromkeys(code for side in sides for code in side.codes))
    # Both sides' work: reviewed when either side reviewed it, flagged when either flagged it.
    reviewed = any(side.reviewed for side in sides)
    flag = any(side.flag for side in sides)
    if codebook is not None:
        clashes = codebook.exclusive_conflicts(codes)
        if clashes:
            group, members = clashes[0]
            raise ValueError(f"{' and '.join(members)} are both in exclusive group {group.id}; choose ours or theirs")
        codes = codebook.in_codebook_order(codes)
    memos = list(dict.fromkeys(side.memo for side in sides if side.memo))
    confirmed: dict[str, str] = {}
    for side in sides:  # a code both sides confirmed under different definitions keeps ours
        for code, fingerprint in side.rechecked:
            confirmed.setdefault(code, fingerprint)
    rechecked = rechecked_for(tuple(sorted(confirmed.items())), tuple(codes))
    # A code counts as suggested only when every side that applied it took it from a suggestion: a coder who
    # applied it unprompted on one side made that decision on their own.
    own = {code for side in sides for code in side.codes if code not in side.suggested}
    suggested = suggested_for(tuple(code for code in codes if code not in own), tuple(codes))
    return TurnVersion(tuple(codes), "\n---\n".join(memos), sides[0].anchor, reviewed, flag, rechecked, suggested)


def resolve_file(
    path: Path,
    decide: Callable[[AnnotationRecord], str | None],
    codebook: Codebook | None,
    refused: list[str] | None = None,
) -> int:
    """Ask `decide` about each conflicted turn (None skips it); returns how many were settled.

    A choice that cannot be made (both sides' codes in one exclusive group) leaves the turn as it
    is and is said in `refused`, never a crash half-way through the file.
    """
    locks = CoderLocks()
    locks.acquire(path)
    try:
        AnnotationFile.open(path, journaled=True).close()  # fold in a crashed session's journal first
        store = AnnotationFile.open(path)
        count = 0
        for record in [r for r in store.records.values() if r.conflict is not None]:
            choice = decide(record)
            if choice is None:
                continue
            try:
                result = settled(record, choice, codebook)
            except ValueError as error:
                if refused is not None:
                    refused.append(f"turn {record.turn}: {error}")
                continue
            if result is None:
                store.remove(record.turn)
            else:
                store.put(result)
            count += 1
        return count
    finally:
        locks.release()
