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

import re
from collections import Counter
from collections.abc import Callable
from itertools import islice

#: A turn as a parser finds it: speaker, text, start, line. A plain tuple: a study has hundreds of thousands.
RawTurn = tuple[str, str, float | None, int]


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


def _speaker_of(label: str) -> str:
    """The speaker a label names, or "" when it is no speaker."""
    speaker = label.strip()
    if not speaker or len(speaker) > 40 or speaker.casefold() in _NOT_SPEAKERS:
        return ""
    if speaker[0].isdigit() and _NUMBER.fullmatch(speaker):  # "10: ..." is a list or a time, not a person
        return ""
    return speaker


# A line that may start a turn: its index (0-based), speaker, where its text starts, and its clock if any.
_Candidate = tuple[int, str, int, "str | None"]


def _turn_candidates(lines: list[str]) -> list[_Candidate]:
    """The lines that may start a turn: one match per line with a colon near its start, and nothing else built."""
    match = _TURN_START.match
    speakers: dict[str, str] = {}  # each label is judged once: a transcript repeats a few speakers
    candidates: list[_Candidate] = []
    for index, line in enumerate(lines):
        window = line[:_LABEL_WINDOW]
        if ":" not in window:
            continue
        found = match(window)
        if found is None:
            continue
        lead, label, trail = found.groups()
        speaker = speakers.get(label)
        if speaker is None:
            speaker = speakers[label] = _speaker_of(label)
        if speaker:
            candidates.append((index, speaker, found.end(), lead or trail))
    return candidates


def _looks_like_a_name(label: str) -> bool:
    for word in label.split(" "):
        first = word[0]
        if first.isdigit() or first == "(" or word in _NAME_PARTICLES:
            continue
        if first.isalpha() and (first.isupper() or first.lower() == first.upper()):
            continue  # capitalised, or a script without case
        return False
    return True


def _speaker_lines(lines: list[str]) -> list[_Candidate]:
    """Which lines start a turn, in order.

    A label is a speaker when it labels two or more lines, or when it is named
    like a person. Where the established speakers' turns are separated by
    blank lines, a one-off label in the middle of a paragraph ("Mindfulness:
    ...") is part of the speech, not a new speaker.
    """
    candidates = _turn_candidates(lines)
    counts = Counter([candidate[1] for candidate in candidates])
    if all(count >= 2 for count in counts.values()):
        return candidates  # every label speaks twice or more: no one-off label to judge

    def after_blank(index: int) -> bool:
        return index == 0 or not lines[index - 1].strip()

    established = [index for index, speaker, _, _ in candidates if counts[speaker] >= 2]
    blank_separated = bool(established) and all(after_blank(index) for index in established[1:])
    return [
        candidate
        for candidate in candidates
        if counts[candidate[1]] >= 2
        or (_looks_like_a_name(candidate[1]) and (not blank_separated or after_blank(candidate[0])))
    ]


def _join_paragraphs(paragraphs: list[list[str]]) -> str:
    return "\n\n".join("\n".join(lines) for lines in paragraphs if lines)


def _continued(lines: list[str], first: int, end: int, paragraphs: list[list[str]]) -> str:
    """A turn's text: its paragraphs so far and the lines `first` to `end` that continue it."""
    for index in range(first, end):
        stripped = lines[index].strip()
        if not stripped:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        clock = _LEADING_CLOCK.match(stripped)
        if clock and clock.end() < len(stripped):  # a timestamped line that names no speaker
            stripped = stripped[clock.end() :]
        paragraphs[-1].append(stripped)
    return _join_paragraphs(paragraphs)


def parse_plain(lines: list[str]) -> list[RawTurn]:
    starts = _speaker_lines(lines)
    if not starts:
        return _paragraph_turns(lines)
    turns: list[RawTurn] = []
    first = next((index for index in range(starts[0][0]) if lines[index].strip()), None)
    if first is not None:  # text before the first speaker: a turn with no speaker
        turns.append(("", _continued(lines, first, starts[0][0], [[]]), None, first + 1))
    ends = [candidate[0] for candidate in starts[1:]]
    ends.append(len(lines))
    for (index, speaker, text_at, clock), end in zip(starts, ends, strict=True):
        text = lines[index][text_at:].strip()
        if end > index + 1:  # the lines up to the next speaker continue the turn
            text = _continued(lines, index + 1, end, [[text] if text else []])
        turns.append((speaker, text, parse_clock(clock) if clock else None, index + 1))
    return turns


def _paragraph_turns(lines: list[str]) -> list[RawTurn]:
    """A text that names no speakers at all: each paragraph is a turn."""
    paragraphs: list[tuple[int, list[str]]] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if index == 0 or not lines[index - 1].strip() or not paragraphs:
            paragraphs.append((index + 1, [stripped]))
        else:
            paragraphs[-1][1].append(stripped)
    return [("", "\n".join(parts), None, line) for line, parts in paragraphs]


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


class _TurnBuilder:
    """Collects turns line by line: each turn's lines, with blank lines separating its paragraphs."""

    def __init__(self) -> None:
        self.turns: list[RawTurn] = []
        self._current: tuple[str, float | None, int] | None = None  # speaker, start, line
        self._paragraphs: list[list[str]] = [[]]

    def start(self, speaker: str, start: float | None, line: int) -> None:
        self._finish()
        self._current = (speaker, start, line)
        self._paragraphs = [[]]

    def blank(self) -> None:
        if self._paragraphs[-1]:
            self._paragraphs.append([])

    def add(self, text: str, line: int) -> None:
        """A line of the current turn (before any speaker: a turn with no speaker)."""
        if self._current is None:
            self._current = ("", None, line)
        self._paragraphs[-1].append(text)

    def done(self) -> list[RawTurn]:
        self._finish()
        return self.turns

    def _finish(self) -> None:
        if self._current is not None:
            speaker, start, line = self._current
            text = _join_paragraphs(self._paragraphs)
            if text or speaker:
                self.turns.append((speaker, text, start, line))


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
    import html  # here: only captions have entities, and loading html's table costs a plain transcript a millisecond

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
    import html

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
        if turns and (speaker is None or speaker == turns[-1][0]):
            last_speaker, last_text, last_start, last_line = turns[-1]
            turns[-1] = (last_speaker, f"{last_text} {text}".strip(), last_start, last_line)
            continue
        turns.append((speaker or "", text, start, first + timing_at + 1))
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
    non_blank = list(islice((stripped for line in lines if (stripped := line.strip())), 2))  # the first two
    if suffix == ".vtt" or (non_blank and non_blank[0].startswith("WEBVTT")):
        return "vtt"
    if suffix == ".srt" or (len(non_blank) >= 2 and non_blank[0].isdigit() and _CUE_TIMING.match(non_blank[1])):
        return "srt"
    otter_headers = len(_otter_headers(lines))
    if otter_headers:
        plain_starts = len(_turn_candidates(lines))
        if otter_headers >= plain_starts:
            return "otter"
    return "plain"
