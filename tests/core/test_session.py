"""The coding session, without a terminal: every behaviour the keys of the app map to."""

from __future__ import annotations

from pathlib import Path

import pytest

from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.errors import PurerError
from purer_tui.core.journal import journal_path
from purer_tui.core.lock import CoderLocks
from purer_tui.core.session import CodingSession, transcript_progress
from purer_tui.core.study import load_study


def session_for(study: Path, coder: str = "cal", **options: object) -> CodingSession:
    loaded = load_study(study)
    session = CodingSession(loaded.transcript_paths(), loaded.load_codebook(), coder, **options)  # type: ignore[arg-type]
    session.resume()
    return session


def on_disk(session: CodingSession, index: int | None = None) -> dict[int, AnnotationRecord]:
    path = session.paths[session.index if index is None else index]
    return dict(AnnotationFile.open(annotation_path(path, session.coder)).records)


def test_a_new_coder_starts_at_the_first_turn(demo_study: Path) -> None:
    session = session_for(demo_study)
    assert (session.index, session.turn.number) == (0, 1)
    assert session.progress().reviewed == 0 and session.progress().total == 17


def test_resume_goes_to_the_first_unreviewed_turn_across_transcripts(demo_study: Path) -> None:
    ana = session_for(demo_study, "ana")  # ana reviewed every turn of every transcript
    assert (ana.index, ana.turn.number) == (0, 1)
    ben = session_for(demo_study, "ben")  # ben coded session 1 and turns 1-8 of session 2
    assert (ben.index, ben.turn.number) == (1, 9)


