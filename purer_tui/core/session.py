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
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Literal

from purer_tui.core.annotation_paths import annotation_files, annotation_path
from purer_tui.core.annotation_records import AnnotationRecord, rechecked_for, suggested_for
from purer_tui.core.annotations import AnnotationFile, ChangedOnDiskError
from purer_tui.core.code_application import Outcome, decide, with_code
from purer_tui.core.codebook import Codebook
from purer_tui.core.errors import PurerError
from purer_tui.core.journal import journal_path
from purer_tui.core.lock import CoderLocks, LockedError
from purer_tui.core.reanchor import is_stale
from purer_tui.core.recheck_queue import RecheckQueue
from purer_tui.core.safe_text import one_line
from purer_tui.core.study_files import Signature, file_signature
from purer_tui.core.study_index import StudyIndex
from purer_tui.core.study_search import MAX_HITS, Hit, SearchResult, matching_turns, search_transcripts
from purer_tui.core.suggestion_source import Suggestions
from purer_tui.core.transcript import Transcript, Turn, load_transcript
from purer_tui.core.transcript_cache import ReadTranscript, TranscriptCache


@dataclass(frozen=True)
class Change:
    """One undoable change: a turn's record before and after (None: not reviewed); and the suggestions it settled
    (their codes, and what undoing the settling takes)."""

    transcript: int
    turn: int
    before: AnnotationRecord | None
    after: AnnotationRecord | None
    settled_codes: tuple[str, ...] | None = ()  # None: every suggestion of the turn
    settled: tuple[object, ...] = ()


@dataclass(frozen=True)
class ManyChanges:
    """One undoable change of many turns at once (a code applied to every search hit): each turn's record before
    and after, by transcript."""

    changes: tuple[Change, ...]
    code: str


@dataclass(frozen=True)
class TurnToCode:
    transcript: int
    turn: int
    anchor: str
    role: str | None


@dataclass(frozen=True)
class CodeOnTurns:
    """What adding a code to many turns would do: the turns that can take it, and how many are left alone and why
    (see `core.code_application.decide`)."""

    code: str
    to_code: tuple[TurnToCode, ...]
    left: Mapping[Outcome, int]
    signatures: Mapping[int, Signature | None]  # each transcript's, as it was read for this
    unreadable: int = 0  # turns of transcripts that could not be read

    def count(self, outcome: Outcome) -> int:
        return len(self.to_code) if outcome is Outcome.APPLY else self.left.get(outcome, 0)


@dataclass(frozen=True)
class ManyWritten:
    """What writing many turns did: turns written, files written, and turns left alone because their record
    changed since (a pull, another window) or another process is coding their file."""

    turns: int
    files: int
    changed: int = 0
    locked: int = 0
    failed: int = 0  # turns of files that could not be read or written (the file says why, in `check`)


