"""Transcripts: read a text file the tool never modifies and number its turns.

A turn is what one speaker said before another spoke. Each turn carries an
anchor, a short hash of its normalised speaker and text, stored with every
annotation so that a transcript edited under its codes is detected rather
than silently mis-coded.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from purer_tui.core import transcript_formats
from purer_tui.core.errors import InvalidFileError, Problem
from purer_tui.core.study_files import read_plain_file

#: Files larger than this are refused rather than read into memory.
MAX_TRANSCRIPT_BYTES = 64 * 1024 * 1024


def compute_anchor(speaker: str, text: str) -> str:
    """A short, stable fingerprint of a turn.

    Normalised to NFC with whitespace collapsed, so re-saving a file with other
    line endings or re-wrapped lines keeps anchors; any change of words or
    speaker changes it.
    """
    # str.split() splits on exactly the characters regex `\s` matches (str.isspace), and is much faster.
    global _sha256
    if _sha256 is None:
        # Loading hashlib (OpenSSL) takes milliseconds that commands reading no anchor (stats, quotes) never pay.
        from hashlib import sha256

        _sha256 = sha256
    normal_speaker = " ".join(_nfc(speaker).split())
    normal_text = " ".join(_nfc(text).split())
    digest = _sha256(f"{normal_speaker}\x1f{normal_text}".encode())
    return str(digest.hexdigest()[:10])


_sha256: Callable[[bytes], Any] | None = None


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


@dataclass(slots=True)
class Turn:
    """One numbered turn of a transcript. Treat it as read-only: transcripts never change in memory.

    (Not a frozen dataclass: those are slow to build, and a long transcript has
    20,000 turns to build before its first screen.)
    """

    number: int  # 1-based
    speaker: str  # "" when the transcript names nobody (a preamble, an unlabelled caption)
    text: str
    start: float | None  # seconds from the start of the recording, when the file says
    line: int  # line of the file where the turn starts
    _anchor: str | None = field(default=None, repr=False, compare=False)

    @property
    def anchor(self) -> str:
        """Computed on first use: opening a long transcript to code it needs only a few."""
        if self._anchor is None:
            self._anchor = compute_anchor(self.speaker, self.text)
        return self._anchor

    def as_json(self) -> dict[str, object]:
        return {
            "turn": self.number,
            "speaker": self.speaker,
            "text": self.text,
            "start": self.start,
            "anchor": self.anchor,
        }


@dataclass(frozen=True)
class Transcript:
    """A parsed transcript: its file, the format it was read as, and its turns."""

    path: Path
    format: str
    turns: tuple[Turn, ...]
    speakers: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.turns)

    def turn(self, number: int) -> Turn:
        """The turn with this 1-based number."""
        if not 1 <= number <= len(self.turns):
            raise IndexError(f"turn {number} is not in 1..{len(self.turns)}")
        return self.turns[number - 1]


def format_clock(seconds: float | None) -> str:
    """`83.5` as `0:01:23`; empty for an unknown time."""
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def decode_transcript(data: bytes, path: Path) -> str:
    """Bytes to text, refusing what is not UTF-8 text with a line number and a fix."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _invalid(path, 1, "the file is UTF-16 text; save it as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise _invalid(path, line, "the file holds NUL bytes, so it is not a text transcript; export it as UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        raise _invalid(path, line, f"byte 0x{byte:02x} is not valid UTF-8; save the file as UTF-8 text") from None


def load_transcript(path: Path) -> Transcript:
    """Read and parse a transcript file, detecting its format."""
    try:
        # Links are followed (a study's own patterns leave out links that lead outside it); pipes never block.
        data = read_plain_file(path, "transcript", MAX_TRANSCRIPT_BYTES, follow_links=True)
    except FileNotFoundError:
        raise _invalid(path, None, "no such file (a broken link, or moved?)") from None
    except InvalidFileError as error:
        if error.message.endswith("are refused"):  # too large: say what to do about it
            raise _invalid(path, None, f"{error.message}; split it by session") from None
        raise
    return parse_transcript(decode_transcript(data, path), path)


def parse_transcript(text: str, path: Path, format: str | None = None) -> Transcript:
    """Parse transcript text into numbered turns; `format` is detected when not given."""
    lines = split_lines(text.removeprefix("\ufeff"))
    chosen = format or transcript_formats.detect_format(lines, path.suffix.lower())
    raw_turns = transcript_formats.PARSERS[chosen](lines)
    # Positional and in a plain loop: a long transcript has tens of thousands of turns to build.
    turns = tuple(
        [
            Turn(number, speaker, text, start, line)
            for number, (speaker, text, start, line) in enumerate(raw_turns, start=1)
        ]
    )
    speakers = tuple(dict.fromkeys([turn.speaker for turn in turns if turn.speaker]))
    return Transcript(path=path, format=chosen, turns=turns, speakers=speakers)


def split_lines(text: str) -> list[str]:
    """Split on CRLF, CR or LF only.

    `str.splitlines()` also splits on form feeds, vertical tabs and Unicode
    line separators that can occur inside a turn, which would shift line
    numbers away from what editors show.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _invalid(path: Path, line: int | None, message: str) -> InvalidFileError:
    return InvalidFileError([Problem(path, line, message)])
