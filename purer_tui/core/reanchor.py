"""Re-anchoring: following coded turns to where they are after a transcript was edited.

Transcripts get corrected after coding starts: a typo fixed, a missed turn
added, a speaker relabelled. Turn numbers then shift and some anchors no
longer match. Each coded turn is followed to its new place by aligning the
old and new sequences of anchors (unchanged turns keep their anchors, so an
insertion or deletion is found exactly). When the old text is known (from
git history, or a saved copy), turns edited in between are matched by text
similarity, and only when the match is clear and unambiguous. Everything
else is reported as unplaced: a code is never moved onto a different
utterance on a guess.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import Enum

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.transcript import Transcript, Turn

#: How alike an edited turn's old and new text must be (difflib ratio) to keep its codes.
SIMILAR_ENOUGH = 0.75
#: How much better the best candidate must be than the next one to count as unambiguous.
CLEAR_MARGIN = 0.1
#: Candidates considered on each side of an edited turn's expected position.
SEARCH_WINDOW = 25


class Outcome(Enum):
    UNCHANGED = "unchanged"  # same turn number, same anchor
    MOVED = "moved"  # same text, new turn number
    EDITED = "edited"  # lightly edited text, matched unambiguously
    UNPLACED = "unplaced"  # deleted, rewritten, or ambiguous: reported, never guessed


@dataclass(frozen=True)
class Placement:
    record: AnnotationRecord
    outcome: Outcome
    new_turn: int | None = None
    similarity: float = 1.0


@dataclass
class ReanchorPlan:
    """What would become of each record of one annotation file."""

    placements: list[Placement] = field(default_factory=list)
    old_version_known: bool = False

    @property
    def changes(self) -> list[Placement]:
        return [p for p in self.placements if p.outcome is not Outcome.UNCHANGED]

    @property
    def unplaced(self) -> list[Placement]:
        return [p for p in self.placements if p.outcome is Outcome.UNPLACED]

    @property
    def needed(self) -> bool:
        return bool(self.changes)

    def new_records(self, new: Transcript) -> dict[int, AnnotationRecord]:
        """The records as they will be written: new turn numbers and new anchors."""
        records = {}
        for placement in self.placements:
            if placement.new_turn is None:
                continue
            turn = new.turn(placement.new_turn)
            records[turn.number] = placement.record._replace(turn=turn.number, anchor=turn.anchor)
        return records


def is_stale(record: AnnotationRecord, transcript: Transcript) -> bool:
    """Whether a record no longer matches its turn (the turn is gone, or its anchor changed)."""
    if record.turn > len(transcript.turns):
        return True
    return record.anchor is not None and record.anchor != transcript.turn(record.turn).anchor


def plan_reanchor(records: dict[int, AnnotationRecord], new: Transcript, old: Transcript | None = None) -> ReanchorPlan:
    """Where each record goes in `new`; `old` is the version the records were coded on, when known."""
    if not any(is_stale(record, new) for record in records.values()):
        return ReanchorPlan([Placement(r, Outcome.UNCHANGED, r.turn) for r in records.values()], old is not None)
    if old is not None and coded_on(records, old):
        return _plan_with_old_text(records, new, old)
    return _plan_with_anchors_only(records, new)


def coded_on(records: dict[int, AnnotationRecord], version: Transcript) -> bool:
    """Whether the records were coded on this version: every anchored record matches its turn there."""
    anchored = [r for r in records.values() if r.anchor]
    return bool(anchored) and all(
        r.turn <= len(version.turns) and version.turn(r.turn).anchor == r.anchor for r in anchored
    )


def _plan_with_anchors_only(records: dict[int, AnnotationRecord], new: Transcript) -> ReanchorPlan:
    """Without the old text, only turns whose text is unchanged can be followed (their anchors survive)."""
    ordered = sorted(records.values(), key=lambda r: r.turn)
    anchored = [r for r in ordered if r.anchor]
    new_anchors = [turn.anchor for turn in new.turns]
    matcher = difflib.SequenceMatcher(None, [r.anchor for r in anchored], new_anchors, autojunk=False)
    found: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            found[anchored[block.a + offset].turn] = block.b + offset + 1
    placements = []
    for record in ordered:
        if not record.anchor:
            unchanged = record.turn <= len(new.turns)
            placements.append(
                Placement(
                    record, Outcome.UNCHANGED if unchanged else Outcome.UNPLACED, record.turn if unchanged else None
                )
            )
        elif record.turn in found:
            target = found[record.turn]
            placements.append(Placement(record, Outcome.UNCHANGED if target == record.turn else Outcome.MOVED, target))
        else:
            placements.append(Placement(record, Outcome.UNPLACED, None, 0.0))
    return ReanchorPlan(placements, old_version_known=False)


def _plan_with_old_text(records: dict[int, AnnotationRecord], new: Transcript, old: Transcript) -> ReanchorPlan:
    matcher = difflib.SequenceMatcher(
        None, [t.anchor for t in old.turns], [t.anchor for t in new.turns], autojunk=False
    )
    target: dict[int, tuple[int, Outcome, float]] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                target[i1 + offset + 1] = (j1 + offset + 1, Outcome.MOVED, 1.0)
        elif tag == "replace":
            target.update(_match_edited(old.turns[i1:i2], new.turns[j1:j2], wanted=set(records)))
    placements = []
    for record in sorted(records.values(), key=lambda r: r.turn):
        if record.turn not in target:
            placements.append(Placement(record, Outcome.UNPLACED, None, 0.0))
            continue
        new_turn, outcome, similarity = target[record.turn]
        if outcome is Outcome.MOVED and new_turn == record.turn:
            outcome = Outcome.UNCHANGED if record.anchor == new.turn(new_turn).anchor else Outcome.MOVED
        placements.append(Placement(record, outcome, new_turn, similarity))
    return ReanchorPlan(placements, old_version_known=True)


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _similarity(old: Turn, new: Turn) -> float:
    a, b = _normal(old.text), _normal(new.text)
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < SIMILAR_ENOUGH or matcher.quick_ratio() < SIMILAR_ENOUGH:
        return 0.0
    ratio = matcher.ratio()
    if old.speaker != new.speaker and ratio < 0.95:
        return 0.0  # someone else saying something similar is a different utterance
    return ratio


def _match_edited(
    old_turns: tuple[Turn, ...], new_turns: tuple[Turn, ...], wanted: set[int]
) -> dict[int, tuple[int, Outcome, float]]:
    """Pair edited turns inside one changed stretch: clear, mutual best matches only."""
    scores: dict[tuple[int, int], float] = {}
    for i, old in enumerate(old_turns):
        if old.number not in wanted:
            continue
        expected = round(i * len(new_turns) / max(1, len(old_turns)))
        for j in range(max(0, expected - SEARCH_WINDOW), min(len(new_turns), expected + SEARCH_WINDOW + 1)):
            scores[(i, j)] = _similarity(old, new_turns[j])
    matched: dict[int, tuple[int, Outcome, float]] = {}
    for i, old in enumerate(old_turns):
        candidates = sorted(((score, j) for (oi, j), score in scores.items() if oi == i), reverse=True)
        if not candidates or candidates[0][0] < SIMILAR_ENOUGH:
            continue
        best, j = candidates[0]
        runner_up = candidates[1][0] if len(candidates) > 1 else 0.0
        if runner_up >= SIMILAR_ENOUGH and best - runner_up < CLEAR_MARGIN:
            continue  # two places fit: ambiguous
        rivals = [score for (oi, nj), score in scores.items() if nj == j and oi != i]
        if rivals and max(rivals) >= best:
            continue  # another coded turn fits that place as well or better
        matched[old.number] = (new_turns[j].number, Outcome.EDITED, best)
    return matched
