"""Finding a text in the turns of many transcripts: pure, bounded and stoppable, with no terminal in it.

The coding app searches the transcript being coded (on a key: it is in memory)
or the whole study (in a worker thread: every transcript is read from disk,
one at a time, and let go again, so memory holds only the hits). Matching is
case-insensitive and literal, on turn text only, and only on the turns the
session visits (`--only` speakers, the disagreements being adjudicated). A
hit is a transcript's place in the session's list and a turn number; hits
come in study order, and at most `MAX_HITS` are kept. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from purer_tui.core.errors import PurerError
from purer_tui.core.transcript import Transcript, Turn

#: Hits kept at most: a search for "the" in a large study finds hundreds of thousands, and `n` needs none of them.
MAX_HITS = 10_000


class Hit(NamedTuple):
    """A turn that contains the text: which transcript (its place in the session's list), and the turn's number.

    Tuples compare in study order, so a sorted list of hits can be bisected with the coder's place.
    """

    transcript: int
    turn: int


@dataclass(frozen=True)
class SearchResult:
    """What a search found: the hits in study order (at most the limit), and what it could not do."""

    hits: tuple[Hit, ...]
    capped: bool = False  # more turns matched than were kept
    unreadable: tuple[int, ...] = ()  # transcripts that could not be read (`check` says why)
    cancelled: bool = False  # stopped before the end: the hits are of the transcripts read before

    @property
    def transcripts(self) -> int:
        """How many transcripts have a hit."""
        return len({hit.transcript for hit in self.hits})


def matching_turns(
    turns: Iterable[Turn],
    term: str,
    only: Collection[str] | None = None,
    visited: Collection[int] | None = None,
) -> Iterator[int]:
    """The numbers of the turns whose text contains `term`, ignoring case, among those visited.

    `only`: the speakers visited (None: all); `visited`: the turn numbers visited (None: all).
    """
    needle = term.casefold()
    if not needle:
        return
    for turn in turns:
        if (only is None or turn.speaker in only) and (visited is None or turn.number in visited):
            if needle in turn.text.casefold():
                yield turn.number


def search_transcripts(
    paths: Sequence[Path],
    term: str,
    read: Callable[[Path], Transcript],
    *,
    only: Collection[str] | None = None,
    turn_filter: Callable[[Path], Collection[int]] | None = None,
    limit: int = MAX_HITS,
    cancelled: Callable[[], bool] = lambda: False,
) -> SearchResult:
    """Search every transcript of `paths`, in order, reading each with `read` (which may raise `PurerError`
    or `OSError`: that transcript is counted as unreadable and passed by).

    `only` and `turn_filter` say which turns are visited, as in the coding session. `cancelled` is asked before
    each transcript: a search the coder ended stops there. At most `limit` hits are kept.
    """
    hits: list[Hit] = []
    unreadable: list[int] = []
    for index, path in enumerate(paths):
        if cancelled():
            return SearchResult(tuple(hits), False, tuple(unreadable), cancelled=True)
        try:
            transcript = read(path)
        except (PurerError, OSError):
            unreadable.append(index)
            continue
        visited = turn_filter(path) if turn_filter is not None else None
        for number in matching_turns(transcript.turns, term, only, visited):
            if len(hits) >= limit:
                return SearchResult(tuple(hits), True, tuple(unreadable))
            hits.append(Hit(index, number))
    return SearchResult(tuple(hits), False, tuple(unreadable))