def test_toggling_codes_is_durable_and_in_codebook_order(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.toggle_code("reframing")
    session.toggle_code("phenomenology")
    assert on_disk(session)[1].codes == ("phenomenology", "reframing")
    assert on_disk(session)[1].anchor == session.turn.anchor
    session.toggle_code("reframing")
    assert on_disk(session)[1].codes == ("phenomenology",)


def test_exclusive_groups_replace_and_the_last_code_off_goes_back_to_the_review_state_before(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.toggle_code("stage-1")
    session.toggle_code("phenomenology")
    session.toggle_code("stage-3")
    assert session.record.codes == ("phenomenology", "stage-3")
    session.toggle_code("stage-3")
    session.toggle_code("phenomenology")
    assert 1 not in on_disk(session)  # it was not reviewed before the codes: a code taken off is no decision
    assert session.progress().reviewed == 0
    session.mark_reviewed()  # reviewed, no code
    session.toggle_code("education")
    session.toggle_code("education")
    assert on_disk(session)[1] == AnnotationRecord(
        turn=1, codes=(), anchor=session.turn.anchor
    )  # reviewed before: stays so
    assert session.progress().reviewed == 1


def test_the_last_code_off_a_turn_reviewed_in_an_earlier_session_leaves_it_reviewed(demo_study: Path) -> None:
    ana = session_for(demo_study, "ana")
    assert ana.record.codes == ()  # ana reviewed turn 1 with no code
    ana.move(1)
    assert ana.record.codes == ("phenomenology",)
    ana.toggle_code("phenomenology")
    assert on_disk(ana)[2].reviewed and on_disk(ana)[2].codes == ()


def test_a_memo_alone_never_reviews_a_turn(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.set_memo("come back to this")
    assert on_disk(session)[1] == AnnotationRecord(1, (), "come back to this", session.turn.anchor, reviewed=False)
    assert session.progress().reviewed == 0
    session.move(1)
    session.next_unreviewed()  # from turn 2, wrapping round, turn 1 is still to review
    session.first()
    assert session.current.needs_review(1)
    session.toggle_code("education")  # a code reviews it, the memo stays
    assert on_disk(session)[1].reviewed and on_disk(session)[1].memo == "come back to this"
    session.toggle_code("education")  # not reviewed before the code: back to the note alone
    assert on_disk(session)[1] == AnnotationRecord(1, (), "come back to this", session.turn.anchor, reviewed=False)
    session.set_memo("")
    assert 1 not in on_disk(session)  # nothing left on the line


def test_delete_makes_a_turn_unreviewed_again_keeping_its_memo_and_it_undoes(demo_study: Path) -> None:
    ana = session_for(demo_study, "ana")
    ana.goto_turn(5)
    before = on_disk(ana)[5]
    assert before.codes == ("stage-1",) and before.memo
    assert ana.unreview()
    assert on_disk(ana)[5] == AnnotationRecord(5, (), before.memo, before.anchor, reviewed=False)
    assert ana.progress().reviewed == 16
    assert not ana.unreview()  # already not reviewed: nothing to do
    ana.undo()
    assert on_disk(ana)[5] == before and ana.progress().reviewed == 17
    ana.goto_turn(6)
    ana.set_memo("")
    ana.unreview()
    assert 6 not in on_disk(ana)  # no memo, no flag: no line at all


def test_flags_mark_turns_to_come_back_to_and_n_stops_at_them(demo_study: Path) -> None:
    ana = session_for(demo_study, "ana")  # ana reviewed everything
    assert not ana.next_unreviewed()
    ana.goto_turn(3)
    assert ana.toggle_flag()
    assert on_disk(ana)[3].flag and on_disk(ana)[3].codes == ("stage-1",) and on_disk(ana)[3].reviewed
    assert ana.progress().flagged == 1 and ana.progress().reviewed == 17
    ana.switch_transcript(1)
    assert ana.toggle_flag()  # turn 1 of session 2
    ana.switch_transcript(-1)
    ana.goto_turn(10)
    assert ana.next_unreviewed() and (ana.index, ana.turn.number) == (1, 1)  # the flag in session 2
    assert ana.next_unreviewed() and (ana.index, ana.turn.number) == (0, 3)  # wrapping round to the first flag
    assert not ana.toggle_flag()
    assert not on_disk(ana)[3].flag and ana.progress().flagged == 0
    ben = session_for(demo_study, "ben")
    ben.goto_turn(17)
    ben.switch_transcript(1)  # session 2: ben has no line for turn 9 on
    ben.goto_turn(10)
    ben.toggle_flag()
    assert on_disk(ben)[10] == AnnotationRecord(10, (), "", ben.turn.anchor, reviewed=False, flag=True)
    ben.toggle_flag()
    assert 10 not in on_disk(ben)


def test_mark_reviewed_records_no_code_once(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.mark_reviewed()
    session.mark_reviewed()
    assert on_disk(session)[1].codes == ()
    assert session.progress().reviewed == 1
    session.undo()
    assert 1 not in on_disk(session)


def test_memo_is_saved_like_a_code(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.set_memo("")
    assert on_disk(session) == {}
    session.set_memo("Borderline.\nAsk ben.  \n")
    assert on_disk(session)[1].memo == "Borderline.\nAsk ben."
    session.toggle_code("education")
    assert on_disk(session)[1].memo == "Borderline.\nAsk ben."


def test_undo_and_redo_restore_exact_states_across_turns_and_transcripts(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.toggle_code("phenomenology")  # transcript 0, turn 1
    session.set_memo("first")
    session.move(2)
    session.toggle_code("stage-1")  # turn 3
    assert session.switch_transcript(+1)
    session.toggle_code("education")  # transcript 1, turn 1
    assert session.undo() and (session.index, session.turn.number) == (1, 1)
    assert on_disk(session, 1) == {}
    assert session.undo() and (session.index, session.turn.number) == (0, 3)
    assert 3 not in on_disk(session, 0)
    assert session.undo() and session.turn.number == 1
    assert on_disk(session, 0)[1].memo == "" and on_disk(session, 0)[1].codes == ("phenomenology",)
    assert session.undo() and on_disk(session, 0) == {}
    assert not session.undo()
    assert session.redo() and session.redo()
    assert on_disk(session, 0)[1].memo == "first"
    session.toggle_code("reframing")  # a new change clears the redo history
    assert not session.redo()


def test_navigation_stays_inside_the_transcript(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.move(-5)
    assert session.turn.number == 1
    session.move(100)
    assert session.turn.number == 17 and session.at_end()
    session.first()
    assert session.turn.number == 1
    session.last()
    assert session.turn.number == 17
    assert session.goto_turn(5) and session.turn.number == 5
    assert not session.goto_turn(18)


def test_next_unreviewed_crosses_transcripts_and_wraps(demo_study: Path) -> None:
    session = session_for(demo_study, "ben")
    assert (session.index, session.turn.number) == (1, 9)
    for turn in range(9, 13):
        session.goto_turn(turn)
        session.mark_reviewed()
    session.goto_turn(12)
    assert session.next_unreviewed()
    assert (session.index, session.turn.number) == (2, 1)
    session.switch_transcript(-2)
    ben_s01 = on_disk(session, 0)
    assert len(ben_s01) == 17


def test_when_every_turn_is_reviewed_next_unreviewed_says_so(demo_study: Path) -> None:
    session = session_for(demo_study, "ana")
    assert not session.next_unreviewed()
    assert (session.index, session.turn.number) == (0, 1)


def test_search_is_case_insensitive_steps_through_hits_and_wraps(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.goto_turn(4)
    assert session.search("THURSDAY")  # turns 3 ("on Thursday") and 4 ("going to Thursday")
    assert (session.hit_count, session.turn.number) == (2, 4)  # the first hit from the cursor on
    assert session.search_step(forward=True) and session.turn.number == 3  # wraps round
    assert session.search_step(forward=True) and session.turn.number == 4
    assert session.search_step(forward=False) and session.turn.number == 3
    session.goto_turn(5)
    assert session.search("thursday") and session.turn.number == 3  # nothing after turn 5: wraps
    assert not session.search("nowhere in the text")
    session.end_search()
    assert session.search_term is None and not session.search_step(True)


def test_only_some_speakers(demo_study: Path) -> None:
    session = session_for(demo_study, only=["Participant 1", "Participant 2", "Participant 3"])
    assert session.turn.speaker.startswith("Participant")
    session.move(1)
    assert session.turn.speaker.startswith("Participant")
    assert session.progress().total == 7  # participants' turns of session 1
    previous, following = session.context(2, 2)  # the conversation around the turn, therapist included
    assert [t.number for t in previous] == [3, 4] and [t.number for t in following] == [6, 7]


def test_switching_transcripts_folds_the_journal_in(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.toggle_code("education")
    path = annotation_path(session.paths[0], "cal")
    assert journal_path(path).exists()
    session.switch_transcript(+1)
    assert not journal_path(path).exists() and path.exists()
    session.toggle_code("education")
    session.close()
    assert not journal_path(annotation_path(session.paths[1], "cal")).exists()


def test_other_coders_are_hidden_unless_asked(demo_study: Path) -> None:
    assert session_for(demo_study).other_coders() == []
    shown = session_for(demo_study, show_coders=True)
    shown.goto_turn(6)
    assert [(coder, record.codes) for coder, record in shown.other_coders()] == [
        ("ana", ("reframing", "education")),
        ("ben", ("reframing",)),
    ]


def test_progress_from_disk_matches_the_session(demo_study: Path) -> None:
    ben = session_for(demo_study, "ben")
    assert transcript_progress(ben.paths[1], "ben", None) == ben.opened_progress()[1]
    assert transcript_progress(ben.paths[1], "ben", None).reviewed == 8


@pytest.mark.parametrize("count", [20_000])
def test_changes_cost_the_same_at_any_length(tmp_path: Path, count: int) -> None:
    """A behaviour check, not a timing: a change appends one journal line whatever the size."""
    transcript = tmp_path / "long.txt"
    transcript.write_text("".join(f"Speaker {i % 3}: turn number {i}\n" for i in range(count)))
    codebook_path = tmp_path / "c.toml"
    codebook_path.write_text('[codebook]\nname = "c"\n[codes.a]\nkey = "a"\nlabel = "A"\ndefinition = "a"\n')
    from purer_tui.core.codebook import load_codebook

    session = CodingSession([transcript], load_codebook(codebook_path), "cal")
    session.resume()
    session.goto_turn(count // 2)
    session.toggle_code("a")
    journal = journal_path(annotation_path(transcript, "cal"))
    assert len(journal.read_text().splitlines()) == 2  # the turn's base, noted once, and the change
    session.toggle_code("a")
    assert len(journal.read_text().splitlines()) == 3


def test_an_undo_the_disk_refuses_can_be_retried_and_undoes_the_same_change(
    demo_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import purer_tui.core.journal as journal_module

    session = session_for(demo_study)
    session.toggle_code("phenomenology")  # turn 1
    session.move(1)
    session.toggle_code("education")  # turn 2

    def full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module.os, "fsync", full)
    with pytest.raises(OSError):
        session.undo()
    monkeypatch.undo()
    assert session.undo()  # the retry undoes turn 2's change, not turn 1's
    assert on_disk(session) == {1: AnnotationRecord(1, ("phenomenology",), anchor=on_disk(session)[1].anchor)}
    assert session.redo() and on_disk(session)[2].codes == ("education",)


# --- study scale: a lock per open transcript, the cache, the index ------------------------------


def locked_session(study: Path, coder: str = "eve", **options: object) -> tuple[CodingSession, CoderLocks]:
    from purer_tui.core.study_index import StudyIndex

    loaded = load_study(study)
    locks = CoderLocks()
    session = CodingSession(
        loaded.transcript_paths(),
        loaded.load_codebook(),
        coder,
        locks=locks,
        index=StudyIndex(study),
        **options,  # type: ignore[arg-type]
    )
    session.resume()
    return session, locks


def test_only_the_transcript_being_coded_is_locked_and_leaving_it_lets_go(demo_study: Path) -> None:
    from purer_tui.core.lock import lock_path

    session, locks = locked_session(demo_study)
    first, second = (annotation_path(path, "eve") for path in session.paths[:2])
    assert locks.held == [lock_path(first)]
    session.toggle_code("education")
    assert session.switch_transcript(+1)
    assert locks.held == [lock_path(second)]
    assert journal_path(first).exists() is False and on_disk(session, 0)[1].codes == (
        "education",
    )  # left complete for git
    assert session.opened_progress()[0].reviewed == 1 and session.to_review(0) == 16  # what it was left with
    session.undo()  # the change was made in the transcript left: it is opened (and locked) again
    assert session.index == 0 and locks.held == [lock_path(first)] and 1 not in on_disk(session, 0)
    session.close()
    locks.release()


def test_two_sessions_of_one_coder_code_two_transcripts_and_pass_each_other_by(demo_study: Path) -> None:
    first, first_locks = locked_session(demo_study)
    second, second_locks = locked_session(demo_study)  # the first transcript is taken: it starts at the next
    assert (first.index, second.index) == (0, 1) and second.locked_elsewhere == {0}
    first.toggle_code("education")
    second.toggle_code("reframing")
    with pytest.raises(PurerError, match="being coded by another purer-tui process"):
        second.switch_transcript(-1)
    assert second.index == 1 and second.turn.number == 1  # refused: nothing changed
    second.last()
    assert second.next_unreviewed() and second.index == 2  # n passes the taken transcript by
    first.close(), first_locks.release()
    second.close(), second_locks.release()
    assert on_disk(first, 0)[1].codes == ("education",) and on_disk(first, 1)[1].codes == ("reframing",)


def test_every_transcript_taken_refuses_the_session(demo_study: Path) -> None:
    sessions = [locked_session(demo_study) for _ in range(3)]
    assert sorted(session.index for session, _ in sessions) == [0, 1, 2]
    with pytest.raises(PurerError, match="being coded by another purer-tui process"):
        locked_session(demo_study)
    for session, locks in sessions:
        session.close()
        locks.release()


def test_resuming_a_coder_with_everything_reviewed_reads_no_transcript_once_indexed(
    demo_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import purer_tui.core.transcript_cache as cache_module
    from purer_tui.core.study_index import StudyIndex

    paths = load_study(demo_study).transcript_paths()
    StudyIndex(demo_study).refresh(paths)  # what the app's worker leaves for the next opening
    read: list[Path] = []
    real = cache_module.load_transcript
    monkeypatch.setattr(cache_module, "load_transcript", lambda path: read.append(path) or real(path))
    ana, locks = locked_session(demo_study, "ana")  # ana reviewed every turn: the index says so
    assert (ana.index, ana.turn.number) == (0, 1)
    assert read == [paths[0]]  # only the transcript shown
    ana.close(), locks.release()
    read.clear()
    ben, locks = locked_session(demo_study, "ben")
    assert (ben.index, ben.turn.number) == (1, 9) and read == [paths[1]]
    ben.close(), locks.release()


def test_an_index_behind_the_files_only_costs_a_look(demo_study: Path) -> None:
    from purer_tui.core.study_index import StudyIndex

    paths = load_study(demo_study).transcript_paths()
    StudyIndex(demo_study).refresh(paths)
    stored = AnnotationFile.open(annotation_path(paths[1], "ben"))
    stored.put(AnnotationRecord(turn=9, codes=("stage-1",)))  # ben's file changes after it was indexed
    ben, locks = locked_session(demo_study, "ben")
    assert (ben.index, ben.turn.number) == (1, 10)
    ben.close(), locks.release()


def test_a_transcript_read_ahead_is_taken_only_while_its_annotations_are_unchanged(demo_study: Path) -> None:
    session, locks = locked_session(demo_study, "ben")
    session.cache.read(session.paths[2])  # read ahead, as the app's worker does
    stored = AnnotationFile.open(annotation_path(session.paths[2], "ben"))
    stored.put(AnnotationRecord(turn=2, codes=("stage-1",)))  # then written by someone else (a pull)
    assert session.switch_transcript(+1) and session.index == 2
    assert session.current.store.get(2) is not None and session.current.store.get(2).codes == ("stage-1",)
    session.close(), locks.release()


def test_a_transcript_that_cannot_be_read_is_passed_by_not_fatal(demo_study: Path) -> None:
    bad = demo_study / "transcripts" / "grp1-s02.txt"
    bad.write_bytes(bad.read_bytes() + b"\x00")
    ben, locks = locked_session(demo_study, "ben")  # ben's first turn to review is in session 2
    assert ben.index == 2 and "grp1-s02.txt" in ben.passed_by[1].reason and not ben.passed_by[1].elsewhere
    ben.close(), locks.release()
    eve, locks = locked_session(demo_study, "eve")
    eve.last()
    assert eve.next_unreviewed() and eve.index == 2  # n passes it by
    with pytest.raises(PurerError):
        eve.switch_transcript(-1)  # going there on purpose says why
    eve.close(), locks.release()


def test_a_lock_that_is_a_link_passes_the_transcript_by(demo_study: Path, tmp_path: Path) -> None:
    from purer_tui.core.lock import lock_path

    target = tmp_path / "elsewhere.txt"
    target.write_text("someone else's file\n")
    lock_path(annotation_path(demo_study / "transcripts" / "grp1-s02.txt", "eve")).symlink_to(target)
    eve, locks = locked_session(demo_study, "eve")
    eve.last()
    assert eve.next_unreviewed() and eve.index == 2
    assert "link" in eve.passed_by[1].reason and target.read_text() == "someone else's file\n"
    eve.close(), locks.release()


def test_a_saved_position_in_a_transcript_that_cannot_be_read_is_passed_by(demo_study: Path) -> None:
    from purer_tui.core.lock import CoderLocks

    loaded = load_study(demo_study)
    paths = loaded.transcript_paths()
    paths[1].write_bytes(paths[1].read_bytes() + b"\x00")
    locks = CoderLocks()
    session = CodingSession(paths, loaded.load_codebook(), "ben", locks=locks)
    session.resume((paths[1], 3))  # where ben was, before a pull damaged it
    assert session.index == 2 and 1 in session.passed_by
    session.close(), locks.release()


def test_going_to_a_transcript_lands_at_the_coder_s_place_in_it(demo_study: Path) -> None:
    ben = session_for(demo_study, "ben")  # ben coded session 1 and turns 1-8 of session 2
    assert (ben.index, ben.turn.number) == (1, 9)
    ben.go_to_place(2)  # never opened: its first turn to review
    assert (ben.index, ben.turn.number) == (2, 1)
    ben.goto_turn(5)
    ben.go_to_place(0)  # every turn reviewed: the first turn
    assert (ben.index, ben.turn.number) == (0, 1)
    ben.go_to_place(2)  # left in this session: where the coder was
    assert (ben.index, ben.turn.number) == (2, 5)
    ben.close()


def test_going_to_a_transcript_uses_the_saved_position_in_it(demo_study: Path) -> None:
    loaded = load_study(demo_study)
    ben = CodingSession(loaded.transcript_paths(), loaded.load_codebook(), "ben")
    ben.resume((ben.paths[0], 4))  # saved last time: session 1, turn 4
    ben.go_to_place(1)
    assert (ben.index, ben.turn.number) == (1, 9)
    ben.go_to_place(0)
    assert (ben.index, ben.turn.number) == (0, 4)
    ben.close()


def test_going_to_a_transcript_another_window_codes_is_refused_and_changes_nothing(demo_study: Path) -> None:
    from purer_tui.core.lock import LockedError

    first, first_locks = locked_session(demo_study)
    second, second_locks = locked_session(demo_study)
    second.goto_turn(3)
    with pytest.raises(LockedError):
        second.go_to_place(0)
    assert (second.index, second.turn.number) == (1, 3)
    first.close(), first_locks.release()
    second.close(), second_locks.release()


def test_standing_counts_conflicts_and_records_changed_since_coded(demo_study: Path) -> None:
    from purer_tui.core.annotation_records import Conflict, TurnVersion
    from purer_tui.core.session import Standing, transcript_standing

    path = load_study(demo_study).transcript_paths()[0]
    store = AnnotationFile.open(annotation_path(path, "eve"))
    store.put(AnnotationRecord(2, ("education",), anchor="0" * 10))  # coded on text turn 2 no longer has
    store.put(AnnotationRecord(3, ("education",), conflict=Conflict(TurnVersion(), None)))
    store.put(AnnotationRecord(99, ("education",)))  # past the end: the transcript lost turns
    expected = Standing(reviewed=2, total=17, flagged=0, conflicts=1, changed=2)
    assert transcript_standing(path, "eve", None) == expected
    eve = session_for(demo_study, "eve")
    assert eve.opened_standing() == {0: expected}
    eve.go_to_place(1)
    assert eve.opened_standing()[0] == expected  # as it was left
    eve.close()
    participants = transcript_standing(path, "eve", frozenset({"Participant 1"}))
    assert participants.total < 17 and participants.changed <= 1  # only the turns visited count


def test_place_counts_the_visited_turns_of_every_transcript(demo_study: Path) -> None:
    visited = {"grp1-s01.txt": {2, 4, 6}, "grp1-s02.txt": {1, 3}, "grp1-s03.vtt": set()}
    session = session_for(demo_study, turn_filter=lambda path: visited[path.name])
    assert session.place() is None  # not counted yet
    visits = session.count_visits()
    assert [progress.total for progress, _ in visits] == [3, 2, 0] and [left for _, left in visits] == [3, 2, 0]
    place = session.place()
    assert place is not None and (place.number, place.total, place.reviewed, place.all_settled) == (1, 5, 0, False)
    session.mark_reviewed()
    session.move(1)
    session.toggle_flag()
    place = session.place()
    assert place is not None and (place.number, place.reviewed, place.flagged) == (2, 1, 1)
    assert session.to_review_elsewhere() == {1: 2}
    session.switch_transcript(+1)
    assert session.place().number == 4 and session.to_review_elsewhere() == {0: 2}  # type: ignore[union-attr]
    session.close()


def test_a_code_taken_off_loses_its_suggested_mark_and_applied_again_is_the_coders_own(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.toggle_code("phenomenology")
    session._set(session._record_with(suggested=("phenomenology",)))  # as accepting a suggestion records it
    assert on_disk(session)[1].suggested == ("phenomenology",)
    session.toggle_code("reframing")
    assert on_disk(session)[1].suggested == ("phenomenology",)
    session.toggle_code("phenomenology")
    session.toggle_code("phenomenology")
    assert on_disk(session)[1].codes == ("phenomenology", "reframing") and on_disk(session)[1].suggested == ()
