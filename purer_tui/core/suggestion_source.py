"""Where the coding app's suggested codes come from, behind one small interface.

A source answers, for a turn of a transcript (named by its path within the
study, with `/`), which codes it suggests; and it is told when the coder has
decided on some of them on that turn (applied them, or reviewed the turn
without them), so that it suggests them there no more. Settling returns a
token that undo gives back to `restore`. The clone-local queue that
`purer-tui autocode --as-suggestions` fills is one source (`QueueSource`);
`Suggestions` shows several alike: a code suggested by any of them is
suggested.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Protocol

from purer_tui.core.codebook import Codebook
from purer_tui.core.errors import PurerError
from purer_tui.core.suggestion_model import SuggestionModel
from purer_tui.core.suggestion_queue import QueuedCode, SuggestionQueue
from purer_tui.core.transcript import Transcript, Turn


class SuggestionSource(Protocol):
    def codes_for(self, transcript: str, turn: Turn) -> tuple[str, ...]:
        """The codes suggested for this turn."""

    def has_suggestions(self, transcript: str, turn: int, carried: Collection[str] = ()) -> bool:
        """Whether the turn has suggestions the coder should be taken to (`n` stops there), answered without
        reading the turn: codes suggested there that it does not carry yet."""

    def turns(self, transcript: str) -> Collection[int]:
        """The turns of a transcript that have such suggestions."""

    def settle(self, transcript: str, turn: int, codes: Collection[str] | None) -> object:
        """The coder decided on these codes (None: every one) on this turn: suggest them there no more. Returns
        what `restore` needs to undo it."""

    def prune(self, transcript: str, read: Transcript) -> None:
        """The transcript as it is now was opened: forget suggestions for turns that are no longer the same."""

    def restore(self, token: object) -> None:
        """Undo a `settle`."""

    @property
    def turn_count(self) -> int:
        """How many turns wait with suggestions (shown in the top bar)."""


class QueueSource:
    """The suggestions queued by `purer-tui autocode --as-suggestions`: each settle is written at once, onto the
    queue as it is on disk then (an autocode run meanwhile may have added to it)."""

    def __init__(self, queue: SuggestionQueue):
        self.queue = queue

    def codes_for(self, transcript: str, turn: Turn) -> tuple[str, ...]:
        entries = self.queue.entries_for(transcript, turn.number)
        # a turn whose text changed since it was queued (its anchor) is no longer the turn that matched
        return tuple(entry.code for entry in entries if entry.anchor == turn.anchor)

    def has_suggestions(self, transcript: str, turn: int, carried: Collection[str] = ()) -> bool:
        return any(code not in carried for code in self.queue.codes_for(transcript, turn))

    def turns(self, transcript: str) -> Collection[int]:
        return self.queue.turns(transcript)

    def settle(self, transcript: str, turn: int, codes: Collection[str] | None) -> object:
        if not self.queue.codes_for(transcript, turn):
            return ()
        self.queue.load()
        taken = self.queue.remove(transcript, turn, codes)
        if taken:
            self.queue.save()
        return taken

    def prune(self, transcript: str, read: Transcript) -> None:
        if self.queue.turns(transcript):
            turns = read.turns
            anchor_of = lambda number: turns[number - 1].anchor if 1 <= number <= len(turns) else None  # noqa: E731
            self.queue.load()
            if self.queue.drop_moved(transcript, anchor_of):
                self.queue.save()

    def add_codes(self, entries: Sequence[QueuedCode]) -> int:
        """Queue more codes (onto the queue as it is on disk now); how many were new. A queue that cannot be written
        is a `PurerError`, with nothing queued."""
        self.queue.load()
        added = self.queue.add(entries)
        if entries and not self.queue.save():
            self.queue.load()
            raise PurerError(
                "could not write the suggestion queue in the study's .purer folder (check that it is yours and "
                "writable); nothing was queued"
            )
        return added

    def restore(self, token: object) -> None:
        if isinstance(token, tuple) and token and all(isinstance(entry, QueuedCode) for entry in token):
            self.queue.load()
            self.queue.add(token)
            self.queue.save()

    @property
    def turn_count(self) -> int:
        return self.queue.turn_count


class Suggestions:
    """Every source of suggestions of a session, shown alike: the codes suggested for a turn, in codebook order,
    only codes the codebook has and that are applied (not split). Transcripts are named by their path within the
    study `root`; `role_of` gives a speaker's role (None: no roles), for the codes a turn can take."""

    def __init__(
        self,
        sources: Sequence[SuggestionSource],
        codebook: Codebook,
        root: Path,
        role_of: Callable[[str], str | None] | None = None,
    ):
        self.sources = list(sources)
        self.codebook = codebook
        self.root = root.absolute()
        self.role_of = role_of or (lambda speaker: None)

    def name(self, path: Path) -> str:
        """A transcript's name for the sources: its path within the study, with `/`."""
        try:
            return path.absolute().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def prune(self, transcript: str, read: Transcript) -> None:
        for source in self.sources:
            source.prune(transcript, read)

    def codes_for(self, transcript: str, turn: Turn) -> tuple[str, ...]:
        codes = [code for source in self.sources for code in source.codes_for(transcript, turn)]
        usable = [
            code
            for code in dict.fromkeys(codes)
            if self.codebook.has_code(code) and not self.codebook.code(code).split_into
        ]
        return tuple(self.codebook.in_codebook_order(usable))

    def has_suggestions(self, transcript: str, turn: int, carried: Collection[str] = ()) -> bool:
        return any(source.has_suggestions(transcript, turn, carried) for source in self.sources)

    def turns(self, transcript: str) -> set[int]:
        return {turn for source in self.sources for turn in source.turns(transcript)}

    def settle(self, transcript: str, turn: int, codes: Collection[str] | None) -> tuple[object, ...]:
        if codes is not None and not codes:
            return ()
        return tuple(source.settle(transcript, turn, codes) for source in self.sources)

    def restore(self, tokens: tuple[object, ...]) -> None:
        for source, token in zip(self.sources, tokens, strict=False):
            source.restore(token)

    @property
    def turn_count(self) -> int:
        return sum(source.turn_count for source in self.sources)

    @property
    def queue(self) -> QueueSource | None:
        """The clone's queue of suggested codes, when the session shows it."""
        return next((source for source in self.sources if isinstance(source, QueueSource)), None)


