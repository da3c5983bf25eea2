"""A coding session: the state machine behind the coding app, with no terminal in it.

One coder steps through a list of transcripts turn by turn, toggles codes,
marks turns reviewed (or unreviewed again), writes memos, flags turns to come
back to, undoes and redoes, searches and jumps. Review state is its own thing:
a memo or a flag alone never marks a turn reviewed.
Every change goes through the annotation store and is durable when the
method returns. The app only renders this state and maps keys to methods,
so every behaviour here is tested without Textual.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.annotation_paths import annotation_files, annotation_path
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile, ChangedOnDiskError
from purer_tui.core.codebook import Codebook
from purer_tui.core.errors import PurerError
from purer_tui.core.reanchor import is_stale
from purer_tui.core.transcript import Transcript, Turn, load_transcript


@dataclass(frozen=True)
class Change:
    """One undoable change: a turn's record before and after (None: not reviewed)."""

    transcript: int
    turn: int
    before: AnnotationRecord | None
    after: AnnotationRecord | None


class OpenTranscript:
    """A transcript of the session, with this coder's annotations and the turns that can be visited."""

    def unchanged_on_disk(self) -> bool:
        """Whether the transcript file is still the one that was read (a `git pull` can replace it)."""
        return _file_signature(self.transcript.path) == self._signature

    def __init__(
        self,
        transcript: Transcript,
        store: AnnotationFile,
        only: frozenset[str] | None,
        turns: Collection[int] | None = None,
    ):
        self.transcript = transcript
        self.store = store
        self._signature = _file_signature(transcript.path)
        count = len(transcript.turns)
        self._filtered = only is not None or turns is not None
        if self._filtered:
            self.visible: list[int] | range = [
                turn.number
                for turn in transcript.turns
                if (only is None or turn.speaker in only) and (turns is None or turn.number in turns)
            ]
            self._positions = {number: index for index, number in enumerate(self.visible)}
        else:  # every turn is visited: positions are arithmetic, nothing to build for 20,000 turns
            self.visible = range(1, count + 1)
            self._positions = {}
        self.reviewed = 0  # visited turns reviewed, and flagged: kept current on every change
        self.flagged = 0
        self.recount()

    def recount(self) -> None:
        """Count the reviewed and flagged turns afresh (on opening, and after a reload)."""
        visited = [record for number, record in self.store.records.items() if self.position_of(number) is not None]
        self.reviewed = sum(record.reviewed for record in visited)
        self.flagged = sum(record.flag for record in visited)

    def to_review(self) -> int:
        """How many visited turns still need the coder: not reviewed, flagged, or in a merge conflict."""
        settled = sum(
            1 for number, record in self.store.records.items() if record.settled_review and self.position_of(number) is not None
        )
        return len(self.visible) - settled

    def position_of(self, number: int) -> int | None:
        """Where a turn is among the visited turns; None when it is not visited."""
        if not self._filtered:
            return number - 1 if 1 <= number <= len(self.visible) else None
        return self._positions.get(number)

    @property
    def path(self) -> Path:
        return self.transcript.path

    def is_reviewed(self, number: int) -> bool:
        record = self.store.get(number)
        return record is not None and record.reviewed

    def is_flagged(self, number: int) -> bool:
        record = self.store.get(number)
        return record is not None and record.flag

    def needs_review(self, number: int) -> bool:
        """Not reviewed yet, flagged, or carrying a merge conflict to settle: where resume and `n` stop."""
        record = self.store.get(number)
        return record is None or not record.settled_review

    def fold_in(self) -> Reloaded | None:
        """Fold the journal into the annotation file. A file changed on disk meanwhile (a `git pull`) is first
        merged turn by turn with this session's changes, never overwritten; the merge is returned to be told."""
        try:
            self.store.compact()
            return None
        except ChangedOnDiskError:
            conflicts = self.store.reload()
            self.store.compact()
            self.recount()
            return Reloaded(self.store.path, tuple(conflicts))

    def needs_attention(self) -> tuple[int, int]:
        """How many records no longer match their turn (the transcript changed), and how many carry a merge conflict."""
        records = self.store.records.values()
        stale = sum(1 for record in records if is_stale(record, self.transcript))
        return stale, sum(1 for record in records if record.conflict is not None)


