"""Plain `Speaker: text` transcripts, with and without timestamps."""

from __future__ import annotations

from pathlib import Path

import pytest

from purer_tui.core.errors import InvalidFileError
from purer_tui.core.transcript import compute_anchor, load_transcript, parse_transcript
from tests.conftest import write


def parse(text: str, name: str = "t.txt"):
    return parse_transcript(text, Path(name))


def summary(text: str) -> list[tuple[str, str]]:
    return [(turn.speaker, turn.text) for turn in parse(text).turns]


def test_speaker_turns_are_numbered_from_one() -> None:
    transcript = parse("Therapist: What did you notice?\nParticipant 1: My back.\n")
    assert transcript.format == "plain"
    assert [(t.number, t.speaker, t.text, t.line) for t in transcript.turns] == [
        (1, "Therapist", "What did you notice?", 1),
        (2, "Participant 1", "My back.", 2),
    ]
    assert transcript.speakers == ("Therapist", "Participant 1")


@pytest.mark.parametrize(
    "label", ["Participant 3", "Dr. Ruiz", "P1 (Maria)", "Ana de la Cruz", "Mrs O'Neil", "Jean-Luc", "田中"]
)
def test_speaker_labels_with_spaces_digits_dots_and_parentheses(label: str) -> None:
    turns = summary(f"Therapist: Hello.\n{label}: Hi there.\nTherapist: Welcome.\n")
    assert turns[1] == (label, "Hi there.")


def test_lines_that_start_no_turn_continue_it_and_blank_lines_make_paragraphs() -> None:
    text = "Therapist: First line\nsecond line\n\nnew paragraph\nParticipant 1: Reply\n"
    assert summary(text) == [("Therapist", "First line\nsecond line\n\nnew paragraph"), ("Participant 1", "Reply")]


def test_a_note_inside_a_turn_is_not_a_speaker() -> None:
    text = (
        "Therapist: The wandering is the practice.\n"
        "Note: we come back to this next week.\n"
        "Participant 1: Okay.\n"
        "Therapist: Good.\n"
        "Participant 1: Thanks.\n"
    )
    turns = summary(text)
    assert [speaker for speaker, _ in turns] == ["Therapist", "Participant 1", "Therapist", "Participant 1"]
    assert turns[0][1] == "The wandering is the practice.\nNote: we come back to this next week."


def test_a_one_off_label_inside_a_blank_separated_turn_is_text() -> None:
    text = (
        "Therapist: Let us begin.\n\n"
        "Participant 2: I tried the practice.\n"
        "Mindfulness: that word still confuses me.\n\n"
        "Therapist: Say more.\n\n"
        "Participant 2: Sure.\n"
    )
    turns = summary(text)
    assert [speaker for speaker, _ in turns] == ["Therapist", "Participant 2", "Therapist", "Participant 2"]
    assert "Mindfulness: that word" in turns[1][1]


def test_a_speaker_who_speaks_once_is_still_a_speaker() -> None:
    turns = summary(
        "Therapist: Hi.\nParticipant 1: Hello.\nFacilitator: Time is up.\nTherapist: Thanks.\nParticipant 1: Bye.\n"
    )
    assert [speaker for speaker, _ in turns] == [
        "Therapist",
        "Participant 1",
        "Facilitator",
        "Therapist",
        "Participant 1",
    ]


def test_lowercase_phrases_before_a_colon_are_speech() -> None:
    turns = summary("Therapist: Hi.\nParticipant 1: He told me this:\nthe pain is in your head.\nTherapist: Hm.\n")
    assert turns[1] == ("Participant 1", "He told me this:\nthe pain is in your head.")


def test_colons_inside_text_and_clock_times_are_not_speakers() -> None:
    turns = summary(
        "Therapist: Meet at 10:30: bring a mat.\nParticipant 1: Ratio was 3:1, ok.\n12: items\nTherapist: Right.\n"
    )
    assert turns[0] == ("Therapist", "Meet at 10:30: bring a mat.")
    assert turns[1] == ("Participant 1", "Ratio was 3:1, ok.\n12: items")


@pytest.mark.parametrize(
    "line, start",
    [
        ("[00:01:23] Therapist: Breathe.", 83.0),
        ("00:01:23 Therapist: Breathe.", 83.0),
        ("(1:23) Therapist: Breathe.", 83.0),
        ("[01:02:03.5] Therapist: Breathe.", 3723.5),
        ("Therapist (00:01:23): Breathe.", 83.0),
        ("Therapist [1:23]: Breathe.", 83.0),
        ("00:01:23 - Therapist: Breathe.", 83.0),
        ("[00:01:23] | Therapist: Breathe.", 83.0),
    ],
)
def test_timestamps_give_start_times(line: str, start: float) -> None:
    transcript = parse(f"{line}\n[00:02:00] Participant 1: Okay.\n")
    assert transcript.turns[0].speaker == "Therapist"
    assert transcript.turns[0].text == "Breathe."
    assert transcript.turns[0].start == start