class ModelSource:
    """The codes the local model predicts for a turn's text (`suggest = true`). They are no work to do: `n` never
    stops for them and the top bar does not count them. A turn the coder decided (applied a code, or reviewed the
    turn without it) is not suggested that code again in this session."""

    #: Turns whose prediction is kept: a prediction costs a pass over the turn's words, a key press must not.
    CACHED_TURNS = 512

    def __init__(self, model: SuggestionModel, role_of: Callable[[str], str | None]):
        self.model = model
        self.role_of = role_of
        self._predicted: dict[tuple[str, int], tuple[str, tuple[str, ...]]] = {}  # (transcript, turn) -> anchor, codes
        self._settled: set[tuple[str, int, str]] = set()  # (transcript, turn, code) decided in this session

    def codes_for(self, transcript: str, turn: Turn) -> tuple[str, ...]:
        key = (transcript, turn.number)
        known = self._predicted.get(key)
        if known is None or known[0] != turn.anchor:
            if len(self._predicted) >= self.CACHED_TURNS:
                self._predicted.clear()
            suggested = self.model.suggest(turn.text, self.role_of(turn.speaker))
            known = self._predicted[key] = (turn.anchor, tuple(suggestion.code for suggestion in suggested))
        return tuple(code for code in known[1] if (transcript, turn.number, code) not in self._settled)

    def has_suggestions(self, transcript: str, turn: int, carried: Collection[str] = ()) -> bool:
        return False

    def turns(self, transcript: str) -> Collection[int]:
        return ()

    def settle(self, transcript: str, turn: int, codes: Collection[str] | None) -> object:
        if codes is None:  # every code it suggested there
            codes = self._predicted.get((transcript, turn), ("", ()))[1]
        taken = tuple((transcript, turn, code) for code in codes if (transcript, turn, code) not in self._settled)
        self._settled.update(taken)
        return taken

    def prune(self, transcript: str, read: Transcript) -> None:
        """Predictions are keyed by the turn's anchor: a changed turn is predicted afresh."""

    def restore(self, token: object) -> None:
        if isinstance(token, tuple):
            self._settled.difference_update(token)

    @property
    def turn_count(self) -> int:
        return 0
