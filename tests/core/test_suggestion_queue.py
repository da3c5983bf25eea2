"""The clone-local queue of suggested codes, and the coding session showing, accepting and settling them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.case_metadata import speaker_role
from purer_tui.core.errors import UsageError
from purer_tui.core.session import CodingSession
from purer_tui.core.study import load_study
from purer_tui.core.suggestion_queue import MAX_ENTRIES, QueuedCode, SuggestionQueue
from purer_tui.core.suggestion_source import QueueSource, Suggestions
from purer_tui.core.transcript import load_transcript

S01 = "transcripts/grp1-s01.txt"


def queued(study: Path, turn: int, code: str, transcript: str = S01) -> QueuedCode:
    anchor = load_transcript(study / transcript).turns[turn - 1].anchor
    return QueuedCode(transcript, turn, anchor, code, "autocode --text")


def test_the_queue_is_written_signed_and_read_back(demo_study: Path) -> None:
    queue = SuggestionQueue(demo_study, "cal")
    assert len(queue) == 0 and queue.notice is None
    assert queue.add([queued(demo_study, 2, "phenomenology"), queued(demo_study, 3, "stage-1")]) == 2
    assert queue.add([queued(demo_study, 2, "phenomenology")]) == 0  # already queued
    assert queue.save()
    path = demo_study / ".purer" / "suggestions" / "cal.jsonl"
    text = path.read_text()
    assert text.startswith("purer-tui suggestions 1 cal ")
    assert "notice" not in text and "Welcome" not in text  # places and codes, never transcript text
    assert os.stat(path).st_mode & ~os.stat(demo_study / "purer.toml").st_mode & 0o777 == 0  # no more readable
    again = SuggestionQueue(demo_study, "cal")
    assert again.codes_for(S01, 2) == ("phenomenology",) and again.codes_for(S01, 3) == ("stage-1",)
    assert again.turn_count == 2 and set(again.turns(S01)) == {2, 3}
    assert again.remove(S01, 2) == (queued(demo_study, 2, "phenomenology"),)
    again.save()
    assert SuggestionQueue(demo_study, "cal").turn_count == 1
    assert SuggestionQueue(demo_study, "ana").turn_count == 0  # each coder their own


@pytest.mark.parametrize(
    "tamper",
    [
        lambda text: text.replace("stage-1", "stage-3"),  # edited
        lambda text: "x" + text,  # not our header
        lambda text: text.replace("suggestions 1 cal ", "suggestions 1 ana "),  # another coder's
    ],
)
def test_a_queue_that_does_not_verify_is_ignored_with_a_notice(demo_study: Path, tamper) -> None:
    queue = SuggestionQueue(demo_study, "cal")
    queue.add([queued(demo_study, 3, "stage-1")])
    queue.save()
    path = demo_study / ".purer" / "suggestions" / "cal.jsonl"
    path.write_text(tamper(path.read_text()))
    again = SuggestionQueue(demo_study, "cal")
    assert again.turn_count == 0
    assert again.notice is not None and "ignored" in again.notice and "\n" not in again.notice


def test_a_link_in_place_of_the_queue_is_not_followed(demo_study: Path, tmp_path: Path) -> None:
    queue = SuggestionQueue(demo_study, "cal")
    queue.add([queued(demo_study, 3, "stage-1")])
    queue.save()
    path = demo_study / ".purer" / "suggestions" / "cal.jsonl"
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text(path.read_text())
    path.unlink()
    path.symlink_to(outside)
    assert SuggestionQueue(demo_study, "cal").turn_count == 0


def test_the_queue_is_bounded(demo_study: Path) -> None:
    queue = SuggestionQueue(demo_study, "cal")
    many = [QueuedCode(S01, turn, "a", "stage-1", "test") for turn in range(1, MAX_ENTRIES + 1)]
    assert queue.add(many) == MAX_ENTRIES
    with pytest.raises(UsageError, match="at most"):
        queue.add([QueuedCode(S01, 1, "a", "phenomenology", "test")])
    assert len(queue) == MAX_ENTRIES


def test_queued_codes_of_a_turn_that_changed_are_dropped(demo_study: Path) -> None:
    queue = SuggestionQueue(demo_study, "cal")
    queue.add([queued(demo_study, 2, "phenomenology"), QueuedCode(S01, 3, "0000000000", "stage-1", "test")])
    assert queue.drop_moved(S01, lambda turn: load_transcript(demo_study / S01).turns[turn - 1].anchor) == 1
    assert queue.codes_for(S01, 2) == ("phenomenology",) and queue.codes_for(S01, 3) == ()


def session_with_queue(study: Path, entries: list[QueuedCode], coder: str = "cal") -> CodingSession:
    loaded = load_study(study)
    queue = SuggestionQueue(study, coder)
    queue.add(entries)
    queue.save()
    codebook = loaded.load_codebook()
    suggestions = Suggestions(
        [QueueSource(SuggestionQueue(study, coder))], codebook, study, lambda name: speaker_role(loaded, name)
    )
    session = CodingSession(loaded.transcript_paths(), codebook, coder, suggestions=suggestions)
    session.resume()
    return session


def on_disk(session: CodingSession) -> dict:
    return dict(AnnotationFile.open(annotation_path(session.paths[session.index], session.coder)).records)


def test_accepting_applies_the_suggested_codes_records_them_and_empties_the_queue(demo_study: Path) -> None:
    # turn 3 is Participant 1's: stage-1 and stage-2a clash (one stage at most), phenomenology is for staff
    session = session_with_queue(
        demo_study,
        [queued(demo_study, 3, "stage-1"), queued(demo_study, 3, "stage-2a"), queued(demo_study, 3, "phenomenology")],
    )
    session.goto_turn(3)
    assert session.suggested_here() == ("phenomenology", "stage-1", "stage-2a")
    accepted = session.accept_suggestions()
    assert accepted.applied == ("stage-1",)
    assert accepted.clashing == ("stage-2a",) and accepted.other_role == ("phenomenology",)
    record = on_disk(session)[3]
    assert record.codes == ("stage-1",) and record.suggested == ("stage-1",) and record.reviewed
    assert SuggestionQueue(demo_study, "cal").codes_for(S01, 3) == ("stage-2a", "phenomenology")
    assert session.undo()  # undo puts the code off and the suggestion back
    assert 3 not in on_disk(session)
    assert set(SuggestionQueue(demo_study, "cal").codes_for(S01, 3)) == {"stage-1", "stage-2a", "phenomenology"}
    assert session.redo()
    assert on_disk(session)[3].suggested == ("stage-1",)
    assert "stage-1" not in SuggestionQueue(demo_study, "cal").codes_for(S01, 3)


def test_a_suggested_code_applied_with_its_key_is_recorded_as_suggested(demo_study: Path) -> None:
    session = session_with_queue(demo_study, [queued(demo_study, 2, "phenomenology")])
    session.goto_turn(2)
    session.toggle_code("reframing")  # not suggested: the coder's own
    session.toggle_code("phenomenology")
    record = on_disk(session)[2]
    assert record.codes == ("phenomenology", "reframing") and record.suggested == ("phenomenology",)
    assert SuggestionQueue(demo_study, "cal").turn_count == 0
    assert session.suggested_here() == ()


def test_reviewing_a_turn_without_its_suggestion_settles_it_and_undo_brings_it_back(demo_study: Path) -> None:
    session = session_with_queue(demo_study, [queued(demo_study, 2, "phenomenology")])
    session.goto_turn(2)
    session.mark_reviewed()
    assert on_disk(session)[2].codes == () and on_disk(session)[2].suggested == ()
    assert SuggestionQueue(demo_study, "cal").turn_count == 0
    session.undo()
    assert SuggestionQueue(demo_study, "cal").codes_for(S01, 2) == ("phenomenology",)
    assert session.suggested_here() == ("phenomenology",)


def test_n_stops_at_turns_with_queued_suggestions_even_when_reviewed(demo_study: Path) -> None:
    # ana reviewed every turn: only the queued one is left to go to
    s02 = "transcripts/grp1-s02.txt"
    session = session_with_queue(demo_study, [queued(demo_study, 5, "education", s02)], coder="ana")
    assert (session.paths[session.index].name, session.turn.number) == ("grp1-s02.txt", 5)  # resumed there
    session.go_to_place(0)
    session.first()
    assert session.next_unreviewed()
    assert (session.paths[session.index].name, session.turn.number) == ("grp1-s02.txt", 5)
    assert session.suggested_here() == ("education",)
    session.mark_reviewed()  # reviewed already: only the suggestion is settled
    assert SuggestionQueue(demo_study, "ana").turn_count == 0
    assert not session.next_unreviewed()
    session.undo()
    assert SuggestionQueue(demo_study, "ana").turn_count == 1


def test_codes_queued_while_the_app_runs_survive_its_next_settle(demo_study: Path) -> None:
    session = session_with_queue(demo_study, [queued(demo_study, 2, "phenomenology")])
    later = SuggestionQueue(demo_study, "cal")  # an autocode run while the app is open
    later.add([queued(demo_study, 6, "reframing")])
    later.save()
    session.goto_turn(2)
    session.accept_suggestions()
    on_disk_queue = SuggestionQueue(demo_study, "cal")
    assert on_disk_queue.codes_for(S01, 2) == () and on_disk_queue.codes_for(S01, 6) == ("reframing",)


def test_n_passes_by_a_turn_whose_queued_code_it_already_carries(demo_study: Path) -> None:
    # ana reviewed every turn, and turn 2 of session 1 already carries phenomenology: nothing waits there
    assert '"codes":["phenomenology"],"turn":2' in (demo_study / "transcripts" / "grp1-s01.ana.jsonl").read_text()
    s02 = "transcripts/grp1-s02.txt"
    session = session_with_queue(
        demo_study, [queued(demo_study, 2, "phenomenology"), queued(demo_study, 5, "education", s02)], coder="ana"
    )
    assert (session.paths[session.index].name, session.turn.number) == ("grp1-s02.txt", 5)
