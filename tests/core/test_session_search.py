"""The coding session's search of the whole study: its state, stepping across transcripts, wrapping, passing by."""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.lock import CoderLocks
from purer_tui.core.study_search import Hit
from tests.core.test_session import session_for

# "pain" in the demo: grp1-s01 turns 12, 13, 16, 17; grp1-s02 turn 9; grp1-s03 turns 2 and 9.
PAIN = [Hit(0, 12), Hit(0, 13), Hit(0, 16), Hit(0, 17), Hit(1, 9), Hit(2, 2), Hit(2, 9)]


def searched(session, term: str = "pain") -> None:  # type: ignore[no-untyped-def]
    token = session.begin_study_search(term)
    assert session.searching and session.search_scope == "study" and session.hit_count == 0
    assert session.take_study_hits(token, session.search_study(term))
    assert not session.searching


def test_a_study_search_finds_hits_in_every_transcript_without_moving(demo_study: Path) -> None:
    session = session_for(demo_study)
    searched(session)
    assert session.hit_count == len(PAIN) and session._hits == PAIN
    assert (session.index, session.turn.number) == (0, 1) and session.current_hit is None


def test_n_and_shift_n_cross_transcripts_and_wrap(demo_study: Path) -> None:
    session = session_for(demo_study)
    searched(session)
    places = []
    for _ in range(len(PAIN)):
        step = session.next_hit(forward=True)
        assert step is not None and not step.wrapped and session.go_to_hit(step.hit)
        places.append(Hit(session.index, session.turn.number))
        assert session.current_hit is not None and session.current_hit.ordinal == step.ordinal
    assert places == PAIN and session.search_term == "pain"  # switching transcripts kept the study search
    step = session.next_hit(forward=True)
    assert step is not None and step.wrapped and step.hit == PAIN[0]
    assert session.go_to_hit(step.hit) and (session.index, session.turn.number) == (0, 12)
    back = session.next_hit(forward=False)
    assert back is not None and back.wrapped and back.hit == PAIN[-1]


def test_a_new_search_counts_the_hit_it_is_on(demo_study: Path) -> None:
    session = session_for(demo_study)
    session.goto_turn(13)
    searched(session)
    step = session.next_hit(forward=True, include_here=True)
    assert step is not None and step.hit == Hit(0, 13) and step.ordinal == 1
    assert session.next_hit(forward=True).hit == Hit(0, 16)  # type: ignore[union-attr]


def test_a_results_of_an_ended_or_replaced_search_are_not_taken(demo_study: Path) -> None:
    session = session_for(demo_study)
    token = session.begin_study_search("pain")
    result = session.search_study("pain")
    session.end_search()
    assert not session.take_study_hits(token, result) and session.hit_count == 0 and session.search_term is None
    old = session.begin_study_search("pain")
    session.begin_study_search("thursday")
    assert not session.take_study_hits(old, result) and session.hit_count == 0 and session.searching


def test_a_search_of_this_transcript_ends_on_leaving_it(demo_study: Path) -> None:
    session = session_for(demo_study)
    assert session.start_search("pain") == 4 and session.search_scope == "transcript"
    assert session._hits == PAIN[:4] and (session.index, session.turn.number) == (0, 1)
    session.switch_transcript(+1)
    assert session.search_term is None


def test_only_visited_turns_are_hits(demo_study: Path) -> None:
    session = session_for(demo_study, only=["Therapist"])
    searched(session)
    texts = {(hit.transcript, hit.turn) for hit in session._hits}
    for index, number in texts:
        session.go_to_hit(Hit(index, number))
        assert session.turn.speaker == "Therapist" and "pain" in session.turn.text.casefold()
    assert session._hits == [Hit(0, 12), Hit(0, 17), Hit(1, 9), Hit(2, 9)]


def test_a_hit_in_a_transcript_another_window_codes_is_passed_by(demo_study: Path) -> None:
    locks = CoderLocks()
    session = session_for(demo_study, locks=locks)
    other = session_for(demo_study, locks=CoderLocks())  # a second window of the same coder
    try:
        assert other.index == 1  # grp1-s01 is taken: it codes grp1-s02
        searched(session)
        session.goto_turn(17)
        step = session.next_hit(forward=True)
        assert step is not None and step.hit == Hit(1, 9)
        assert not session.go_to_hit(step.hit) and 1 in session.locked_elsewhere
        assert (session.index, session.turn.number) == (0, 17)
        step = session.next_hit(forward=True)
        assert step is not None and step.hit == Hit(2, 2)  # passed by from now on
        assert session.go_to_hit(step.hit)
        assert session.next_hit(forward=False).hit == Hit(0, 17)  # type: ignore[union-attr]
    finally:
        other.close()
        other.locks.release()  # type: ignore[union-attr]
        session.close()
        locks.release()


def test_no_hit_to_go_to(demo_study: Path) -> None:
    session = session_for(demo_study)
    searched(session, "nowhere in the study")
    assert session.hit_count == 0 and session.next_hit(forward=True) is None and not session.search_step(True)