class OpenTranscript:
    """A transcript of the session, with this coder's annotations and the turns that can be visited."""

    def unchanged_on_disk(self) -> bool:
        """Whether the transcript file is still the one that was read (a `git pull` can replace it)."""
        return file_signature(self.transcript.path, follow_links=True) == self.signature

    def __init__(
        self,
        transcript: Transcript,
        store: AnnotationFile,
        only: frozenset[str] | None,
        turns: Collection[int] | None = None,
        signature: Signature | None = None,
        needs: Callable[[int, AnnotationRecord | None], bool] | None = None,
    ):
        """`signature`: the transcript file's when it was read (default: now); `needs`: whether a turn with this
        record needs the coder (default: not reviewed, flagged or in a merge conflict; a recheck: still waits)."""
        self.transcript = transcript
        self._needs = needs
        self.store = store
        self.signature = signature or file_signature(transcript.path, follow_links=True)
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
        if self._needs is not None:
            return sum(1 for number in self.visible if self._needs(number, self.store.get(number)))
        settled = sum(
            1
            for number, record in self.store.records.items()
            if record.settled_review and self.position_of(number) is not None
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
        if self._needs is not None:
            return self._needs(number, record)
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

    def standing(self) -> Standing:
        """This coder's counts over the visited turns, with the records in a merge conflict and those that no
        longer match their turn (visiting every turn, records past the transcript's end are among those)."""
        count = len(self.transcript.turns)
        records = [
            record
            for number, record in self.store.records.items()
            if self.position_of(number) is not None or (not self._filtered and number > count)
        ]
        return Standing(
            self.reviewed,
            len(self.visible),
            self.flagged,
            sum(1 for record in records if record.conflict is not None),
            sum(1 for record in records if is_stale(record, self.transcript)),
        )

    def needs_attention(self) -> tuple[int, int]:
        """How many records no longer match their turn (the transcript changed), and how many carry a merge conflict."""
        records = self.store.records.values()
        stale = sum(1 for record in records if is_stale(record, self.transcript))
        return stale, sum(1 for record in records if record.conflict is not None)


@dataclass(frozen=True)
class Reloaded:
    """An annotation file changed on disk under the session and merged with its changes."""

    path: Path
    conflicts: tuple[int, ...]  # turns changed both here and on disk: kept as conflict records, both versions


@dataclass(frozen=True)
class Accepted:
    """What accepting a turn's suggestions did: the codes applied, and those left because another code of their
    exclusive group is on the turn (or was accepted first), or their group is not for the speaker's role."""

    applied: tuple[str, ...] = ()
    clashing: tuple[str, ...] = ()
    other_role: tuple[str, ...] = ()


class QuickSearchStopped(Exception):
    """Finding the next transcript to review needs one that takes long to read: the app goes on in a worker."""

    def __init__(self, index: int):
        super().__init__(index)
        self.index = index


class SplitCodeError(PurerError):
    """A split code is applied no more: the codes it was split into are."""


class TranscriptChangedError(PurerError):
    """The transcript was replaced on disk while it was open: changes would go to turns that may have moved."""


@dataclass(frozen=True)
class Progress:
    reviewed: int
    total: int
    flagged: int = 0


@dataclass(frozen=True)
class Standing:
    """Where this coder stands in one transcript, over the turns the session visits: the transcript navigator's row."""

    reviewed: int
    total: int
    flagged: int
    conflicts: int  # records carrying a merge conflict
    changed: int  # records that no longer match their turn: the transcript changed since they were coded


def transcript_standing(
    path: Path, coder: str, only: frozenset[str] | None, turns: Collection[int] | None = None
) -> Standing:
    """A coder's standing in one transcript, over the turns of `only` speakers (and of `turns`), read from disk
    (safe in a worker thread)."""
    store = AnnotationFile.open(annotation_path(path, coder))
    return OpenTranscript(load_transcript(path), store, only, turns).standing()


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


@dataclass(frozen=True)
class PassedBy:
    """A transcript the session could not open or read, and why (one line, for the coder)."""

    reason: str
    elsewhere: bool  # another window codes it as this coder; else it cannot be read (`check` says more)


@dataclass(frozen=True)
class Left:
    """A transcript the session opened and left: its progress and turns still to review when it was left."""

    progress: Progress
    to_review: int
    order: int  # how many transcripts the session had left before this one: tells what was counted since
    standing: Standing | None = None


SearchScope = Literal["transcript", "study"]


@dataclass(frozen=True)
class HitStep:
    """Where `n` or `N` goes in a search: the hit, its place among the hits, and whether it went round the end."""

    ordinal: int  # 0-based among the hits
    hit: Hit
    wrapped: bool


@dataclass(frozen=True)
class Place:
    """Where the current turn is among every turn the session visits, over all its transcripts
    (adjudication: "disagreement 4 of 9"), and how many of those are reviewed and flagged."""

    number: int
    total: int
    reviewed: int
    flagged: int

    @property
    def all_settled(self) -> bool:
        return self.reviewed == self.total and not self.flagged


@dataclass
class _Written:
    changes: list[Change]
    files: int
    changed: int
    locked: int
    failed: int = 0


class CodingSession:
    """One coder coding a list of transcripts with one codebook.

    Only the transcript being coded is open for writing, under the coder's lock
    for it: leaving a transcript folds its journal into the file and lets go of
    the lock, so a second window of the same coder can code another transcript
    of the study. Other transcripts are only read (through the cache), to find
    where the coder has work left; the study index answers that for transcripts
    it has counted, without reading them.
    """

    def __init__(
        self,
        paths: list[Path],
        codebook: Codebook,
        coder: str,
        only: Iterable[str] | None = None,
        show_coders: bool | Sequence[str] = False,
        turn_filter: Callable[[Path], Collection[int]] | None = None,
        only_asked: Sequence[str] = (),
        locks: CoderLocks | None = None,
        index: StudyIndex | None = None,
        cache: TranscriptCache | None = None,
        recheck: RecheckQueue | None = None,
        suggestions: Suggestions | None = None,
    ):
        """`show_coders`: True shows every other coder read-only, a list shows those coders;
        `turn_filter` limits each transcript to the turns it returns (adjudication: the disagreements);
        `only_asked` is what the coder named with --only (a role, say), for showing;
        `locks` takes the coder's lock of each transcript while it is open; `index` is the study's, for hints;
        `recheck` visits only the turns it holds, and a turn needs the coder while it waits there;
        `suggestions`: the codes suggested on turns (a turn with some needs the coder until they are settled)."""
        if not paths:
            raise ValueError("a coding session needs at least one transcript")
        self.paths = list(paths)
        self.codebook = codebook
        self.coder = coder
        self.only = frozenset(only) if only else None
        self.only_asked = tuple(only_asked) or tuple(
            sorted(self.only or ())
        )  # as the coder named them: speakers or roles
        self.show_coders = show_coders
        self.recheck = recheck
        self.suggestions = suggestions
        self.turn_filter = turn_filter or (recheck.turns if recheck is not None else None)
        self.locks = locks
        self.study_index = index
        self.cache = cache or TranscriptCache(coder)
        self._open: dict[int, OpenTranscript] = {}  # the transcript being coded (and one whose leaving failed)
        self._left: dict[int, Left] = {}  # transcripts this session coded and left
        self.transcripts_left = 0
        # Transcripts that could not be opened or read (another window codes them, or a file is bad):
        # `n` passes them by.
        self.passed_by: dict[int, PassedBy] = {}
        self._others: dict[int, dict[str, AnnotationFile]] = {}
        self._places: dict[int, int] = {}  # the turn this coder was on in each transcript, when they left it
        self.index = 0  # which transcript
        self.position = 0  # index into the current transcript's visible turns
        self._undo: list[Change | ManyChanges] = []
        self._redo: list[Change | ManyChanges] = []
        # Turns that became reviewed because a code was applied here: taking that code off again
        # makes them unreviewed again, not "reviewed, no code" (a code pressed by mistake is no decision).
        self._reviewed_by_code: set[tuple[int, int]] = set()
        self.search_term: str | None = None
        self.search_scope: SearchScope = "transcript"
        self.searching = False  # a search of the whole study is under way: its hits are not in yet
        self.hits_capped = False  # more turns matched than the hits kept
        self._hits: list[Hit] = []  # in study order (a search of one transcript: that transcript's only)
        self._search_generation = 0  # a study search's results are taken only while it is still the search
        self._news: list[Reloaded] = []  # merges with files changed on disk, not yet told to the coder
        self._visits: list[tuple[Progress, int]] | None = None  # each transcript's visited turns, as counted
        self._visits_before: list[int] = []  # visited turns of the transcripts before each one
        self._counted = Progress(0, 0)

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
        """Reviewed, visited and flagged turns of one transcript of the session (reading it if need be)."""
        if index in self._left and index not in self._open:
            return self._left[index].progress
        viewed = self._view(index)
        return Progress(viewed.reviewed, len(viewed.visible), viewed.flagged)

    def opened_progress(self) -> dict[int, Progress]:
        """Progress of the transcripts this session has opened, open or left
        (they may differ from what was counted before)."""
        progress = {index: left.progress for index, left in self._left.items()}
        progress.update((index, Progress(o.reviewed, len(o.visible), o.flagged)) for index, o in self._open.items())
        return progress

    def opened_standing(self) -> dict[int, Standing]:
        """The standing of the transcripts this session has opened, open or left (what this window knows best)."""
        standing = {index: left.standing for index, left in self._left.items() if left.standing is not None}
        standing.update((index, opened.standing()) for index, opened in self._open.items())
        return standing

    def left_since(self, order: int) -> set[int]:
        """The open transcripts, and those left after `transcripts_left` was `order`:
        what a count begun then may not know."""
        return {index for index, left in self._left.items() if left.order > order} | set(self._open)

    def to_review(self, index: int) -> int:
        """Turns of a transcript that still need this coder (not reviewed, flagged, or in conflict)."""
        if index in self._left and index not in self._open:
            return self._left[index].to_review
        return self._view(index).to_review()

    def count_visits(self) -> list[tuple[Progress, int]]:
        """Count every transcript's visited turns (reading those not read yet), with how many need the coder,
        so that `place()` can say where the coder is among them all. Adjudication counts its disagreements once,
        on opening: the turns a session visits do not change while it runs."""
        visits = [(self.progress_of(index), self.to_review(index)) for index in range(len(self.paths))]
        before = 0
        self._visits_before = []
        for progress, _ in visits:
            self._visits_before.append(before)
            before += progress.total
        self._counted = Progress(sum(p.reviewed for p, _ in visits), before, sum(p.flagged for p, _ in visits))
        self._visits = visits
        return visits

    def place(self) -> Place | None:
        """Where the current turn is among all visited turns of the session; None until `count_visits` ran.
        Costs what the transcripts opened in this session number, not the study's."""
        if self._visits is None or self.turn is None:
            return None
        reviewed, flagged = self._counted.reviewed, self._counted.flagged
        for index, progress in self.opened_progress().items():
            counted = self._visits[index][0]
            reviewed += progress.reviewed - counted.reviewed
            flagged += progress.flagged - counted.flagged
        return Place(self._visits_before[self.index] + self.position + 1, self._counted.total, reviewed, flagged)

    def to_review_elsewhere(self) -> dict[int, int]:
        """The other transcripts with visited turns that still need the coder, and how many each
        (after `count_visits`; empty before)."""
        if self._visits is None:
            return {}
        opened = self.opened_progress()
        found = {
            index: self.to_review(index) if index in opened else left
            for index, (_, left) in enumerate(self._visits)
            if index != self.index
        }
        return {index: left for index, left in found.items() if left}

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
        """The transcript open for writing: its lock taken first (another window coding it stops here), then its
        annotation file opened with a journal, from what the cache read when the file is still that."""
        if index not in self._open:
            path = self.paths[index]
            lock_of = annotation_path(path, self.coder)
            if self.locks is not None:
                self.locks.acquire(lock_of)
            try:
                read = self.cache.read(path)
                store = self._journaled(read, lock_of)
            except BaseException:
                if self.locks is not None:
                    self.locks.release_one(lock_of)
                raise
            turns = self.turn_filter(path) if self.turn_filter else None
            if self.suggestions is not None:  # suggestions for turns whose text changed since are dropped
                self.suggestions.prune(self.suggestions.name(path), read.transcript)
            self._open[index] = OpenTranscript(
                read.transcript, store, self.only, turns, read.transcript_signature, self._needs(path)
            )
            self._left.pop(index, None)
            self.passed_by.pop(index, None)
        return self._open[index]

    @staticmethod
    def _journaled(read: ReadTranscript, path: Path) -> AnnotationFile:
        if (
            read.adoptable
            and file_signature(path) == read.annotation_signature
            and not os.path.lexists(journal_path(path))
        ):
            return AnnotationFile.journaled_from(path, read.records, read.annotation_signature)
        return AnnotationFile.open(path, journaled=True)  # changed since it was read, or a journal to fold in

    def _view(self, index: int) -> OpenTranscript:
        """A transcript to look at, not to change: the open one, or a read-only view of the files (no lock taken)."""
        opened = self._open.get(index)
        if opened is not None:
            return opened
        path = self.paths[index]
        read = self.cache.read(path)
        store = AnnotationFile(annotation_path(path, self.coder), read.records)
        return OpenTranscript(
            read.transcript,
            store,
            self.only,
            self.turn_filter(path) if self.turn_filter else None,
            read.transcript_signature,
            self._needs(path),
        )

    def _needs(self, path: Path) -> Callable[[int, AnnotationRecord | None], bool] | None:
        recheck = self.recheck
        suggestions = self.suggestions
        if suggestions is not None and suggestions.turns(suggestions.name(path)):
            name = suggestions.name(path)
            if recheck is None:
                return lambda number, record: (
                    record is None
                    or not record.settled_review
                    or suggestions.has_suggestions(name, number, record.codes)
                )
            return lambda number, record: (
                bool(recheck.waiting(path, number, record))
                or suggestions.has_suggestions(name, number, record.codes if record is not None else ())
            )
        if recheck is None:
            return None
        return lambda number, record: bool(recheck.waiting(path, number, record))

    def _close(self, index: int) -> None:
        """Leave an open transcript: its journal folded into the file (complete for git), its lock let go."""
        opened = self._open[index]
        news = opened.fold_in()
        if news is not None:
            self._news.append(news)
        opened.store.close()
        self.transcripts_left += 1
        self._left[index] = Left(
            Progress(opened.reviewed, len(opened.visible), opened.flagged),
            opened.to_review(),
            self.transcripts_left,
            opened.standing(),
        )
        self.cache.keep(opened.path, opened.transcript, opened.signature, opened.store.records)
        del self._open[index]
        self._others.pop(index, None)
        if self.locks is not None:
            self.locks.release_one(annotation_path(opened.path, self.coder))

    def first_to_review(self, index: int) -> int | None:
        """The position of a transcript's first turn that needs this coder; None when none does.

        For a transcript the study index has counted as it is on disk, the index answers without reading it.
        """
        if (
            index not in self._open
            and self.only is None
            and self.turn_filter is None
            and self.study_index is not None
            and not (self.suggestions is not None and self.suggestions.turns(self.suggestions.name(self.paths[index])))
        ):
            known = self.study_index.counts(self.paths[index], self.coder)
            if known is not None:
                first = known[1].first_to_review
                return None if first is None else first - 1
        viewed = self._view(index)
        return next((position for position, number in enumerate(viewed.visible) if viewed.needs_review(number)), None)

    def resume(self, where: tuple[Path, int] | None = None) -> None:
        """Go to where this coder last was (`where`: a transcript and turn number), when this session visits it;
        else to their first turn that needs review, else the very start.

        A transcript another process codes as this coder (a second window) is passed by for the next one;
        when every one is, the first refusal is raised.
        """
        refused: list[PurerError] = []
        for index, position in self._resume_candidates(where):
            try:
                self._go(index, position)
            except PurerError as error:
                refused.append(error)
                self._pass_by(index, error)
                continue
            return
        raise (
            refused[0] if refused else PurerError("no transcript of this session can be opened; run `purer-tui check`")
        )

    def _resume_candidates(self, where: tuple[Path, int] | None) -> Iterator[tuple[int, int]]:
        if where is not None:
            path, number = where
            wanted = os.path.normpath(path)
            index = next((i for i, candidate in enumerate(self.paths) if os.path.normpath(candidate) == wanted), None)
            if index is not None:
                self._places[index] = number
                try:
                    position = self._view(index).position_of(number)
                except (PurerError, OSError) as error:  # the transcript saved last cannot be read now: pass it by
                    self._pass_by(index, error)
                    position = None
                if position is not None:
                    yield index, position
        for index in range(len(self.paths)):
            position = self._first_to_review_or_pass_by(index)
            if position is not None:
                yield index, position
        for index in range(len(self.paths)):
            if index not in self.passed_by:
                yield index, 0

    def _go(self, index: int, position: int) -> None:
        if index not in self._open:
            self._opened(index)  # first: a transcript that cannot be opened leaves the coder where they were
        if index != self.index:
            if self.search_scope == "transcript":
                self.end_search()  # a search of the whole study goes on across transcripts
            turn = self.turn if self.index in self._open else None
            if turn is not None:
                self._places[self.index] = turn.number
        self.index = index
        for other in [other for other in self._open if other != index]:
            try:
                self._close(other)
            except (PurerError, OSError):
                pass  # its journal keeps every change; compacting (on idle, on quitting) tries again and says why
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
        self._go(index, self.first_to_review(index) or 0)
        return True

    def go_to_place(self, index: int) -> None:
        """Open transcript `index` at this coder's place in it: the turn they were on when they left it (in this
        session, or as saved for the next opening), else its first turn to review, else its first turn.

        A transcript another window codes as this coder raises `LockedError` and the coder stays where they are.
        """
        if index == self.index:
            return
        opened = self._opened(index)
        number = self._places.get(index)
        position = None if number is None else opened.position_of(number)
        if position is None:
            position = self.first_to_review(index) or 0
        self._go(index, position)

    def go_to_turn_of(self, index: int, number: int) -> bool:
        """Open transcript `index` at turn `number`; when this session does not visit that turn (--only), at the
        next one it visits, and False. Another window coding that transcript: `LockedError`, and the coder stays."""
        opened = self._opened(index)
        position = opened.position_of(number)
        self._go(index, bisect.bisect_left(opened.visible, number) if position is None else position)
        return position is not None

    def goto_turn(self, number: int) -> bool:
        """Jump to turn `number`, or the next visitable turn after it; False when there is none."""
        current = self.current
        position = bisect.bisect_left(current.visible, number)
        if position >= len(current.visible):
            return False
        self._go(self.index, position)
        return True

    def next_unreviewed(self) -> bool:
        """The next turn this coder has not reviewed (or must settle), across transcripts, wrapping round;
        False when none.

        Transcripts that cannot be opened (another process codes them as this coder, a bad file) are passed by.
        """
        if self.next_unreviewed_here():
            return True
        for _ in self.paths:  # bounded: each round opens a transcript or passes one by for good
            index = self.transcript_to_review()
            if index is None:
                break
            if self.go_to_review(index):
                return True
        return self.unreviewed_before_here()

    def next_unreviewed_here(self) -> bool:
        """The next turn after this one in this transcript that needs the coder; False when none."""
        current = self.current
        for position in range(self.position + 1, len(current.visible)):
            if current.needs_review(current.visible[position]):
                self.position = position
                return True
        return False

    def unreviewed_before_here(self) -> bool:
        """The first turn before this one in this transcript that needs the coder (`n` wrapping round);
        False when none."""
        current = self.current
        for position in range(0, min(self.position, len(current.visible))):
            if current.needs_review(current.visible[position]):
                self.position = position
                return True
        return False

    def transcript_to_review(self, quick_only: bool = False) -> int | None:
        """The next other transcript, going round from this one, with a turn that needs the coder; None when none.

        It only reads (safe in a worker while the app goes on). With `quick_only`, a transcript that would take
        long to read (large, not read ahead) stops the search with `QuickSearchStopped`.
        """
        count = len(self.paths)
        for step in range(1, count):
            index = (self.index + step) % count
            if index in self.passed_by:
                continue
            if quick_only and not self._quick(index):
                raise QuickSearchStopped(index)
            if self._first_to_review_or_pass_by(index) is not None:
                return index
        return None

    def _first_to_review_or_pass_by(self, index: int) -> int | None:
        """`first_to_review`; a transcript that cannot be read is passed by (and None)."""
        try:
            return self.first_to_review(index)
        except (PurerError, OSError) as error:
            self._pass_by(index, error)
            return None

    def _pass_by(self, index: int, error: Exception) -> None:
        if isinstance(error, OSError):
            reason = f"{self.paths[index]}: {error.strerror or error}"
        else:
            reason = str(error)
        self.passed_by[index] = PassedBy(one_line(reason), isinstance(error, LockedError))

    @property
    def locked_elsewhere(self) -> set[int]:
        """The transcripts passed by because another window codes them as this coder."""
        return {index for index, passed in self.passed_by.items() if passed.elsewhere}

    def _quick(self, index: int) -> bool:
        if index in self._open or self.study_index is None or self.only is not None or self.turn_filter is not None:
            return index in self._open or self.cache.ready(self.paths[index])
        return self.study_index.counts(self.paths[index], self.coder) is not None or self.cache.ready(self.paths[index])

    def go_to_review(self, index: int) -> bool:
        """Open a transcript at its first turn that needs the coder; False when it has none after all, or cannot be
        opened (another process codes it, a file of it is bad: then it is passed by from now on, see `passed_by`)."""
        try:
            position = self.first_to_review(index)
            if position is None:
                return False
            self._go(index, position)
        except (PurerError, OSError) as error:
            self._pass_by(index, error)
            return False
        current = self.current
        if current.visible and not current.needs_review(current.visible[self.position]):
            # The index was behind the files: look in the transcript itself.
            self.position = 0
            if not current.needs_review(current.visible[0]):
                return self.next_unreviewed_here()
        return True

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
        suggested: tuple[str, ...] | None = None
        settled: tuple[str, ...] = ()
        if code_id in codes:
            codes.remove(code_id)
        else:
            split_into = self.codebook.code(code_id).split_into
            if split_into:
                raise SplitCodeError(
                    f"{self.codebook.code(code_id).label} was split into "
                    + ", ".join(self.codebook.code(c).label for c in split_into)
                    + "; apply one of those"
                )
            group = self.codebook.group(self.codebook.code(code_id).group)
            if group.exclusive:
                codes = [
                    c for c in codes if not (self.codebook.has_code(c) and self.codebook.code(c).group == group.id)
                ]
            codes.append(code_id)
            if record is None or not record.reviewed:
                self._reviewed_by_code.add(key)
            if code_id in self.suggested_here():  # applied while shown as suggested: recorded so, and settled
                suggested = (*(record.suggested if record else ()), code_id)
                settled = (code_id,)
        reviewed = bool(codes) or key not in self._reviewed_by_code
        if not codes:
            self._reviewed_by_code.discard(key)
        self._set(
            self._record_with(
                codes=tuple(self.codebook.in_codebook_order(codes)), reviewed=reviewed, suggested=suggested
            ),
            settled,
        )

    def suggested_here(self) -> tuple[str, ...]:
        """The codes suggested for the current turn that it does not carry, in codebook order."""
        turn, suggestions = self.turn, self.suggestions
        if turn is None or suggestions is None:
            return ()
        codes = suggestions.codes_for(suggestions.name(self.current.path), turn)
        if not codes:
            return ()
        record = self.record
        carried = set(record.codes) if record is not None else set()
        return tuple(code for code in codes if code not in carried)

    def accept_suggestions(self, codes: Iterable[str] | None = None) -> Accepted:
        """Apply the turn's suggested codes (or those of `codes` that are suggested), as pressing their keys
        would, recorded as suggested; a code clashing with another of its exclusive group, or whose group is not
        for the speaker's role, is left (and stays suggested). Those applied are settled."""
        turn, suggestions = self.turn, self.suggestions
        shown = self.suggested_here()
        if turn is None or suggestions is None or not shown:
            return Accepted()
        wanted = shown if codes is None else tuple(code for code in shown if code in set(codes))
        record = self.record
        current = list(record.codes) if record is not None else []
        role = suggestions.role_of(turn.speaker)
        applied: list[str] = []
        clashing: list[str] = []
        other_role: list[str] = []
        for code in wanted:
            group = self.codebook.group(self.codebook.code(code).group)
            if not group.applies_to(role):
                other_role.append(code)
            elif group.exclusive and any(
                self.codebook.has_code(other) and self.codebook.code(other).group == group.id for other in current
            ):
                clashing.append(code)
            else:
                current.append(code)
                applied.append(code)
        if applied:
            if record is None or not record.reviewed:
                self._reviewed_by_code.add((self.index, turn.number))
            self._set(
                self._record_with(
                    codes=tuple(self.codebook.in_codebook_order(current)),
                    reviewed=True,
                    suggested=(*(record.suggested if record else ()), *applied),
                ),
                tuple(applied),
            )
        return Accepted(tuple(applied), tuple(clashing), tuple(other_role))

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
        # queued suggestions wait whether shown or not; the model's are only what it shows now
        waiting = self.suggestions is not None and (
            self.suggestions.has_suggestions(self.suggestions.name(self.current.path), turn.number)
            or bool(self.suggested_here())
        )
        if record is None or not record.reviewed or record.conflict is not None:
            # the coder decided on the turn: what was suggested and not applied is suggested no more
            self._set(self._record_with(reviewed=True), None if waiting else ())
        elif waiting:
            self._settle_only()

    def _settle_only(self) -> None:
        """Settle every suggestion of the turn, its record unchanged (one undo step puts them back)."""
        turn, suggestions = self.turn, self.suggestions
        assert turn is not None and suggestions is not None
        record = self.record
        settled = suggestions.settle(suggestions.name(self.current.path), turn.number, None)
        self._undo.append(Change(self.index, turn.number, record, record, None, settled))
        self._redo.clear()

    def confirm_recheck(self) -> None:
        """Recheck: confirm the code shown (the first still waiting on the turn) under its current definition,
        or take a split code off once what it was split into is applied; the turn stays reviewed."""
        record, turn = self.record, self.turn
        if self.recheck is None or turn is None or record is None:
            self.mark_reviewed()
            return
        for item in self.recheck.waiting(self.current.path, turn.number, record)[:1]:
            split = self.codebook.code(item.code)
            if item.change is None and not set(split.split_into) & set(record.codes):
                # enter is also the everyday "next": it must not turn a coding into "nothing applies" unasked
                raise SplitCodeError(
                    f"{split.label} was split: apply "
                    + " or ".join(self.codebook.code(c).label for c in split.split_into)
                    + f" first (if none fits, take {split.label} off with space)"
                )
        confirmed = self.recheck.confirmed(self.current.path, record)
        if confirmed != record or record.conflict is not None:
            self._reviewed_by_code.discard((self.index, turn.number))
            after = self._record_with(codes=confirmed.codes, reviewed=True)
            assert after is not None  # reviewed: a line is kept
            self._set(after._replace(rechecked=confirmed.rechecked))

    def unreview(self) -> bool:
        """Make the turn not reviewed again: its codes cleared, its memo and flag kept.
        False when it was not reviewed."""
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

    def _record_with(
        self,
        *,
        codes: tuple[str, ...] | None = None,
        memo: str | None = None,
        reviewed: bool | None = None,
        flag: bool | None = None,
        suggested: tuple[str, ...] | None = None,
    ) -> AnnotationRecord | None:
        """The current turn's record with the fields given changed; None when nothing would be left on its line.

        A code taken off loses its confirmation and its "suggested" mark: applied again, it is the coder's own."""
        turn = self.turn
        assert turn is not None
        base = self.record or AnnotationRecord(turn=turn.number)
        # Any change the coder makes on a turn settles a merge conflict on it: they have decided.
        codes = base.codes if codes is None else codes
        record = base._replace(
            anchor=turn.anchor,
            conflict=None,
            rechecked=rechecked_for(base.rechecked, codes),
            suggested=suggested_for(base.suggested if suggested is None else suggested, codes),
            codes=codes,
            memo=base.memo if memo is None else memo,
            reviewed=base.reviewed if reviewed is None else reviewed,
            flag=base.flag if flag is None else flag,
        )
        if not record.reviewed and not record.memo and not record.flag:
            return None  # not reviewed, no memo, no flag: the turn has no line
        return record

    def _set(self, after: AnnotationRecord | None, settle: tuple[str, ...] | None = ()) -> None:
        """Write the turn's record (one undo step), then settle the suggestions `settle` names (None: all)."""
        turn = self.turn
        assert turn is not None
        change = Change(self.index, turn.number, self.record, after, settle)
        self._write(change.transcript, change.turn, change.after)
        change = self._settled(change)
        self._undo.append(change)
        self._redo.clear()

    def _settled(self, change: Change) -> Change:
        """The change with its suggestions settled (after its record is written: a failed write settles none)."""
        suggestions = self.suggestions
        if suggestions is None or change.settled_codes == ():
            return change
        name = suggestions.name(self.paths[change.transcript])
        return replace(change, settled=suggestions.settle(name, change.turn, change.settled_codes))

    def _write(self, index: int, number: int, record: AnnotationRecord | None) -> None:
        opened = self._opened(index)
        if not opened.unchanged_on_disk():
            raise TranscriptChangedError(
                "changed on disk while it was open (a git pull?); "
                "your saved work is safe: quit and reopen to code the new version",
                opened.path,
            )
        was_reviewed, was_flagged = opened.is_reviewed(number), opened.is_flagged(number)
        if record is None:
            opened.store.remove(number)
        else:
            opened.store.put(record)
        if self.recheck is not None:
            self.recheck.update(opened.path, number, record)
        if opened.position_of(number) is not None:
            opened.reviewed += int(record is not None and record.reviewed) - int(was_reviewed)
            opened.flagged += int(record is not None and record.flag) - int(was_flagged)

    def undo(self) -> bool:
        """Restore the turn changed last to its exact earlier state, and go to it."""
        return self._step(self._undo, self._redo, undoing=True)

    def redo(self) -> bool:
        return self._step(self._redo, self._undo, undoing=False)

    def _step(self, source: list[Change | ManyChanges], target: list[Change | ManyChanges], undoing: bool) -> bool:
        """Apply the last change of one history and move it to the other.

        It leaves its history only once written: an undo the disk refuses stays
        first in line, so retrying it undoes the same change.
        """
        if not source:
            return False
        change = source[-1]
        if isinstance(change, ManyChanges):
            self._write_many(
                [(one, *((one.after, one.before) if undoing else (one.before, one.after))) for one in change.changes]
            )
            target.append(source.pop())
            return True
        self._restore(change, change.before if undoing else change.after)
        source.pop()
        if undoing and change.settled and self.suggestions is not None:
            self.suggestions.restore(change.settled)  # the suggestions it settled are suggested again
        target.append(change if undoing else self._settled(change))
        return True

    @property
    def next_undo(self) -> Change | ManyChanges | None:
        return self._undo[-1] if self._undo else None

    @property
    def next_redo(self) -> Change | ManyChanges | None:
        return self._redo[-1] if self._redo else None

    # --- many turns at once -------------------------------------------------

    def plan_code_on_turns(
        self,
        code: str,
        turns: Sequence[Hit],
        role_of: Callable[[str], str | None] | None,
        here: tuple[int, Mapping[int, AnnotationRecord]] | None = None,
    ) -> CodeOnTurns:
        """What adding `code` to these turns would do, each decided as `purer-tui autocode` decides.

        Reads each transcript (safe in a worker: it only reads); `here` is the open transcript and its records,
        taken on the app's thread, since the files may not have its latest changes yet."""
        to_code: list[TurnToCode] = []
        left: dict[Outcome, int] = {}
        signatures: dict[int, Signature | None] = {}
        unreadable = 0
        by_transcript: dict[int, list[int]] = {}
        for hit in turns:
            by_transcript.setdefault(hit.transcript, []).append(hit.turn)
        for index, numbers in by_transcript.items():
            try:
                read = self.cache.read(self.paths[index])
            except (PurerError, OSError):
                unreadable += len(numbers)
                continue
            transcript = read.transcript
            records = here[1] if here is not None and index == here[0] else read.records
            signatures[index] = read.transcript_signature
            stale = any(is_stale(record, transcript) for record in records.values())
            for number in numbers:
                if not 1 <= number <= len(transcript.turns):
                    left[Outcome.STALE] = left.get(Outcome.STALE, 0) + 1
                    continue
                turn = transcript.turn(number)
                role = role_of(turn.speaker) if role_of is not None else None
                outcome = Outcome.STALE if stale else decide(records.get(number), role, code, self.codebook)[0]
                if outcome is Outcome.APPLY:
                    to_code.append(TurnToCode(index, number, turn.anchor, role))
                else:
                    left[outcome] = left.get(outcome, 0) + 1
        return CodeOnTurns(code, tuple(to_code), left, signatures, unreadable)

    def apply_code_on_turns(self, plan: CodeOnTurns) -> ManyWritten:
        """Add the plan's code to its turns: one write per annotation file (the open one through its journal, the
        others under this coder's lock, atomically), each turn decided again on the file as it is now; one undo
        step undoes them all. A transcript changed since the plan was made is left alone."""
        changed = 0
        wanted: list[tuple[Change, AnnotationRecord | None, AnnotationRecord | None]] = []
        by_transcript: dict[int, list[TurnToCode]] = {}
        for turn in plan.to_code:
            by_transcript.setdefault(turn.transcript, []).append(turn)
        for index, turns in by_transcript.items():
            path = self.paths[index]
            if file_signature(path, follow_links=True) != plan.signatures.get(index):
                changed += len(turns)
                continue
            for turn in turns:  # decided again as the records are written (see `_write_many`)
                wanted.append((Change(index, turn.turn, None, None), None, None))
        codebook = self.codebook
        chosen = {(turn.transcript, turn.turn): turn for turn in plan.to_code}

        def decided(change: Change, record: AnnotationRecord | None) -> AnnotationRecord | None:
            turn = chosen[change.transcript, change.turn]
            if decide(record, turn.role, plan.code, codebook)[0] is not Outcome.APPLY:
                return None
            if record is not None and record.anchor not in (None, turn.anchor):
                return None
            return with_code(record, turn.turn, turn.anchor, plan.code, codebook)

        written = self._write_many(wanted, decided)
        if written.changes:
            self._undo.append(ManyChanges(tuple(written.changes), plan.code))
            self._redo.clear()
        return ManyWritten(
            len(written.changes), written.files, changed + written.changed, written.locked, written.failed
        )

    def _write_many(
        self,
        wanted: Sequence[tuple[Change, AnnotationRecord | None, AnnotationRecord | None]],
        decided: Callable[[Change, AnnotationRecord | None], AnnotationRecord | None] | None = None,
    ) -> _Written:
        """Write many turns' records, each only while its record is still the one expected (`decided`, when given,
        says what to write from the record as it is, None: leave it): one write per file, the open transcript's
        through its journal, the others under this coder's lock. Returns the changes made."""
        by_transcript: dict[int, list[tuple[Change, AnnotationRecord | None, AnnotationRecord | None]]] = {}
        for item in wanted:
            by_transcript.setdefault(item[0].transcript, []).append(item)
        result = _Written([], 0, 0, 0)
        for index, items in by_transcript.items():
            if index in self._open:
                self._write_open(index, items, decided, result)
            else:
                self._write_closed(index, items, decided, result)
        return result

    def _changes_for(
        self,
        records: Mapping[int, AnnotationRecord],
        items: Sequence[tuple[Change, AnnotationRecord | None, AnnotationRecord | None]],
        decided: Callable[[Change, AnnotationRecord | None], AnnotationRecord | None] | None,
        result: _Written,
    ) -> list[Change]:
        changes = []
        for change, expected, new in items:
            current = records.get(change.turn)
            if decided is not None:
                after = decided(change, current)
                if after is None:
                    result.changed += 1
                    continue
                changes.append(Change(change.transcript, change.turn, current, after))
            elif current != expected:
                result.changed += 1  # changed since (a pull, another window): left as it is now
            else:
                changes.append(Change(change.transcript, change.turn, current, new))
        return changes

    def _write_open(
        self,
        index: int,
        items: Sequence[tuple[Change, AnnotationRecord | None, AnnotationRecord | None]],
        decided: Callable[[Change, AnnotationRecord | None], AnnotationRecord | None] | None,
        result: _Written,
    ) -> None:
        opened = self._open[index]
        if not opened.unchanged_on_disk():
            result.changed += len(items)
            return
        changes = self._changes_for(opened.store.records, items, decided, result)
        if not changes:
            return
        counts = [(opened.is_reviewed(c.turn), opened.is_flagged(c.turn)) for c in changes]
        opened.store.put_many(c.after for c in changes if c.after is not None)
        for change in changes:
            if change.after is None:
                opened.store.remove(change.turn)
            self._reviewed_by_code.discard((index, change.turn))
        for change, (was_reviewed, was_flagged) in zip(changes, counts, strict=True):
            if opened.position_of(change.turn) is not None:
                opened.reviewed += int(change.after is not None and change.after.reviewed) - int(was_reviewed)
                opened.flagged += int(change.after is not None and change.after.flag) - int(was_flagged)
        result.changes += changes
        result.files += 1

    def _write_closed(
        self,
        index: int,
        items: Sequence[tuple[Change, AnnotationRecord | None, AnnotationRecord | None]],
        decided: Callable[[Change, AnnotationRecord | None], AnnotationRecord | None] | None,
        result: _Written,
    ) -> None:
        store_path = annotation_path(self.paths[index], self.coder)
        locks = self.locks if self.locks is not None else CoderLocks()
        try:
            locks.acquire(store_path)
        except LockedError:
            result.locked += len(items)
            return
        changed_before = result.changed
        try:
            AnnotationFile.open(store_path, journaled=True).close()  # a crashed session's journal folded in
            store = AnnotationFile.open(store_path)
            changes = self._changes_for(store.records, items, decided, result)
            if not changes:
                return
            records = dict(store.records)
            for change in changes:
                if change.after is None:
                    records.pop(change.turn, None)
                else:
                    records[change.turn] = change.after
            store.replace_all(records)
        except (PurerError, OSError):  # this file only: the others are written, and undone, as one step
            result.changed = changed_before
            result.failed += len(items)
            return
        finally:
            locks.release_one(store_path)
        result.changes += changes
        result.files += 1
        self._left.pop(index, None)  # what was counted when it was left is not what it holds now

    def _restore(self, change: Change, record: AnnotationRecord | None) -> None:
        position = self._view(change.transcript).position_of(change.turn)
        self._go(change.transcript, self.position if position is None else position)
        self._write(change.transcript, change.turn, record)

    # --- search -------------------------------------------------------------

    def search(self, term: str) -> bool:
        """Search this transcript's turn text, ignoring case; go to the first hit from here on (wrapping round).
        False when there is no hit."""
        if not self.start_search(term):
            return False
        step = self.next_hit(forward=True, include_here=True)
        return step is not None and self.go_to_hit(step.hit)

    def start_search(self, term: str) -> int:
        """Search the visited turns of this transcript (in memory: quick), staying where the coder is;
        returns how many hits (0 for an empty term, which ends the search)."""
        self.end_search()
        if not term.casefold():
            return 0
        current = self.current
        self.search_term = term
        found = matching_turns(map(current.transcript.turn, current.visible), term)
        self._hits = [Hit(self.index, number) for number in islice(found, MAX_HITS + 1)]
        if len(self._hits) > MAX_HITS:
            del self._hits[MAX_HITS:]
            self.hits_capped = True
        return len(self._hits)

    def begin_study_search(self, term: str) -> int:
        """Start a search of the whole study (its hits come from `search_study`, run in a worker);
        returns the token that `take_study_hits` needs."""
        self.end_search()
        self.search_term = term
        self.search_scope = "study"
        self.searching = True
        return self._search_generation

    def search_study(self, term: str, cancelled: Callable[[], bool] = lambda: False) -> SearchResult:
        """Search every transcript's visited turns, reading each from disk (safe in a worker: it only reads,
        and keeps no transcript, so the cache of those read ahead stays as it is)."""
        return search_transcripts(
            tuple(self.paths),
            term,
            load_transcript,
            only=self.only,
            turn_filter=self.turn_filter,
            cancelled=cancelled,
        )

    def take_study_hits(self, token: int, result: SearchResult) -> bool:
        """The hits of a study search; False (and nothing changes) when that search was ended or replaced since."""
        if token != self._search_generation or self.search_scope != "study" or not self.searching:
            return False
        self._hits = list(result.hits)
        self.hits_capped = result.capped
        self.searching = False
        return True

    def next_hit(self, forward: bool, include_here: bool = False) -> HitStep | None:
        """The next (or previous) hit from the coder's place, wrapping round; None when there is none to go to.

        Hits in a transcript passed by (another window codes it, it cannot be read) are passed by too.
        With `include_here`, a hit on the current turn counts (a new search starts there).
        """
        hits = self._hits
        turn = self.turn
        here = Hit(self.index, turn.number if turn is not None else 0)
        if forward:
            at = (bisect.bisect_left if include_here else bisect.bisect_right)(hits, here)
        else:
            at = (bisect.bisect_right if include_here else bisect.bisect_left)(hits, here) - 1
        wrapped = False
        for _ in range(2 * len(self.passed_by) + 2):  # each round returns, or passes a transcript's hits by
            if not hits:
                return None
            if not 0 <= at < len(hits):
                at, wrapped = (0 if forward else len(hits) - 1), True
            hit = hits[at]
            if hit.transcript not in self.passed_by:
                return HitStep(at, hit, wrapped)
            if forward:
                at = bisect.bisect_left(hits, Hit(hit.transcript + 1, 0))
            else:
                at = bisect.bisect_left(hits, Hit(hit.transcript, 0)) - 1
        return None

    def go_to_hit(self, hit: Hit) -> bool:
        """Go to a hit, opening its transcript when it is another; False when that one cannot be opened (another
        window codes it, a file of it is bad): it is passed by from now on (see `passed_by`)."""
        try:
            opened = self._opened(hit.transcript)
        except (PurerError, OSError) as error:
            self._pass_by(hit.transcript, error)
            return False
        position = opened.position_of(hit.turn)
        if position is None:  # the file changed since it was searched: the nearest visited turn
            position = bisect.bisect_left(opened.visible, hit.turn)
        self._go(hit.transcript, position)
        return True

    def search_step(self, forward: bool) -> bool:
        """Next or previous hit, wrapping round; False when there is none to go to."""
        step = self.next_hit(forward)
        return step is not None and self.go_to_hit(step.hit)

    @property
    def hits(self) -> tuple[Hit, ...]:
        """The search's hits, in study order."""
        return tuple(self._hits)

    @property
    def hit_count(self) -> int:
        return len(self._hits)

    @property
    def current_hit(self) -> HitStep | None:
        """The hit the coder is on, when they are on one."""
        turn = self.turn
        if turn is None or not self._hits:
            return None
        here = Hit(self.index, turn.number)
        at = bisect.bisect_left(self._hits, here)
        if at < len(self._hits) and self._hits[at] == here:
            return HitStep(at, here, False)
        return None

    def end_search(self) -> None:
        """No search any more; the hits of a study search still under way will not be taken."""
        self.search_term = None
        self.search_scope = "transcript"
        self.searching = False
        self.hits_capped = False
        self._hits = []
        self._search_generation += 1

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
