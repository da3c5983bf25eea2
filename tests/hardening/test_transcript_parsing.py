"""Transcripts read with one match per line give the turns of the reading that built an object per line.

The reference below is the parser as it was before the fast path (a candidate
object per line with a colon, a builder object per turn, turns that were
mutated while cues merged), kept here only to compare against. The helpers it
shares with the parser (the patterns, `parse_clock`, `_looks_like_a_name`, the
caption and Otter header helpers) are unchanged by the fast path.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purer_tui.core import transcript_formats as formats
from purer_tui.core.transcript import Transcript, Turn, decode_transcript, parse_transcript, split_lines
from purer_tui.core.transcript_formats import (
    _CUE_TIMING,
    _LABEL_WINDOW,
    _LEADING_CLOCK,
    _NOT_SPEAKERS,
    _NUMBER,
    _OTTER_FOOTER,
    _OTTER_HEADER,
    _TURN_START,
    _caption_blocks,
    _caption_speaker,
    _looks_like_a_name,
    _otter_headers,
    parse_clock,
)

# --- the reference: the reading before the fast path --------------------------------------------


@dataclass
class _RawTurn:
    speaker: str
    text: str
    start: float | None
    line: int


@dataclass
class _Candidate:
    line: int
    speaker: str
    text: str
    start: float | None
    after_blank: bool


def _turn_candidate(lines: list[str], index: int) -> _Candidate | None:
    window = lines[index][:_LABEL_WINDOW]
    if ":" not in window:
        return None
    match = _TURN_START.match(window)
    if not match:
        return None
    speaker, lead, trail = match.group("speaker", "lead", "trail")
    speaker = speaker.strip()
    if not speaker or len(speaker) > 40 or speaker.casefold() in _NOT_SPEAKERS:
        return None
    if speaker[0].isdigit() and _NUMBER.fullmatch(speaker):
        return None
    clock = lead or trail
    return _Candidate(
        index,
        speaker,
        lines[index][match.end() :].strip(),
        parse_clock(clock) if clock else None,
        index == 0 or not lines[index - 1].strip(),
    )


def _speaker_lines(lines: list[str]) -> dict[int, _Candidate]:
    candidates = [c for i in range(len(lines)) if (c := _turn_candidate(lines, i))]
    counts = Counter(c.speaker for c in candidates)
    established = [c for c in candidates if counts[c.speaker] >= 2]
    blank_separated = bool(established) and all(c.after_blank for c in established[1:])
    chosen: dict[int, _Candidate] = {}
    for candidate in candidates:
        if counts[candidate.speaker] >= 2:
            chosen[candidate.line] = candidate
        elif _looks_like_a_name(candidate.speaker) and (candidate.after_blank or not blank_separated):
            chosen[candidate.line] = candidate
    return chosen


class _TurnBuilder:
    def __init__(self) -> None:
        self.turns: list[_RawTurn] = []
        self._current: _RawTurn | None = None
        self._paragraphs: list[list[str]] = [[]]

    def start(self, speaker: str, start: float | None, line: int, first_text: str = "") -> None:
        self._finish()
        self._current = _RawTurn(speaker, "", start, line)
        self._paragraphs = [[first_text] if first_text else []]

    def blank(self) -> None:
        if self._paragraphs[-1]:
            self._paragraphs.append([])

    def add(self, text: str, line: int) -> None:
        if self._current is None:
            self._current = _RawTurn("", "", None, line)
        self._paragraphs[-1].append(text)

    def done(self) -> list[_RawTurn]:
        self._finish()
        return self.turns

    def _finish(self) -> None:
        if self._current is not None:
            self._current.text = "\n\n".join("\n".join(lines) for lines in self._paragraphs if lines)
            if self._current.text or self._current.speaker:
                self.turns.append(self._current)


def _parse_plain(lines: list[str]) -> list[_RawTurn]:
    starts = _speaker_lines(lines)
    if not starts:
        return _paragraph_turns(lines)
    builder = _TurnBuilder()
    for index, line in enumerate(lines):
        candidate = starts.get(index)
        if candidate is not None:
            builder.start(candidate.speaker, candidate.start, index + 1, candidate.text)
            continue
        stripped = line.strip()
        if not stripped:
            builder.blank()
            continue
        clock = _LEADING_CLOCK.match(stripped)
        if clock and clock.end() < len(stripped):
            stripped = stripped[clock.end() :]
        builder.add(stripped, index + 1)
    return builder.done()


def _paragraph_turns(lines: list[str]) -> list[_RawTurn]:
    turns: list[_RawTurn] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if index == 0 or not lines[index - 1].strip() or not turns:
            turns.append(_RawTurn("", stripped, None, index + 1))
        else:
            turns[-1].text += "\n" + stripped
    return turns


def _parse_otter(lines: list[str]) -> list[_RawTurn]:
    headers = set(_otter_headers(lines))
    builder = _TurnBuilder()
    for index, line in enumerate(lines):
        if index in headers:
            match = _OTTER_HEADER.match(line)
            assert match is not None
            builder.start(match.group("speaker").strip(), parse_clock(match.group("clock")), index + 1)
            continue
        stripped = line.strip()
        if _OTTER_FOOTER.match(stripped):
            continue
        if not stripped:
            builder.blank()
            continue
        builder.add(stripped, index + 1)
    return builder.done()


def _parse_captions(lines: list[str]) -> list[_RawTurn]:
    turns: list[_RawTurn] = []
    for first, block in _caption_blocks(lines):
        timing = next(((i, found) for i, line in enumerate(block) if (found := _CUE_TIMING.match(line))), None)
        if timing is None:
            continue
        timing_at, cue = timing
        start = parse_clock(cue.group("start"))
        payload = " ".join(line.strip() for line in block[timing_at + 1 :])
        speaker, text = _caption_speaker(payload)
        if not text and speaker is None:
            continue
        if turns and (speaker is None or speaker == turns[-1].speaker):
            turns[-1].text = f"{turns[-1].text} {text}".strip()
            continue
        turns.append(_RawTurn(speaker or "", text, start, first + timing_at + 1))
    return turns


def _detect_format(lines: list[str], suffix: str) -> str:
    non_blank = [line.strip() for line in lines if line.strip()]
    if suffix == ".vtt" or (non_blank and non_blank[0].startswith("WEBVTT")):
        return "vtt"
    if suffix == ".srt" or (len(non_blank) >= 2 and non_blank[0].isdigit() and _CUE_TIMING.match(non_blank[1])):
        return "srt"
    otter_headers = len(_otter_headers(lines))
    if otter_headers:
        plain_starts = sum(1 for i in range(len(lines)) if _turn_candidate(lines, i))
        if otter_headers >= plain_starts:
            return "otter"
    return "plain"


_PARSERS = {"plain": _parse_plain, "otter": _parse_otter, "vtt": _parse_captions, "srt": _parse_captions}


def _reference(text: str, path: Path) -> Transcript:
    lines = split_lines(text.removeprefix("\ufeff"))
    chosen = _detect_format(lines, path.suffix.lower())
    raw_turns = _PARSERS[chosen](lines)
    turns = tuple(Turn(index, raw.speaker, raw.text, raw.start, raw.line) for index, raw in enumerate(raw_turns, 1))
    speakers = tuple(dict.fromkeys(raw.speaker for raw in raw_turns if raw.speaker))
    return Transcript(path=path, format=chosen, turns=turns, speakers=speakers)


# --- generated transcripts of every shape ----------------------------------------------------------

SPEAKERS = st.sampled_from(
    [
        "Therapist",
        "Participant 3",
        "Dr. Ruiz",
        "P1 (Maria)",
        "Ana de la Cruz",
        "Mrs O\u2019Neil",
        "田中",
        "Mindfulness",
        "ana",
        "Note",
        "NB",
        "10",
        "3.5",
        "Speaker 1",
        "A" * 41,
        "One Two Three Four Five Six",
        "_x",
        "Ünal",
    ]
)
LEADS = st.sampled_from(["", "", "[00:01:23] ", "00:01:23 - ", "(1:23) | ", "[01:02:03.5] ", "1:02 ", "[00:00:09]\t"])
TRAILS = st.sampled_from(["", "", " (00:05)", " [1:23]", "(1:02:03,25)"])
COLONS = st.sampled_from([": ", ": ", ":", " : ", ":\t", "::", ":  "])
WORDS = st.sampled_from(
    ["breath", "back", "10:30:", "ratio 3:1", "café", "e\u0301", "  ", "\t", "note: this", "\u2028", "\x0c", "\u00a0"]
)
TEXTS = st.lists(WORDS, max_size=5).map(" ".join)
SPEAKER_LINES = st.builds(lambda *parts: "".join(parts), LEADS, SPEAKERS, TRAILS, COLONS, TEXTS)
OTHER_LINES = st.sampled_from(
    [
        "",
        "",
        "   ",
        "\t",
        "a continuation",
        "[00:00:05] a timestamped line that names no speaker",
        "00:01:02",
        "12: items",
        "Note: we come back to this",
        "  indented speech  ",
        "x" * 78 + ": window",
        "Therapist" + " " * 70 + ": far",
        "Therapist  0:03",
        "Unknown Speaker\t1:02:07",
        "Participant 1  15:09  ",
        "Transcribed by https://otter.ai",
        "WEBVTT",
        "NOTE a comment",
        "1",
        "2",
        "00:00:01.000 --> 00:00:04.000 align:start",
        "00:00:05,000 --> 00:00:07,500",
        "00:10.000 --> 00:12.000",
        "<v Therapist>What did you notice?</v>",
        "<v.loud Participant 1>felt <i>tight</i> &amp; warm.</v>",
        "- Ana: hi",
        ">> Bob: yo",
        "Ana: captioned",
    ]
)
LINES = st.lists(SPEAKER_LINES | OTHER_LINES | TEXTS, max_size=25)


def _text(lines: list[str], ending: str, final: bool, bom: bool) -> str:
    return ("\ufeff" if bom else "") + ending.join(lines) + (ending if final else "")


EXAMPLES = [
    ["Therapist: Let us begin.", "", "Participant 2: I tried.", "Mindfulness: a word.", "", "Therapist: Say."],
    ["MORE group 1", "", "  ", "Recorded", "Therapist: Welcome.", "Participant 1: Hi.", "", "more", "Facilitator: Up."],
    ["Therapist  0:03", "Let's begin.", "", "Participant 1  0:15", "Hard.", "", "Transcribed by https://otter.ai"],
    ["WEBVTT", "", "1", "00:00:01.000 --> 00:00:04.000", "<v Ana>hi</v>", "", "00:05.000 --> 00:06.000", "more"],
    ["1", "00:00:01,000 --> 00:00:02,000", "Ana: one", "", "2", "00:00:03,000 --> 00:00:04,000", "Bob: two"],
    ["First thought", "still first.", "", "Second thought."],
    ["[00:00:09] Therapist: one", "[00:00:18] Participant 3: two", "[00:00:27] Therapist: three"],
]


@pytest.mark.parametrize("lines", EXAMPLES)
@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_examples_read_as_before(lines: list[str], ending: str) -> None:
    for suffix in (".txt", ".vtt", ".srt"):
        _assert_read_as_before(_text(lines, ending, True, ending == "\r\n"), Path("t" + suffix))


@given(
    LINES,
    st.sampled_from(["\n", "\n", "\r\n", "\r"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from([".txt", ".txt", ".md", ".vtt", ".srt", ".TXT"]),
)
def test_transcripts_read_as_before(lines: list[str], ending: str, final: bool, bom: bool, suffix: str) -> None:
    _assert_read_as_before(_text(lines, ending, final, bom), Path("t" + suffix))


def _assert_read_as_before(text: str, path: Path) -> None:
    text = decode_transcript(text.encode(), path)
    fast, before = parse_transcript(text, path), _reference(text, path)
    assert fast == before
    assert [(turn.number, turn.line, turn.anchor) for turn in fast.turns] == [
        (turn.number, turn.line, turn.anchor) for turn in before.turns
    ]
    for form in ("plain", "otter", "vtt"):  # each parser on every text, whatever its shape
        assert parse_transcript(text, path, form) == Transcript(path, form, *_turns_and_speakers(text, form))


def _turns_and_speakers(text: str, form: str) -> tuple[tuple[Turn, ...], tuple[str, ...]]:
    raw_turns = _PARSERS[form](split_lines(text.removeprefix("\ufeff")))
    turns = tuple(Turn(index, raw.speaker, raw.text, raw.start, raw.line) for index, raw in enumerate(raw_turns, 1))
    return turns, tuple(dict.fromkeys(raw.speaker for raw in raw_turns if raw.speaker))


@given(LINES)
def test_formats_are_detected_as_before(lines: list[str]) -> None:
    for suffix in (".txt", ".vtt", ".srt"):
        assert formats.detect_format(lines, suffix) == _detect_format(lines, suffix)
