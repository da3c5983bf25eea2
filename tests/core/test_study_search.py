"""Searching the turns of many transcripts: order, bounds, filters, unreadable files, stopping."""

from __future__ import annotations

from pathlib import Path

from purer_tui.core.errors import PurerError
from purer_tui.core.study_search import Hit, matching_turns, search_transcripts
from purer_tui.core.transcript import Transcript, load_transcript
from tests.conftest import write


def study(tmp_path: Path, count: int = 3) -> list[Path]:
    """`count` transcripts: turn 1 by the therapist, 2 and 3 by participants; "pain" in turns 1 and 3."""
    return [
        write(
            tmp_path / f"s{index}.txt",
            f"Therapist: Where is the PAIN today? ({index})\n"
            "Participant 1: Nowhere in particular.\n"
            "Participant 2: My back. The pain is dull.\n",
        )
        for index in range(count)
    ]


def test_hits_come_in_study_order_ignoring_case(tmp_path: Path) -> None:
    paths = study(tmp_path)
    result = search_transcripts(paths, "pain", load_transcript)
    assert result.hits == tuple(Hit(index, turn) for index in range(3) for turn in (1, 3))
    assert (result.capped, result.unreadable, result.cancelled, result.transcripts) == (False, (), False, 3)
    assert search_transcripts(paths, "nowhere in", load_transcript).hits == tuple(Hit(i, 2) for i in range(3))
    assert search_transcripts(paths, "not there", load_transcript).hits == ()


def test_the_text_is_literal_not_a_pattern(tmp_path: Path) -> None:
    paths = study(tmp_path)
    assert search_transcripts(paths, "(1)", load_transcript).hits == (Hit(1, 1),)
    assert search_transcripts(paths, "p.in", load_transcript).hits == ()


def test_an_empty_term_finds_nothing(tmp_path: Path) -> None:
    assert search_transcripts(study(tmp_path), "", load_transcript).hits == ()


def test_hits_are_capped_and_say_so(tmp_path: Path) -> None:
    paths = study(tmp_path, 5)
    result = search_transcripts(paths, "pain", load_transcript, limit=3)
    assert result.hits == (Hit(0, 1), Hit(0, 3), Hit(1, 1)) and result.capped
    exact = search_transcripts(paths, "pain", load_transcript, limit=10)
    assert len(exact.hits) == 10 and not exact.capped  # exactly the limit: nothing was left out


def test_only_the_turns_the_session_visits_are_searched(tmp_path: Path) -> None:
    paths = study(tmp_path)
    participants = search_transcripts(paths, "pain", load_transcript, only={"Participant 1", "Participant 2"})
    assert participants.hits == tuple(Hit(index, 3) for index in range(3))
    settling = {paths[0]: {1}, paths[1]: set(), paths[2]: {1, 3}}  # adjudication: the disagreements only
    adjudicated = search_transcripts(paths, "pain", load_transcript, turn_filter=lambda path: settling[path])
    assert adjudicated.hits == (Hit(0, 1), Hit(2, 1), Hit(2, 3))


def test_a_transcript_that_cannot_be_read_is_passed_by(tmp_path: Path) -> None:
    paths = study(tmp_path)
    paths[1].write_bytes(b"Therapist: pain\x00\n")  # a damaged file
    missing = tmp_path / "gone.txt"
    result = search_transcripts([*paths, missing], "pain", load_transcript)
    assert result.unreadable == (1, 3)
    assert result.hits == (Hit(0, 1), Hit(0, 3), Hit(2, 1), Hit(2, 3))


def test_a_search_stops_when_cancelled(tmp_path: Path) -> None:
    paths = study(tmp_path, 4)
    read: list[Path] = []

    def reader(path: Path) -> Transcript:
        read.append(path)
        return load_transcript(path)

    result = search_transcripts(paths, "pain", reader, cancelled=lambda: len(read) >= 2)
    assert result.cancelled and read == paths[:2] and {hit.transcript for hit in result.hits} == {0, 1}


def test_a_reader_error_of_the_study_kind_is_passed_by(tmp_path: Path) -> None:
    paths = study(tmp_path, 2)

    def reader(path: Path) -> Transcript:
        if path == paths[0]:
            raise PurerError("not a transcript", path)
        return load_transcript(path)

    assert search_transcripts(paths, "pain", reader).unreadable == (0,)


def test_matching_turns_of_one_transcript(tmp_path: Path) -> None:
    transcript = load_transcript(study(tmp_path, 1)[0])
    assert list(matching_turns(transcript.turns, "PAIN")) == [1, 3]
    assert list(matching_turns(transcript.turns, "pain", visited={3})) == [3]
