"""The transcript shapes purer-tui reads, and how it tells them apart.

Four shapes, all detected from the file itself:

- `plain`: `Speaker: text` turns, optionally with a leading `[00:01:23]` or
  `00:01:23` timestamp, or a `Speaker (00:01:23):` one; lines that do not start
  a turn continue the current one, blank lines separate paragraphs in a turn.
- `otter`: Otter.ai's export, a `Name  0:03` line, then the text, blocks
  separated by blank lines.
- `vtt`: WebVTT captions, speakers from `<v Name>` voice tags or a `Name:` prefix.
- `srt`: SubRip captions, speakers from a `Name:` prefix.

Each parser turns a list of lines into `RawTurn`s; `transcript.py` numbers them.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class RawTurn:
    speaker: str
    text: str
    start: float | None
    line: int


_FRACTION = re.compile(r"^(.*?)[.,](\d+)$")


def parse_clock(clock: str) -> float:
    """`1:02:03.5`, `01:23` or `00:00:01,000` as seconds."""
    fraction = 0.0
    if "." in clock or "," in clock:
        match = _FRACTION.match(clock)
        if match:
            clock, digits = match.group(1), match.group(2)
            fraction = int(digits) / (10 ** len(digits))
    parts = clock.split(":")
    if len(parts) == 3:
        return int(parts[0]) * 3600 + int(parts[1]) * 60 + int(parts[2]) + fraction
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds + fraction


# --- plain `Speaker: text` -------------------------------------------------------

_CLOCK = r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?"
# A speaker label: words of letters, digits, dots, apostrophes, hyphens and
# parentheses, separated by single spaces, such as `Participant 3`,
# `Dr. Ruiz` or `P1 (Maria)`.
_LABEL = r"[^\W_][\w.'\u2019()&/-]*(?: [\w.'\u2019()&/-]+){0,4}"
# `[00:01:23] `, `00:01:23 - `, `(1:23) | ` before a speaker.
_LEADING_TIMESTAMP = rf"[\[(]?(?P<lead>{_CLOCK})[\])]?(?:\s*[-\u2013\u2014|])?\s+"
_TURN_START = re.compile(
    rf"^(?:{_LEADING_TIMESTAMP})?"
    rf"(?P<speaker>{_LABEL}?)"
    rf"(?:\s*[\[(](?P<trail>{_CLOCK})[\])])?"
    r"\s?:(?:\s+|$)"
)
_LEADING_CLOCK = re.compile(rf"^{_LEADING_TIMESTAMP}")
_NUMBER = re.compile(r"[\d.]+")
# Only a line's beginning can hold a label, so a 10 MB line costs nothing.
_LABEL_WINDOW = 80

# Words that start annotations inside someone's speech, never a speaker.
_NOT_SPEAKERS = frozenset(
    """note notes nb n.b. n.b ps p.s. p.s pps edit update example examples e.g. eg i.e. ie
    warning caution tip reminder important fyi aside correction translation see also re cf
    btw quote summary source context definition http https""".split()
)
# Lowercase words that may stand inside a name (`Ana de la Cruz`).
_NAME_PARTICLES = frozenset("de da das do dos di du del della der den van von la le al bin ibn y".split())


@dataclass(slots=True)
class _Candidate:
    line: int  # 0-based index
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
    if speaker[0].isdigit() and _NUMBER.fullmatch(speaker):  # "10: ..." is a list or a time, not a person
        return None
    clock = lead or trail
    # Positional: built once per line of a transcript that may have 20,000 of them.
    return _Candidate(
        index,
        speaker,
        lines[index][match.end() :].strip(),
        parse_clock(clock) if clock else None,
        index == 0 or not lines[index - 1].strip(),
    )


def _looks_like_a_name(label: str) -> bool:
    for word in label.split(" "):
        first = word[0]
        if first.isdigit() or first == "(" or word in _NAME_PARTICLES:
            continue
        if first.isalpha() and (first.isupper() or first.lower() == first.upper()):
            continue  # capitalised, or a script without case
        return False
    return True


def _speaker_lines(lines: list[str]) -> dict[int, _Candidate]:
    """Which lines start a turn.

    A label is a speaker when it labels two or more lines, or when it is named
    like a person. Where the established speakers' turns are separated by
    blank lines, a one-off label in the middle of a paragraph ("Mindfulness:
    ...") is part of the speech, not a new speaker.
    """
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


def _join_paragraphs(paragraphs: list[list[str]]) -> str:
    return "\n\n".join("\n".join(lines) for lines in paragraphs if lines)


class _TurnBuilder:
    """Collects turns line by line: each turn's lines, with blank lines separating its paragraphs."""

    def __init__(self) -> None:
        self.turns: list[RawTurn] = []
        self._current: RawTurn | None = None
        self._paragraphs: list[list[str]] = [[]]

    def start(self, speaker: str, start: float | None, line: int, first_text: str = "") -> None:
        self._finish()
        self._current = RawTurn(speaker, "", start, line)
        self._paragraphs = [[first_text] if first_text else []]

    def blank(self) -> None:
        if self._paragraphs[-1]:
            self._paragraphs.append([])

    def add(self, text: str, line: int) -> None:
        """A line of the current turn (before any speaker: a turn with no speaker)."""
        if self._current is None:
            self._current = RawTurn("", "", None, line)
        self._paragraphs[-1].append(text)

    def done(self) -> list[RawTurn]:
        self._finish()
        return self.turns

    def _finish(self) -> None:
        if self._current is not None:
            self._current.text = _join_paragraphs(self._paragraphs)
            if self._current.text or self._current.speaker:
                self.turns.append(self._current)


def parse_plain(lines: list[str]) -> list[RawTurn]:
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
        if clock and clock.end() < len(stripped):  # a timestamped line that names no speaker
            stripped = stripped[clock.end() :]
        builder.add(stripped, index + 1)
    return builder.done()


def _paragraph_turns(lines: list[str]) -> list[RawTurn]:
    """A text that names no speakers at all: each paragraph is a turn."""
    turns: list[RawTurn] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if index == 0 or not lines[index - 1].strip() or not turns:
            turns.append(RawTurn("", stripped, None, index + 1))
        else:
            turns[-1].text += "\n" + stripped
    return turns


# --- Otter.ai ------------------------------------------------------------------

_OTTER_HEADER = re.compile(r"^(?P<speaker>\S.{0,60}?)(?:\s{2,}|\t)(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)\s*$")
_OTTER_FOOTER = re.compile(r"^Transcribed by https?://otter\.ai\s*$", re.IGNORECASE)


def _otter_headers(lines: list[str]) -> list[int]:
    return [
        index
        for index, line in enumerate(lines)
        # a header ends with its clock's last digit: most lines are rejected without the regex
        if line.rstrip()[-1:].isdigit()
        and _OTTER_HEADER.match(line)
        and index + 1 < len(lines)
        and lines[index + 1].strip()
    ]


def parse_otter(lines: list[str]) -> list[RawTurn]:
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


# --- captions: WebVTT and SRT ---------------------------------------------------

_CUE_TIMING = re.compile(r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*\S+")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+(?P<name>[^>]*)>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[^>]*>")
_CAPTION_LABEL = re.compile(rf"^(?:-\s*|>>\s*)?(?P<speaker>{_LABEL}?)\s?:\s+")


def _caption_blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Blocks of non-blank lines with the index of their first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for index, line in enumerate(lines):
        if line.strip():
            if not current:
                first = index
            current.append(line)
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _caption_speaker(payload: str) -> tuple[str | None, str]:
    voice = _VOICE.search(payload)
    if voice:
        speaker = html.unescape(voice.group("name")).strip()
        return speaker or None, _clean_caption(payload)
    text = _clean_caption(payload)
    label = _CAPTION_LABEL.match(text[:_LABEL_WINDOW])
    if label and label.group("speaker").casefold() not in _NOT_SPEAKERS:
        return label.group("speaker").strip(), text[label.end() :].strip()
    return None, text


def _clean_caption(payload: str) -> str:
    return html.unescape(_TAG.sub("", payload)).replace("\u00a0", " ").strip()


def parse_captions(lines: list[str]) -> list[RawTurn]:
    """WebVTT and SRT cues, merged into turns.

    A cue that names no speaker continues the turn before it (captioners name
    the speaker once and split a long turn over several cues); consecutive
    cues of one speaker are one turn.
    """
    turns: list[RawTurn] = []
    for first, block in _caption_blocks(lines):
        timing = next(((i, found) for i, line in enumerate(block) if (found := _CUE_TIMING.match(line))), None)
        if timing is None:  # the WEBVTT header, NOTE, STYLE and REGION blocks, stray numbers
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
        turns.append(RawTurn(speaker or "", text, start, first + timing_at + 1))
    return turns


# --- detection ------------------------------------------------------------------

PARSERS: dict[str, Callable[[list[str]], list[RawTurn]]] = {
    "plain": parse_plain,
    "otter": parse_otter,
    "vtt": parse_captions,
    "srt": parse_captions,
}


def detect_format(lines: list[str], suffix: str) -> str:
    """Which shape a transcript has, from its first lines and its ending."""
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
