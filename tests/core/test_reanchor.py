"""Re-anchoring after a transcript is corrected: codes follow their utterance, or are reported."""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.reanchor import Outcome, plan_reanchor
from purer_tui.core.transcript import Transcript, parse_transcript

OLD = """\
Therapist: What did you notice in your body during the scan?
Participant 1: My lower back was burning the whole time.
Therapist: Where exactly was the burning strongest?
Participant 1: Right above the hip, on the left side.
Therapist: Okay.
Participant 2: I couldn't stop thinking about work.
Therapist: Thank you for noticing that.
"""

# A turn inserted at the top, turn 5 ("Okay.") deleted, a typo fixed in turn 4.
NEW = """\
Facilitator: Recording started.
Therapist: What did you notice in your body during the scan?
Participant 1: My lower back was burning the whole time.
Therapist: Where exactly was the burning strongest?
Participant 1: Right above the hip, on the left-hand side.
Participant 2: I couldn't stop thinking about work.
Therapist: Thank you for noticing that.
"""


def parse(text: str) -> Transcript:
    return parse_transcript(text, Path("s.txt"))


def coded(transcript: Transcript, codes: dict[int, tuple[str, ...]]) -> dict[int, AnnotationRecord]:
    return {n: AnnotationRecord(n, c, anchor=transcript.turn(n).anchor) for n, c in codes.items()}


CODES = {
    1: ("phenomenology",),
    2: ("stage-1",),
    3: ("phenomenology",),
    4: ("stage-2a",),
    5: ("reinforcement",),
    6: ("stage-1",),
    7: ("reinforcement",),
}


def test_insert_delete_and_typo_with_the_old_text() -> None:
    old, new = parse(OLD), parse(NEW)
    plan = plan_reanchor(coded(old, CODES), new, old)
    moves = {p.record.turn: (p.outcome, p.new_turn) for p in plan.placements}
    assert moves == {
        1: (Outcome.MOVED, 2),
        2: (Outcome.MOVED, 3),
        3: (Outcome.MOVED, 4),
        4: (Outcome.EDITED, 5),  # the typo fix keeps its code
        5: (Outcome.UNPLACED, None),  # "Okay." was deleted: reported, not moved elsewhere
        6: (Outcome.UNCHANGED, 6),  # the insertion and the deletion cancel out
        7: (Outcome.UNCHANGED, 7),
    }
    records = plan.new_records(new)
    for number, record in records.items():
        assert record.anchor == new.turn(number).anchor  # every code sits on the right utterance
    assert records[5].codes == ("stage-2a",) and new.turn(5).text.endswith("left-hand side.")
    assert records[6].codes == ("stage-1",) and "work" in new.turn(6).text
    assert [p.record.turn for p in plan.unplaced] == [5]


def test_without_the_old_text_only_unchanged_turns_are_followed() -> None:
    old, new = parse(OLD), parse(NEW)
    plan = plan_reanchor(coded(old, CODES), new)
    moves = {p.record.turn: p.new_turn for p in plan.placements}
    assert moves == {1: 2, 2: 3, 3: 4, 4: None, 5: None, 6: 6, 7: 7}
    assert not plan.old_version_known


def test_a_relabelled_speaker_keeps_the_codes() -> None:
    old = parse(OLD)
    new = parse(OLD.replace("Participant 1:", "P1 (Maria):"))
    plan = plan_reanchor(coded(old, CODES), new, old)
    assert all(p.new_turn == p.record.turn for p in plan.placements)
    assert {p.outcome for p in plan.placements if p.record.turn in (2, 4)} == {Outcome.EDITED}


def test_a_rewritten_turn_is_not_matched() -> None:
    old = parse(OLD)
    new = parse(
        OLD.replace("Right above the hip, on the left side.", "It moves around, honestly; today it is in my knee.")
    )
    plan = plan_reanchor(coded(old, CODES), new, old)
    assert [p.record.turn for p in plan.unplaced] == [4]


def test_two_equally_good_places_are_ambiguous() -> None:
    old = parse("A: hello there\nB: Mm-hm, yes I see.\nA: one\n")
    new = parse("A: hello there\nB: Mm-hm, yes I see!\nB: Mm-hm, yes I see?\nA: one\n")
    plan = plan_reanchor(coded(old, {2: ("x",)}), new, old)
    assert [p.outcome for p in plan.placements] == [Outcome.UNPLACED]


def test_records_coded_on_the_current_version_need_nothing() -> None:
    old = parse(OLD)
    plan = plan_reanchor(coded(old, CODES), old)
    assert not plan.needed and all(p.outcome is Outcome.UNCHANGED for p in plan.placements)


def test_records_without_anchors_stay_where_they_are() -> None:
    old, new = parse(OLD), parse(NEW)
    records = coded(old, {1: ("a",), 7: ("b",)})
    records[3] = AnnotationRecord(3, ("c",))
    plan = plan_reanchor(records, new)
    assert {p.record.turn: p.new_turn for p in plan.placements} == {1: 2, 3: 3, 7: 7}