def test_rev_style_label_on_its_own_line() -> None:
    turns = parse("Speaker 1 (00:05):\nHello there.\n\nSpeaker 2 (00:09):\nHi.\n").turns
    assert [(t.speaker, t.text, t.start) for t in turns] == [
        ("Speaker 1", "Hello there.", 5.0),
        ("Speaker 2", "Hi.", 9.0),
    ]


def test_bom_crlf_and_cr_line_endings(tmp_path: Path) -> None:
    lf = "Therapist: One\ncontinued\nParticipant 1: Two\n"
    for name, data in {
        "bom.txt": b"\xef\xbb\xbf" + lf.encode(),
        "crlf.txt": lf.replace("\n", "\r\n").encode(),
        "cr.txt": lf.replace("\n", "\r").encode(),
    }.items():
        transcript = load_transcript(write(tmp_path / name, data))
        assert [(t.speaker, t.text, t.line) for t in transcript.turns] == [
            ("Therapist", "One\ncontinued", 1),
            ("Participant 1", "Two", 3),
        ], name


def test_unicode_line_separators_stay_inside_a_turn() -> None:
    turns = parse("Therapist: one\u2028two\x0cthree\nParticipant 1: ok\n").turns
    assert len(turns) == 2 and turns[0].text == "one\u2028two\x0cthree"


def test_a_speakerless_first_paragraph_is_a_turn_of_its_own() -> None:
    turns = parse("MORE group 1, session 3\nRecorded 2024-03-01\n\nTherapist: Welcome.\nParticipant 1: Hi.\n").turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("", "MORE group 1, session 3\nRecorded 2024-03-01"),
        ("Therapist", "Welcome."),
        ("Participant 1", "Hi."),
    ]


def test_a_text_without_speakers_is_one_turn_per_paragraph() -> None:
    turns = parse("First thought\nstill first.\n\nSecond thought.\n").turns
    assert [(t.speaker, t.text) for t in turns] == [("", "First thought\nstill first."), ("", "Second thought.")]


def test_empty_and_blank_files_have_no_turns() -> None:
    assert parse("").turns == ()
    assert parse("  \n\n \t\n").turns == ()


def test_a_huge_single_line_parses_quickly() -> None:
    transcript = parse("Therapist: " + "word " * 400_000 + "\n")
    assert len(transcript.turns) == 1 and len(transcript.turns[0].text) > 1_000_000


def test_anchor_ignores_line_endings_and_wrapping_but_not_words() -> None:
    assert compute_anchor("Therapist", "one two\nthree") == compute_anchor("Therapist", "one  two three")
    assert compute_anchor("Therapist", "one two") != compute_anchor("Therapist", "one three")
    assert compute_anchor("Therapist", "one two") != compute_anchor("Participant 1", "one two")
    assert len(compute_anchor("a", "b")) == 10


def test_anchors_survive_a_crlf_resave(tmp_path: Path) -> None:
    text = "Therapist: One\ncontinued\nParticipant 1: Two\n"
    lf = load_transcript(write(tmp_path / "a.txt", text))
    crlf = load_transcript(write(tmp_path / "b.txt", text.replace("\n", "\r\n")))
    assert [t.anchor for t in lf.turns] == [t.anchor for t in crlf.turns]


@pytest.mark.parametrize(
    "data, line, words",
    [
        (b"\xff\xfeT\x00h\x00", 1, "UTF-16"),
        (b"Therapist: hi\nP1: a\x00b\n", 2, "NUL"),
        (b"Therapist: hi\nParticipant 1: caf\xe9\n", 2, "UTF-8"),
    ],
)
def test_files_that_are_not_utf8_text_are_refused_with_a_line(
    tmp_path: Path, data: bytes, line: int, words: str
) -> None:
    path = write(tmp_path / "bad.txt", data)
    with pytest.raises(InvalidFileError) as raised:
        load_transcript(path)
    assert raised.value.line == line and words in raised.value.message


def test_folders_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidFileError, match="folder"):
        load_transcript(tmp_path)
    (tmp_path / "link.txt").symlink_to(tmp_path / "gone.txt")
    with pytest.raises(InvalidFileError, match="no such file"):
        load_transcript(tmp_path / "link.txt")


def test_the_tool_never_modifies_a_transcript(tmp_path: Path) -> None:
    path = write(tmp_path / "t.txt", "Therapist: hi\r\nParticipant 1: yo\r\n")
    before = path.read_bytes(), path.stat().st_mtime_ns
    load_transcript(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