def _file_signature(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)


@dataclass(frozen=True)
class Reloaded:
    """An annotation file changed on disk under the session and merged with its changes."""

    path: Path
    conflicts: tuple[int, ...]  # turns changed both here and on disk: kept as conflict records, both versions


class TranscriptChangedError(PurerError):
    """The transcript was replaced on disk while it was open: changes would go to turns that may have moved."""


@dataclass(frozen=True)
class Progress:
    reviewed: int
    total: int
    flagged: int = 0


def transcript_progress(path: Path, coder: str, only: frozenset[str] | None) -> Progress:
    """Reviewed, total and flagged turns of one transcript for one coder, read from disk (safe in a worker thread)."""
    transcript = load_transcript(path)
    store = AnnotationFile.open(annotation_path(path, coder))
    records = [store.get(turn.number) for turn in transcript.turns if only is None or turn.speaker in only]
    return Progress(
        sum(1 for record in records if record is not None and record.reviewed),
        len(records),
        sum(1 for record in records if record is not None and record.flag),
    )


class CodingSession:
    """One coder coding a list of transcripts with one codebook."""

    def __init__(
        self,
        paths: list[Path],
        codebook: Codebook,
        coder: str,
        only: Iterable[str] | None = None,
        show_coders: bool | Sequence[str] = False,
        turn_filter: Callable[[Path], Collection[int]] | None = None,
        only_asked: Sequence[str] = (),
    ):
        """`show_coders`: True shows every other coder read-only, a list shows those coders;
        `turn_filter` limits each transcript to the turns it returns (adjudication: the disagreements);
        `only_asked` is what the coder named with --only (a role, say), for showing."""
        if not paths:
            raise ValueError("a coding session needs at least one transcript")
        self.paths = list(paths)
        self.codebook = codebook
        self.coder = coder
        self.only = frozenset(only) if only else None
        self.only_asked = tuple(only_asked) or tuple(sorted(self.only or ()))  # as the coder named them: speakers or roles
        self.show_coders = show_coders
        self.turn_filter = turn_filter
        self._open: dict[int, OpenTranscript] = {}
        self._others: dict[int, dict[str, AnnotationFile]] = {}
        self.index = 0  # which transcript
        self.position = 0  # index into the current transcript's visible turns
        self._undo: list[Change] = []
        self._redo: list[Change] = []
        # Turns that became reviewed because a code was applied here: taking that code off again
        # makes them unreviewed again, not "reviewed, no code" (a code pressed by mistake is no decision).
        self._reviewed_by_code: set[tuple[int, int]] = set()
        self.search_term: str | None = None
        self._hits: list[int] = []  # positions of search hits in the current transcript
        self._news: list[Reloaded] = []  # merges with files changed on disk, not yet told to the coder

    # --- what there is to show ----------------------------------------------

    @property
    def current(self) -> OpenTranscript:
        return self._opened(self.index)

    @property
    def turn(self) -> Turn | None:
        """The current turn, or None when the transcript has no turn to visit."""
        current = self.current
        if not current.visible:
            return None
        return current.transcript.turn(current.visible[self.position])

    @property
    def record(self) -> AnnotationRecord | None:
        turn = self.turn
        return self.current.store.get(turn.number) if turn else None

    def context(self, before: int, after: int) -> tuple[list[Turn], list[Turn]]:
        """The transcript's own turns just before and after the current one.

        Even when only some turns are visited (--only, adjudication) the
        context is the conversation itself: the question before a reply.
        """
        turn = self.turn
        if turn is None:
            return [], []
        turns = self.current.transcript.turns
        index = turn.number - 1
        return list(turns[max(0, index - before) : index]), list(turns[index + 1 : index + 1 + after])

    def progress(self) -> Progress:
        return self.progress_of(self.index)

    def progress_of(self, index: int) -> Progress:
        """Reviewed, visited and flagged turns of one transcript of the session (opening it if need be)."""
        opened = self._opened(index)
        return Progress(opened.reviewed, len(opened.visible), opened.flagged)

    def opened_progress(self) -> dict[int, Progress]:
        """Progress of the transcripts this session has open (they may differ from disk)."""
        return {index: Progress(o.reviewed, len(o.visible), o.flagged) for index, o in self._open.items()}

    def to_review(self, index: int) -> int:
        """Turns of an open transcript that still need this coder (not reviewed, flagged, or in conflict)."""
        return self._opened(index).to_review()

    def other_coders(self) -> list[tuple[str, AnnotationRecord | None]]:
        """Other coders' records of the current turn (only with show_coders)."""
        turn = self.turn
        if not self.show_coders or turn is None:
            return []
        if self.index not in self._others:
            files = annotation_files(self.current.path)
            wanted = [c for c in files if c != self.coder] if self.show_coders is True else list(self.show_coders)
            self._others[self.index] = {coder: AnnotationFile.open(files[coder]) for coder in wanted if coder in files}
        return [(coder, store.get(turn.number)) for coder, store in self._others[self.index].items()]

    # --- opening ------------------------------------------------------------

    def _opened(self, index: int) -> OpenTranscript:
        if index not in self._open:
            path = self.paths[index]
            transcript = load_transcript(path)
            store = AnnotationFile.open(annotation_path(path, self.coder), journaled=True)
            turns = self.turn_filter(path) if self.turn_filter else None
            self._open[index] = OpenTranscript(transcript, store, self.only, turns)
        return self._open[index]

    def resume(self, where: tuple[Path, int] | None = None) -> None:
        """Go to where this coder last was (`where`: a transcript and turn number), when this session visits it;
        else to their first turn that needs review, else the very start."""
        if where is not None:
            path, number = where
            wanted = os.path.normpath(path)
            index = next((i for i, candidate in enumerate(self.paths) if os.path.normpath(candidate) == wanted), None)
            if index is not None:
                opened = self._opened(index)
                position = opened.position_of(number)
                if position is not None:
                    self._go(index, position)
                    return
        for index in range(len(self.paths)):
            opened = self._opened(index)
            for position, number in enumerate(opened.visible):
                if opened.needs_review(number):
                    self._go(index, position)
                    return
        self._go(0, 0)

    def _go(self, index: int, position: int) -> None:
        if index != self.index:
            news = self.current.fold_in()  # leave the file we leave complete for git
            if news is not None:
                self._news.append(news)
            self.end_search()
        self.index = index
        count = len(self.current.visible)
        self.position = max(0, min(position, count - 1)) if count else 0

    # --- moving -------------------------------------------------------------

    def move(self, delta: int) -> None:
        self._go(self.index, self.position + delta)

    def first(self) -> None:
        self._go(self.index, 0)

    def last(self) -> None:
        self._go(self.index, len(self.current.visible) - 1)

    def at_end(self) -> bool:
        return self.position >= len(self.current.visible) - 1

    def switch_transcript(self, delta: int) -> bool:
        """Go to the previous or next transcript, at where the coder left off in it."""
        index = self.index + delta
        if not 0 <= index < len(self.paths):
            return False
        opened = self._opened(index)
        position = next((p for p, n in enumerate(opened.visible) if opened.needs_review(n)), 0)
        self._go(index, position)
        return True

    def goto_turn(self, number: int) -> bool:
        """Jump to turn `number`, or the next visitable turn after it; False when there is none."""
        current = self.current
        position = bisect.bisect_left(current.visible, number)
        if position >= len(current.visible):
            return False
        self._go(self.index, position)
        return True

    def next_unreviewed(self) -> bool:
        """The next turn this coder has not reviewed (or must settle), across transcripts, wrapping round; False when none."""
        count = len(self.paths)
        for step in range(count + 1):
            index = (self.index + step) % count
            opened = self._opened(index)
            start = self.position + 1 if step == 0 else 0
            stop = self.position if step == count else len(opened.visible)
            for position in range(start, stop):
                if opened.needs_review(opened.visible[position]):
                    self._go(index, position)
                    return True
        return False

    # --- changing -----------------------------------------------------------

    def toggle_code(self, code_id: str) -> None:
        """Apply the code, or take it off; in an exclusive group it replaces the group's other code.

        Applying a code reviews the turn. Taking the last code off leaves it
        reviewed with no code only when it was reviewed before the code was
        applied here; otherwise it is not reviewed again.
        """
        turn = self.turn
        if turn is None:
            return
        record = self.record
        key = (self.index, turn.number)
        codes = list(record.codes) if record else []
        if code_id in codes:
            codes.remove(code_id)
        else:
            group = self.codebook.group(self.codebook.code(code_id).group)
            if group.exclusive:
                codes = [c for c in codes if not (self.codebook.has_code(c) and self.codebook.code(c).group == group.id)]
            codes.append(code_id)
            if record is None or not record.reviewed:
                self._reviewed_by_code.add(key)
        reviewed = bool(codes) or key not in self._reviewed_by_code
        if not codes:
            self._reviewed_by_code.discard(key)
        self._set(self._record_with(codes=tuple(self.codebook.in_codebook_order(codes)), reviewed=reviewed))

    def set_codes(self, codes: Iterable[str]) -> None:
        """Give the turn exactly these codes, reviewed (adjudication: take one coder's, both, or none)."""
        turn = self.turn
        if turn is None:
            return
        ordered = tuple(self.codebook.in_codebook_order(list(dict.fromkeys(codes))))
        record = self.record
        self._reviewed_by_code.discard((self.index, turn.number))
        if record is None or record.codes != ordered or not record.reviewed or record.conflict is not None:
            self._set(self._record_with(codes=ordered, reviewed=True))

    def mark_reviewed(self) -> None:
        """Record the turn as reviewed with whatever codes it has (possibly none); its memo and flag stay.

        On a turn with a merge conflict this settles it with the codes shown.
        """
        record = self.record
        turn = self.turn
        if turn is None:
            return
        self._reviewed_by_code.discard((self.index, turn.number))
        if record is None or not record.reviewed or record.conflict is not None:
            self._set(self._record_with(reviewed=True))

    def unreview(self) -> bool:
        """Make the turn not reviewed again: its codes cleared, its memo and flag kept. False when it was not reviewed."""
        record = self.record
        turn = self.turn
        if turn is None or record is None or (not record.reviewed and record.conflict is None):
            return False
        self._reviewed_by_code.discard((self.index, turn.number))
        self._set(self._record_with(codes=(), reviewed=False))
        return True

    def toggle_flag(self) -> bool:
        """Flag the turn to come back to, or take the flag off; returns whether it is flagged now."""
        if self.turn is None:
            return False
        record = self.record
        flagged = not (record is not None and record.flag)
        if record is None:
            self._set(self._record_with(reviewed=False, flag=True))
        else:
            self._set(self._record_with(flag=flagged))
        return flagged

    def set_memo(self, memo: str) -> None:
        """Write the turn's memo; on a turn not reviewed it stays not reviewed (a note is no decision)."""
        memo = memo.rstrip()
        record = self.record
        if self.turn is None or (record is None and not memo) or (record is not None and record.memo == memo):
            return
        if record is None:
            self._set(self._record_with(memo=memo, reviewed=False))
        else:
            self._set(self._record_with(memo=memo))

    def _record_with(self, **fields: object) -> AnnotationRecord | None:
        """The current turn's record with these fields changed; None when nothing would be left on its line."""
        turn = self.turn
        assert turn is not None
        base = self.record or AnnotationRecord(turn=turn.number)
        # Any change the coder makes on a turn settles a merge conflict on it: they have decided.
        record = base._replace(anchor=turn.anchor, conflict=None, **fields)
        if not record.reviewed and not record.memo and not record.flag:
            return None  # not reviewed, no memo, no flag: the turn has no line
        return record

    def _set(self, after: AnnotationRecord | None) -> None:
        turn = self.turn
        assert turn is not None
        change = Change(self.index, turn.number, self.record, after)
        self._write(change.transcript, change.turn, change.after)
        self._undo.append(change)
        self._redo.clear()

    def _write(self, index: int, number: int, record: AnnotationRecord | None) -> None:
        opened = self._opened(index)
        if not opened.unchanged_on_disk():
            raise TranscriptChangedError(
                "changed on disk while it was open (a git pull?); your saved work is safe: quit and reopen to code the new version",
                opened.path,
            )
        was_reviewed, was_flagged = opened.is_reviewed(number), opened.is_flagged(number)
        if record is None:
            opened.store.remove(number)
        else:
            opened.store.put(record)
        if opened.position_of(number) is not None:
            opened.reviewed += int(record is not None and record.reviewed) - int(was_reviewed)
            opened.flagged += int(record is not None and record.flag) - int(was_flagged)

    def undo(self) -> bool:
        """Restore the turn changed last to its exact earlier state, and go to it."""
        return self._step(self._undo, self._redo, undoing=True)

    def redo(self) -> bool:
        return self._step(self._redo, self._undo, undoing=False)

    def _step(self, source: list[Change], target: list[Change], undoing: bool) -> bool:
        """Apply the last change of one history and move it to the other.

        It leaves its history only once written: an undo the disk refuses stays
        first in line, so retrying it undoes the same change.
        """
        if not source:
            return False
        change = source[-1]
        self._restore(change, change.before if undoing else change.after)
        target.append(source.pop())
        return True

    def _restore(self, change: Change, record: AnnotationRecord | None) -> None:
        opened = self._opened(change.transcript)
        position = opened.position_of(change.turn)
        self._go(change.transcript, self.position if position is None else position)
        self._write(change.transcript, change.turn, record)

    # --- search -------------------------------------------------------------

    def search(self, term: str) -> bool:
        """Start a case-insensitive search of turn text; go to the first hit from here on."""
        needle = term.casefold()
        if not needle:
            self.end_search()
            return False
        current = self.current
        self.search_term = term
        self._hits = [
            position
            for position, number in enumerate(current.visible)
            if needle in current.transcript.turn(number).text.casefold()
        ]
        if not self._hits:
            return False
        at = bisect.bisect_left(self._hits, self.position)
        self.position = self._hits[at % len(self._hits)]
        return True

    def search_step(self, forward: bool) -> bool:
        """Next or previous hit, wrapping round; False when there is no hit."""
        if not self._hits:
            return False
        if forward:
            at = bisect.bisect_right(self._hits, self.position) % len(self._hits)
        else:
            at = (bisect.bisect_left(self._hits, self.position) - 1) % len(self._hits)
        self.position = self._hits[at]
        return True

    @property
    def hit_count(self) -> int:
        return len(self._hits)

    def end_search(self) -> None:
        self.search_term = None
        self._hits = []

    # --- saving -------------------------------------------------------------

    def compact(self) -> list[Reloaded]:
        """Fold every open journal into its annotation file (idle time, quitting).

        A file changed on disk meanwhile (a `git pull`) is merged turn by turn with this
        session's changes, never overwritten. Returns those merges (and any made on switching
        transcript since last asked), for the coder to be told.
        """
        for opened in self._open.values():
            news = opened.fold_in()
            if news is not None:
                self._news.append(news)
        return self.take_news()

    def take_news(self) -> list[Reloaded]:
        """The merges with files changed on disk that the coder has not been told of yet."""
        news, self._news = self._news, []
        return news

    def close(self) -> None:
        for opened in self._open.values():
            opened.fold_in()
            opened.store.close()
