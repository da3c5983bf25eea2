"""The coding app: renders a `CodingSession` and maps keys to its methods.

Every key handler does a constant amount of work: one durable journal append
at most, then re-rendering the few turns on screen. Work that grows with the
study runs in worker threads: counting its progress (through the study index),
and reading transcripts before the coder goes to them. A key that goes to a
transcript not read yet starts a worker to read it and goes there when the
worker's message arrives.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.events import Event, Key, Resize
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import get_current_worker

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.code_application import Outcome as Decision
from purer_tui.core.errors import PurerError
from purer_tui.core.keys import APP_KEYS, app_keys
from purer_tui.core.lock import LockedError
from purer_tui.core.memo_drafts import MemoDraft, MemoDrafts
from purer_tui.core.safe_text import one_line, visible_controls
from purer_tui.core.session import (
    Accepted,
    CodeOnTurns,
    CodingSession,
    ManyChanges,
    ManyWritten,
    Progress,
    QuickSearchStopped,
    Reloaded,
    SplitCodeError,
    Standing,
    transcript_standing,
)
from purer_tui.core.study import Study
from purer_tui.core.study_coders import coders_with_files
from purer_tui.core.study_search import MAX_HITS, Hit, SearchResult
from purer_tui.core.suggestion_queue import MAX_ENTRIES as MAX_QUEUED
from purer_tui.core.suggestion_queue import QueuedCode
from purer_tui.core.suggestion_source import ModelSource
from purer_tui.services.coding_setup import PreparedSession
from purer_tui.services.crash_report import write_crash_report
from purer_tui.services.similar_turns import SimilarityIndex, SimilarTurn, SimilarTurns
from purer_tui.services.suggestions import MIN_TURNS, role_finder, train, training_data
from purer_tui.tui.screens.code_picker import CodePicker
from purer_tui.tui.screens.confirm import ConfirmScreen
from purer_tui.tui.screens.help import HelpScreen, help_content
from purer_tui.tui.screens.memo_editor import MemoEditor
from purer_tui.tui.screens.prompt import Prompt, SearchPrompt
from purer_tui.tui.screens.similar_turns import SimilarTurnsScreen
from purer_tui.tui.screens.transcript_navigator import NavigatorRow, TranscriptNavigator
from purer_tui.tui.shutdown import Cleanup, install_hangup_handling
from purer_tui.tui.widgets.bars import LocationBar, TurnCodesBar
from purer_tui.tui.widgets.codebook_panel import CodebookPanel, CodeList
from purer_tui.tui.widgets.footer import CodingFooter
from purer_tui.tui.widgets.recheck_panel import RecheckPanel
from purer_tui.tui.widgets.turn_pager import TurnPager

#: Seconds without a change after which journals are folded into the annotation files.
IDLE_COMPACT_SECONDS = 2.0
EXIT_BUG = 70
#: Seconds between attempts to save a change the disk refused (full, or failing).
RETRY_SECONDS = 2.0
PAGE_TURNS = 10
#: Seconds between counts of the study's progress (cheap with the study index: it reads only changed files).
RECOUNT_SECONDS = 10.0


class TranscriptRead(Message):
    """A worker has read a transcript the coder asked to go to: the step that goes there can run now."""

    def __init__(self, step: Callable[[], object]):
        super().__init__()
        self.step = step


class ReviewFound(Message):
    """A worker has found (and read) the next transcript with a turn to review; None: no other has one."""

    def __init__(self, index: int | None):
        super().__init__()
        self.index = index


class SimilarFound(Message):
    """A worker has found the turns like turn `where` (or could not: `error` says why)."""

    def __init__(self, where: tuple[Path, int], result: SimilarTurns | None, error: str | None = None):
        super().__init__()
        self.where = where
        self.result = result
        self.error = error


#: Hits whose turns are looked at before a notice says so (fewer are looked at in a blink).
SAY_LOOKING_FROM = 200


class HitsPlanned(Message):
    """A worker has looked at what applying a code to the search's hits would do (or could not: `error`)."""

    def __init__(
        self, hits: tuple[Hit, ...], plan: CodeOnTurns | None, error: str | None = None, as_suggestions: bool = False
    ):
        super().__init__()
        self.as_suggestions = as_suggestions  # queue the code for the coder to confirm, rather than apply it
        self.hits = hits
        self.plan = plan
        self.error = error


class StudySearched(Message):
    """A worker has searched the whole study for a text (`token`: which search, see `take_study_hits`)."""

    def __init__(self, token: int, result: SearchResult):
        super().__init__()
        self.token = token
        self.result = result


@dataclass(frozen=True)
class Outcome:
    """How a step of the session went: done (with its value), or refused, failed or waiting, already told."""

    done: bool
    value: object = None

    @property
    def said_no(self) -> bool:
        """Done, and the step answered that there was nothing to do (no hit, nothing to undo)."""
        return self.done and self.value is False

    FAILED: ClassVar[Outcome]
    WAITING: ClassVar[Outcome]


Outcome.FAILED = Outcome(False)
Outcome.WAITING = Outcome(False)


def app_bindings() -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    """Textual bindings from the shared key table and nothing else, each with its stable id.

    A key in the footer is described there by its short label; the others carry their description.
    """
    return [
        Binding(
            ",".join(app_key.keys),
            app_key.action,
            app_key.footer_label or app_key.description,
            show=app_key.footer_label is not None,
            priority=app_key.priority,
            id=app_key.id,
        )
        for app_key in APP_KEYS
    ]


class CodingApp(App[None]):
    CSS_PATH = "coding.tcss"
    TITLE = "purer-tui"
    BINDINGS = app_bindings()

    def __init__(
        self,
        session: CodingSession,
        keymap: Mapping[str, str] | None = None,
        cleanup: Cleanup | None = None,
        adjudicating: tuple[str, str] | None = None,
        role_of: Callable[[str], str | None] | None = None,
        notices: Iterable[str] = (),
        save_position: Callable[[], None] | None = None,
        drafts: MemoDrafts | None = None,
        *,
        auto_advance: bool = False,
        theme: str | None = None,
        study: Study | None = None,
        model_suggestions: str | None = None,
    ):
        super().__init__()
        self.study = study
        self._model_suggestions = model_suggestions  # why the model's suggestions are on; trained once the app opens
        # Turns like this one: the study's index, built by a worker on the first ctrl+s and kept (see
        # `action_similar_turns`); the turn the coder asked about last, and whether a worker is at it.
        self._similar_index = SimilarityIndex(study) if study is not None else None
        self._similar_wanted: tuple[Path, int] | None = None
        self._similar_busy = False
        self.auto_advance = auto_advance  # see `_code_key`
        self._chosen_theme = theme
        self._drafts = drafts  # memos kept when the terminal closed; None: saved outright then (no study)
        self._waiting_drafts: dict[tuple[str, int], MemoDraft] = {}  # by transcript and turn
        self._notices = list(notices)
        self._save_position = save_position
        self.adjudicating = adjudicating
        self.role_of = role_of
        self.session = session
        self.animation_level = "none"
        self._keymap = dict(keymap or {})
        accept = app_keys(self._keymap).get("suggestion.accept", ())
        self._accept_key = accept[0] if accept else "no key"  # named where suggested codes are shown
        self._cleanup = cleanup
        self._code_for_key = {key: code.id for key, code in session.codebook.code_for_key().items()}
        self._disk_progress: dict[int, Progress] = {}  # counted once by a worker, for the transcripts not open then
        self._disk_totals = (0, 0)
        self._disk_standing: dict[int, Standing | None] = {}  # the same count, for the navigator; None: unreadable
        self._counted_from = 0  # how many transcripts the session had left when the last count began
        self._compact_timer: Timer | None = None
        self._announced: set[int] = set()  # transcripts whose problems were already pointed out
        self._pending: list[Callable[[], object]] = []  # changes the disk refused, retried in order until saved
        self._retry_timer: Timer | None = None
        # While a worker reads the transcript a key goes to, the keys typed after it wait here, and then
        # run in order where that key took the coder: what is typed ahead lands where it was meant.
        self._waiting = False
        self._typed_ahead: list[Key] = []
        self._shown_index: int | None = None  # the transcript on screen, to read its neighbours ahead once
        self._searched_from: tuple[int, int] | None = None  # where the coder was when a study search began
        self._quit_anyway = False
        self._told_all_settled = False  # adjudicating: "all settled" is said once, when it becomes true
        self.crash_report: Path | None = None
        self.crash_error: Exception | None = None

    def _handle_exception(self, error: Exception) -> None:
        """A bug: no traceback with local variables on the coder's screen (they can hold transcript text).

        Textual's own handler prints one; this writes a report without data instead and exits.
        (Overrides a private hook of the pinned Textual version; the bookkeeping below is what
        Textual does so that tests can still see the exception.)
        """
        if os.environ.get("PURER_DEBUG"):
            super()._handle_exception(error)
            return
        self._return_code = EXIT_BUG
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self.crash_report = write_crash_report(error)
        self.crash_error = error
        self._close_messages_no_wait()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications are literal text: they name files and speakers from the study, which are untrusted."""
        super().notify(
            visible_controls(message), title=visible_controls(title), severity=severity, timeout=timeout, markup=markup
        )

    @classmethod
    def from_prepared(cls, prepared: PreparedSession, cleanup: Cleanup | None = None) -> CodingApp:
        """The app for a session prepared by `purer-tui code` (the command and the tests build it alike)."""
        return cls(
            prepared.session,
            prepared.keymap,
            cleanup,
            prepared.adjudicating,
            prepared.role_of,
            prepared.notices,
            prepared.save_position,
            prepared.drafts,
            auto_advance=prepared.auto_advance,
            theme=prepared.theme,
            study=prepared.study,
            model_suggestions=prepared.model_suggestions,
        )

    # --- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield LocationBar(id="location")
        with Horizontal(id="main"):
            yield TurnPager(id="pager")
            focus_keys = app_keys(self._keymap).get("codebook.focus", ())
            yield CodebookPanel(self.session.codebook, focus_key=", ".join(focus_keys) or "tab", id="codebook")
        if self.session.recheck is not None:
            yield RecheckPanel(id="recheck")
        yield TurnCodesBar(id="turn-codes")
        footer = CodingFooter()
        footer.adjudicating = self.adjudicating is not None
        footer.rechecking = self.session.recheck is not None
        yield footer

    def on_mount(self) -> None:
        if self._keymap:
            self.set_keymap(self._keymap)
        self._apply_theme()
        if self._cleanup is not None:
            install_hangup_handling(self, self._cleanup, before_exit=self.save_open_memo)
        self.refresh_view()
        self.call_after_refresh(self.count_study_progress)  # after the first screen: counting must not delay it
        if self._counts_cheaply():  # what other windows and pulls change shows within a few seconds
            self.set_interval(RECOUNT_SECONDS, self.count_study_progress)
        self._offer_drafts()
        if self._notices:
            self.notify("\n".join(self._notices), timeout=8)
        if self._model_suggestions is not None and self.study is not None and self.session.suggestions is not None:
            self.call_after_refresh(self.learn_suggestions)  # in the background: the first screen never waits

    def _apply_theme(self) -> None:
        """The theme the user's settings file chose (`purer-tui code` refuses an unknown one before starting;
        an app built otherwise says so and keeps Textual's)."""
        name = self._chosen_theme
        if not name:
            return
        if name in self.available_themes:
            self.theme = name
        else:
            self.notify(f'No theme "{name}"; using {self.theme}.', severity="warning", timeout=8)

    def on_resize(self, event: Resize) -> None:
        # The codebook takes the width the turn can spare (see `CodebookPanel.fit`); below 120 columns the
        # footer is compact, and below 80 it leaves out the palette's key (help names it) to keep its own.
        width = event.size.width  # the event's: the app's own size is not updated yet when it arrives
        self.query_one(CodebookPanel).fit(width)
        footer = self.query_one(CodingFooter)
        footer.compact = width < 120
        footer.show_command_palette = width >= 80
        self.refresh_view()

    def refresh_view(self) -> None:
        session = self.session
        turn = session.turn
        try:
            pager = self.query_one(TurnPager)
        except NoMatches:
            return  # the app is closing (a timer's step, such as folding the journal in, ran last): nothing to show
        pager.show(session, self.role_of)
        self.query_one(CodebookPanel).show(
            session.record,
            self.role_of(turn.speaker) if self.role_of and turn else None,
            where=(session.index, turn.number if turn else None),
            suggested=session.suggested_here(),
        )
        self.query_one(LocationBar).show(session, self.study_progress(), self.adjudicating)
        self.query_one(TurnCodesBar).show(session, self.adjudicating is not None, self._accept_key)
        if session.recheck is not None:
            self.query_one(RecheckPanel).show(
                session.recheck, session.current.path, turn.number if turn else None, session.record
            )
        if session.index not in self._announced:
            self._announced.add(session.index)
            self._announce_problems()
        if session.index != self._shown_index:
            if self._shown_index is not None and self._counts_cheaply():
                self.call_after_refresh(self.count_study_progress)  # the file just left is counted afresh
            self._shown_index = session.index
            self.call_after_refresh(self.read_ahead)

    def _announce_problems(self) -> None:
        """Once per transcript: records that no longer match it, and merge conflicts to settle."""
        stale, conflicts = self.session.current.needs_attention()
        name = one_line(self.session.current.path.name)
        if stale:
            self.notify(
                f"{stale} coded turn(s) of {name} no longer match the transcript (it was edited). "
                "Their codes stay where they were; run `purer-tui reanchor` to move them with the text.",
                title="Transcript changed",
                severity="warning",
                timeout=15,
            )
        if conflicts:
            self.notify(
                f"{conflicts} turn(s) of {name} carry a merge conflict: "
                "settle each here, or with `purer-tui git resolve`.",
                title="Merge conflicts",
                severity="warning",
                timeout=15,
            )

    def study_progress(self) -> Progress | None:
        """Reviewed and total turns over the whole study, once the worker has counted them."""
        # Called on every key: the counted totals are kept, and only the open transcripts (the ones
        # that can change, a handful) are looked at, never every transcript of a large study.
        # A transcript left before the last count began is as the files say (another window may code it since).
        newer = self.session.left_since(self._counted_from)
        opened = {index: progress for index, progress in self.session.opened_progress().items() if index in newer}
        disk = self._disk_progress
        counted = len(disk) + sum(1 for index in opened if index not in disk)
        if counted < len(self.session.paths):
            return None
        reviewed, total = self._disk_totals
        for index, progress in opened.items():
            earlier = disk.get(index)
            if earlier is not None:
                reviewed -= earlier.reviewed
                total -= earlier.total
            reviewed += progress.reviewed
            total += progress.total
        return Progress(reviewed, total)

    def _counts_cheaply(self) -> bool:
        """Whether counting the study's progress again only looks at what changed (the study index does it)."""
        session = self.session
        return session.study_index is not None and session.only is None and session.turn_filter is None

    @work(thread=True, exclusive=True, group="progress")
    def count_study_progress(self) -> None:
        """Every transcript's progress: from the study index (counting only files changed since it was saved),
        or, when the session visits some turns only (--only, adjudication), from the files."""
        session = self.session
        counted: dict[int, Progress] = {}
        standings: dict[int, Standing | None] = {}
        began = session.transcripts_left
        if self._counts_cheaply() and session.study_index is not None:
            found = session.study_index.refresh(session.paths, [session.coder])
            for index, path in enumerate(session.paths):
                turns, coders = found.get(path, (0, {}))  # unreadable: `check` says why
                mine = coders.get(session.coder)
                counted[index] = Progress(mine.reviewed, turns, mine.flagged) if mine else Progress(0, turns)
                standings[index] = (
                    None
                    if path not in found
                    else Standing(mine.reviewed, turns, mine.flagged, mine.conflicts, mine.changed)
                    if mine
                    else Standing(0, turns, 0, 0, 0)
                )
        else:  # over the turns the session visits, like the counts of the transcripts it opens
            for index, path in enumerate(session.paths):
                try:
                    visited = session.turn_filter(path) if session.turn_filter else None
                    standing = transcript_standing(path, session.coder, session.only, visited)
                except (PurerError, OSError):
                    counted[index], standings[index] = Progress(0, 0), None
                    continue
                counted[index] = Progress(standing.reviewed, standing.total, standing.flagged)
                standings[index] = standing
        self.call_from_thread(self._progress_counted, counted, began, standings)

    @work(thread=True, exclusive=True, group="read-ahead")
    def read_ahead(self) -> None:
        """Read the transcripts on either side of this one, and the next one with turns to review when the
        study index knows it, so that going to them takes no reading."""
        session = self.session
        here = session.index
        try:
            ahead = session.transcript_to_review(quick_only=True)
        except (QuickSearchStopped, PurerError, OSError):
            ahead = None
        for index in dict.fromkeys(
            i for i in (here + 1, ahead, here - 1) if i is not None and 0 <= i < len(session.paths)
        ):
            try:
                session.cache.read(session.paths[index])
            except (PurerError, OSError):
                pass  # going there says why

    def _open_then(self, index: int, step: Callable[[], object]) -> None:
        """Run a step that goes to transcript `index`: at once when reading it takes no time,
        else once a worker read it."""
        session = self.session
        path = session.paths[index]
        if index == session.index or session.cache.ready(path):
            step()
            return
        self._waiting = True
        self.notify(f"Opening {one_line(path.name)}…", timeout=2)
        self._read_for(index, step)

    @work(thread=True, exclusive=True, group="open")
    def _read_for(self, index: int, step: Callable[[], object]) -> None:
        try:
            self.session.cache.read(self.session.paths[index])
        except (PurerError, OSError):
            pass  # the step reads it again on the app's thread and shows why it cannot
        self.post_message(TranscriptRead(step))

    @on(TranscriptRead)
    async def _transcript_read(self, message: TranscriptRead) -> None:
        self._waiting = False
        message.step()
        await self._run_typed_ahead()

    async def on_event(self, event: Event) -> None:
        """Keys typed while a worker opens a transcript wait for it (see `_run_typed_ahead`).

        A key reaches the app twice: as typed, then forwarded back from the screen, where its binding or
        code runs. Keys typed in one burst are all forwarded before the first runs, so a key waits here,
        on its way back, when an earlier key has started a wait.
        """
        if (
            isinstance(event, Key)
            and event.is_forwarded
            and len(self.screen_stack) == 1
            and (self._waiting or self._typed_ahead)
        ):
            self._typed_ahead.append(event)
            return
        await super().on_event(event)

    async def _run_typed_ahead(self) -> None:
        """The keys typed while waiting, in order, as if typed now, until one of them waits for a worker in turn."""
        while self._typed_ahead and not self._waiting:
            if len(self.screen_stack) != 1:  # a key opened a dialog: what follows is typed into it
                rest, self._typed_ahead = self._typed_ahead, []
                for event in rest:
                    self.post_message(Key(event.key, event.character))
                return
            event = self._typed_ahead.pop(0)
            code_id = self._code_for_key.get(event.character) if event.character else None
            if code_id is not None:
                self._code_key(code_id)
            else:
                await self._check_bindings(event.key)

    def _showing(self) -> bool:
        """Whether the app still shows its screens: a worker's result can arrive while it shuts down (its widgets
        going, then its screens), when there is nothing left to update."""
        return self.is_running and bool(self.screen_stack)

    def _progress_counted(
        self, counted: dict[int, Progress], began: int, standings: dict[int, Standing | None] | None = None
    ) -> None:
        if not self._showing():  # the app closed while the worker counted
            return
        self._counted_from = began
        self._disk_progress = counted
        self._disk_standing = standings or {}
        if isinstance(self.screen, TranscriptNavigator):
            self.screen.update_rows(self.navigator_rows())
        self._disk_totals = (sum(p.reviewed for p in counted.values()), sum(p.total for p in counted.values()))
        self.query_one(LocationBar).show(self.session, self.study_progress(), self.adjudicating)

    # --- doing things safely --------------------------------------------------

    def _do(self, step: Callable[[], object], changes: bool = False) -> Outcome:
        """Run one session step; a failure is shown, never a crash, and nothing half-done is shown.

        Returns an explicit outcome, so a refused step is never read as "nothing to do". A change
        the disk refuses (full, failing) is kept and retried until it is saved. Meanwhile the app
        does not move, so the retry lands on the turn the coder changed; further changes on that
        turn (a memo just written) queue behind it rather than being dropped.
        """
        if self._pending:
            if changes:
                self._pending.append(step)
                self.notify(
                    "Waiting for the disk: this change is kept and will be saved after the one waiting.",
                    severity="warning",
                    timeout=6,
                )
                return Outcome.WAITING
            self.notify(
                "Waiting for the disk: the last change is not saved yet and is being retried.",
                severity="warning",
                timeout=4,
            )
            return Outcome.WAITING
        try:
            result = step()
        except LockedError as error:  # nothing was tried: the transcript is another window's for now
            self.notify(str(error), title="Open in another window", severity="warning", timeout=12)
            return Outcome.FAILED
        except SplitCodeError as error:  # nothing was tried: the coder is told what to apply instead
            self.notify(str(error), title="Split code", severity="warning", timeout=10)
            return Outcome.FAILED
        except PurerError as error:
            self.notify(str(error), title="Not saved" if changes else "Cannot do that", severity="error", timeout=12)
            return Outcome.FAILED
        except OSError as error:
            if not changes:
                self.notify(f"{error.strerror or error}", title="Cannot do that", severity="error", timeout=12)
                return Outcome.FAILED
            self._pending = [step]
            self._retry_timer = self.set_interval(RETRY_SECONDS, self._retry_pending)
            self.notify(
                f"{error.strerror or error}: the change is not saved yet; the file on disk is as it was. "
                f"Retrying every {RETRY_SECONDS:g} s; free some space if the disk is full.",
                title="Not saved yet",
                severity="error",
                timeout=30,
            )
            return Outcome.WAITING
        if changes:
            self._schedule_compaction()
            if self.adjudicating is not None or self.session.recheck is not None:
                self._tell_when_all_settled()
        self._tell_merges(self.session.take_news())
        self.refresh_view()
        return Outcome(True, result)

    def _retry_pending(self) -> None:
        """Save the waiting changes in order; stop at the first the disk still refuses."""
        while self._pending:
            try:
                self._pending[0]()
            except OSError:
                return  # still refused: keep it, try again at the next tick
            except PurerError as error:
                self.notify(f"{error} (the change could not be saved)", title="Not saved", severity="error", timeout=30)
            else:
                self.notify("Saved the change that was waiting.", timeout=4)
                self._schedule_compaction()
            self._pending.pop(0)
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None
        self.refresh_view()

    def save_open_memo(self) -> None:
        """The terminal is going away: a memo being written is kept as a draft, offered on the next opening
        (the coder never said it was done, so it does not replace the turn's memo yet). Without a study
        folder to keep drafts in, it is saved as the turn's memo: never lost with the screen."""
        editor = self.screen
        session = self.session
        if not isinstance(editor, MemoEditor) or session.turn is None:
            return
        record = session.record
        if editor.text == (record.memo if record else ""):
            return  # nothing typed that is not saved
        try:
            if self._drafts is None or not self._drafts.save(session.current.path, session.turn.number, editor.text):
                session.set_memo(editor.text)
        except (PurerError, OSError):
            pass  # nothing more can be done with no terminal; every earlier change is on disk

    @staticmethod
    def _draft_key(path: Path, turn: int) -> tuple[str, int]:
        return os.path.normpath(path.absolute()), turn

    def _offer_drafts(self) -> None:
        """On opening: say which memo drafts wait (for this session's transcripts), and which draft files
        could not be trusted and are ignored."""
        if self._drafts is None:
            return
        found = self._drafts.waiting()
        in_session = {os.path.normpath(path.absolute()) for path in self.session.paths}
        waiting = [draft for draft in found.drafts if self._draft_key(draft.transcript, draft.turn)[0] in in_session]
        self._waiting_drafts = {self._draft_key(draft.transcript, draft.turn): draft for draft in waiting}
        if waiting:
            where = ", ".join(f"turn {d.turn} of {one_line(d.transcript.name)}" for d in waiting[:5])
            more = f" and {len(waiting) - 5} more" if len(waiting) > 5 else ""
            self._notices.append(
                f"A memo you were writing when the terminal closed is waiting as a draft: {where}{more}. "
                "m on that turn opens it (escape saves it, ctrl+c discards it)."
                if len(waiting) == 1
                else f"{len(waiting)} memos you were writing when the terminal closed wait as drafts: {where}{more}. "
                "m on such a turn opens its draft (escape saves it, ctrl+c discards it)."
            )
        for name in found.ignored[:3]:
            self._notices.append(
                f"Ignored .purer/{one_line(name)}: not a memo draft this app wrote (delete it to stop this notice)."
            )

    async def action_quit(self) -> None:
        """Quit; with a change still waiting to be saved, only when asked twice (it would be lost)."""
        if self._pending and not self._quit_anyway:
            self._quit_anyway = True
            self.notify(
                "One change is not saved yet (the disk refused it). "
                "Free some space and wait, or press q again to quit without it.",
                title="Not saved yet",
                severity="error",
                timeout=30,
            )
            return
        self.exit()

    def _schedule_compaction(self) -> None:
        if self._compact_timer is not None:
            self._compact_timer.stop()
        self._compact_timer = self.set_timer(IDLE_COMPACT_SECONDS, self._compact)

    def _compact(self) -> None:
        if self._save_position is not None:
            self._save_position()
        merges: list[Reloaded] = []
        if self._do(lambda: merges.extend(self.session.compact())).done:
            self._tell_merges(merges)

    def _tell_merges(self, merges: list[Reloaded]) -> None:
        for merge in merges:
            both = (
                f" {len(merge.conflicts)} turn(s) changed both here and there keep both versions: "
                "n stops at them to settle."
                if merge.conflicts
                else ""
            )
            self.notify(
                f"{one_line(merge.path.name)} changed on disk (a git pull?): "
                f"merged turn by turn with your changes.{both}",
                title="Merged",
                severity="warning",
                timeout=15,
            )

    # --- keys -----------------------------------------------------------------

    def on_key(self, event: Key) -> None:
        """Codebook keys: one dictionary lookup, then one durable change."""
        if len(self.screen_stack) != 1 or event.character is None:
            return
        code_id = self._code_for_key.get(event.character)
        if code_id is not None:
            event.stop()
            event.prevent_default()
            self._code_key(code_id)

    def _code_key(self, code_id: str) -> None:
        """A code's key toggles the code. With `auto_advance`, a key that applies (not removes) a code of an
        exclusive group then does what enter does: the turn is reviewed with its codes, and the app goes on.

        Only code keys advance: the picker and the palette (codes chosen by name) and adjudication never do,
        nor a code for another role's turns.
        """
        had = self._has_code(code_id)
        other_role = self.toggle_code(code_id)
        if (
            self.auto_advance
            and not other_role  # stay: the coder reads the notice, and may take it back
            and self.adjudicating is None
            and not had
            and self._has_code(code_id)
            and not self._pending  # a change the disk refused: stay on its turn until it is saved
            and self.session.codebook.group(self.session.codebook.code(code_id).group).exclusive
        ):
            self.action_review_and_next()

    def _has_code(self, code_id: str) -> bool:
        record = self.session.record
        return record is not None and code_id in record.codes

    def toggle_code(self, code_id: str) -> bool:
        """Toggle a code on the turn; returns whether it is for another role's turns (the coder was told)."""
        self._do(lambda: self.session.toggle_code(code_id), changes=True)
        self.query_one(CodebookPanel).highlight(code_id)  # its definition is the one shown
        return self._notice_role_mismatch(code_id)

    def action_toggle_codebook(self) -> None:
        """Focus the codebook's cursor (its definitions open where there is room), or give it back to the turn."""
        codes = self.query_one(CodeList)
        if codes.has_focus:
            self.set_focus(None)
        else:
            codes.take_focus()

    @on(CodeList.Toggled)
    def _toggle_highlighted(self, message: CodeList.Toggled) -> None:
        if self.session.turn is not None:
            self.toggle_code(message.code_id)

    @on(CodeList.Left)
    def _leave_codebook(self) -> None:
        self.set_focus(None)

    def _notice_role_mismatch(self, code_id: str) -> bool:
        """A code for another role's turns is applied as asked, with a one-line notice (the coder may mean it).
        Returns whether it said so."""
        session = self.session
        turn, record = session.turn, session.record
        if self.role_of is None or turn is None or record is None or code_id not in record.codes:
            return False
        group = session.codebook.group(session.codebook.code(code_id).group)
        role = self.role_of(turn.speaker)
        if group.applies_to(role):
            return False
        self.notify(
            f"{session.codebook.code(code_id).label} is for {', '.join(group.roles)} turns; "
            f"{turn.speaker or 'this speaker'} is {role}.",
            severity="warning",
            timeout=5,
        )
        return True

    def action_next_turn(self) -> None:
        self._do(lambda: self.session.move(1))

    def action_previous_turn(self) -> None:
        self._do(lambda: self.session.move(-1))

    def action_page_down(self) -> None:
        self._do(lambda: self.session.move(PAGE_TURNS))

    def action_page_up(self) -> None:
        self._do(lambda: self.session.move(-PAGE_TURNS))

    def action_first_turn(self) -> None:
        self._do(self.session.first)

    def action_last_turn(self) -> None:
        self._do(self.session.last)

    def action_scroll_turn(self, pages: float) -> None:
        self.query_one(TurnPager).scroll_current(pages)

    def action_unreview(self) -> None:
        if self.session.turn is not None and self._do(self.session.unreview, changes=True).said_no:
            self.notify("This turn is not reviewed.", timeout=3)

    def action_toggle_flag(self) -> None:
        outcome = self._do(self.session.toggle_flag, changes=True)
        if outcome.done and self.session.turn is not None:
            self.notify(
                "Flagged: n stops here until you clear it with !" if outcome.value else "Flag cleared.", timeout=3
            )

    def action_review_and_next(self) -> None:
        session = self.session
        if session.turn is None:
            return
        if session.recheck is not None:
            confirmed = self._do(session.confirm_recheck, changes=True).done
            if confirmed and session.current.needs_review(session.turn.number if session.turn else 0):
                return  # another code waits on this turn: it is shown now, to be confirmed in its turn
            if confirmed and session.recheck.done < session.recheck.total:
                self.action_next_unreviewed()  # the next turn still waiting, here or in another transcript
            return
        if not self._do(session.mark_reviewed, changes=True).done:
            return  # refused or waiting: stay on the turn
        if session.at_end():
            self._tell_last_turn()
        else:
            self._do(lambda: session.move(1))

    # --- suggestions ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="suggestions")
    def learn_suggestions(self) -> None:
        """Train the local model on the coder's settled turns, then show its suggestions beside the queued ones."""
        study = self.study
        assert study is not None
        coder = self.session.coder
        try:
            if coder not in coders_with_files(study.transcript_paths()):
                raise PurerError(
                    f"{coder} has no coded turns in this study yet; the model learns from your settled turns "
                    f"(at least {MIN_TURNS}) when the app opens"
                )
            data = training_data(study, coder)
            model = train(data)
        except (PurerError, OSError) as error:
            self.call_from_thread(
                self.notify, f"Suggestions off: {one_line(str(error))}", severity="warning", timeout=10
            )
            return
        source = ModelSource(model, role_finder(study))
        self.call_from_thread(self._suggestions_learned, source, data.learned_from, len(model.codes))

    def _suggestions_learned(self, source: ModelSource, turns: int, codes: int) -> None:
        suggestions = self.session.suggestions
        if suggestions is None or not self._showing():  # none, or the app closed while the model learned
            return
        suggestions.sources.append(source)
        self.refresh_view()
        self.notify(
            f"Suggestions on: learned {codes} code(s) from {turns} of your settled turns "
            f"({self._model_suggestions}). ? marks them; {self._accept_key} applies.",
            timeout=5,
        )

    def action_accept_suggestions(self) -> None:
        """Apply the codes suggested for the turn (marked in the codebook), as their keys would; say what was left."""
        session = self.session
        if session.turn is None:
            return
        if not session.suggested_here():
            self.notify("No code is suggested for this turn.", timeout=3)
            return
        outcome = self._do(session.accept_suggestions, changes=True)
        accepted = outcome.value
        if not outcome.done or not isinstance(accepted, Accepted):
            return
        label = session.codebook.code
        said = []
        if accepted.applied:
            said.append("Applied " + ", ".join(label(code).label for code in accepted.applied) + ".")
        if accepted.clashing:
            said.append(
                "Left: "
                + ", ".join(label(code).label for code in accepted.clashing)
                + " (another code of its exclusive group is on the turn)."
            )
        if accepted.other_role:
            said.append(
                "Left: "
                + ", ".join(label(code).label for code in accepted.other_role)
                + " (not for this speaker's role)."
            )
        self.notify(" ".join(said), severity="warning" if not accepted.applied else "information", timeout=6)

    def action_next_unreviewed(self) -> None:
        session = self.session
        if session.search_term is not None:
            self._step_to_hit(forward=True)
            return
        if self._do(session.next_unreviewed_here).value is True:
            return
        try:
            index = session.transcript_to_review(quick_only=True)
        except QuickSearchStopped:
            self._waiting = True
            self.notify("Looking for the next turn to review…", timeout=2)
            self._find_to_review()
            return
        self._arrive_for_review(index)

    @work(thread=True, exclusive=True, group="open")
    def _find_to_review(self) -> None:
        session = self.session
        index: int | None = None
        try:
            index = session.transcript_to_review()
            if index is not None:
                session.cache.read(session.paths[index])
        except (PurerError, OSError):
            pass  # going there says why
        self.post_message(ReviewFound(index))

    @on(ReviewFound)
    async def _review_found(self, message: ReviewFound) -> None:
        self._waiting = False
        self._arrive_for_review(message.index)
        await self._run_typed_ahead()

    def _arrive_for_review(self, index: int | None) -> None:
        """Go to the first turn to review in transcript `index`; with none elsewhere, to one before this turn."""
        session = self.session
        if index is not None:
            passed_before = set(session.passed_by)

            def go() -> None:
                if self._moving(lambda: session.go_to_review(index)).value is True:
                    return
                passed = session.passed_by.get(index)
                if passed is not None and index not in passed_before:
                    self.notify(f"{passed.reason}: passed by.", timeout=8)
                self.call_later(
                    self.action_next_unreviewed
                )  # it had nothing after all, or cannot be opened: look further

            self._open_then(index, go)
            return
        if self._do(session.unreviewed_before_here).value is True:
            return
        if session.recheck is not None:
            self.notify(self._all_settled(session.recheck.total), timeout=8)
        elif self.adjudicating is not None:
            place = session.place()
            settled = place.total if place else sum(p.total for p in session.opened_progress().values())
            self.notify(self._all_settled(settled), timeout=8)
        else:
            elsewhere = ", ".join(sorted(one_line(session.paths[index].name) for index in session.passed_by))
            also = f" (apart from {elsewhere}, passed by)" if elsewhere else ""
            self.notify(
                f"Every turn of every transcript in this session is reviewed, and none is flagged{also}.", timeout=5
            )

    def _tell_last_turn(self) -> None:
        """`enter` on the last turn this session visits in the transcript: what is left, and where."""
        session = self.session
        if session.recheck is not None:
            left_here = session.current.to_review()
            left = session.recheck.total - session.recheck.done
            if left:
                of_them = f" ({left_here} of them here)" if left_here else ""
                self.notify(
                    f"Last turn to recheck in this transcript: {left} left{of_them}. n goes to the next.", timeout=6
                )
            return
        if self.adjudicating is None:
            which = "turn" if session.only is None else f"turn by {', '.join(session.only_asked)}"
            self.notify(
                f"Last {which} of this transcript. ] goes to the next one, n to the next turn to review.", timeout=5
            )
            return
        place = session.place()
        if place is not None and place.all_settled:
            return  # the change just made said so
        elsewhere = session.to_review_elsewhere()
        here = session.current.to_review()
        if elsewhere:
            first = min(elsewhere, key=lambda index: (index <= session.index, index))  # the next, going round
            more = sum(elsewhere.values())
            others = f" in {len(elsewhere)} other transcripts, the next in" if len(elsewhere) > 1 else " in"
            rest = f"{more} more to settle{others} {one_line(session.paths[first].name)}"
        else:
            rest = "none left in other transcripts"
        still = f"; {here} still to settle here" if here else ""
        self.notify(f"Last disagreement in this transcript: {rest}{still}. n goes to the next.", timeout=8)

    def _all_settled(self, count: int) -> str:
        if self.session.recheck is not None:
            return f"All {count} turn{'s' if count != 1 else ''} to recheck are confirmed: q to quit."
        assert self.adjudicating is not None
        return (
            f"All {count} disagreement{'s' if count != 1 else ''} of {' and '.join(self.adjudicating)} "
            "are settled: q to quit."
        )

    def _tell_when_all_settled(self) -> None:
        """Adjudicating: the change that settles the last disagreement says so, once (again only after an undo
        made one unsettled)."""
        recheck = self.session.recheck
        if recheck is not None:
            all_done = recheck.done == recheck.total
            if all_done and not self._told_all_settled:
                self.notify(self._all_settled(recheck.total), timeout=10)
            self._told_all_settled = all_done
            return
        place = self.session.place()
        if place is None:
            return
        if place.all_settled and not self._told_all_settled:
            self.notify(self._all_settled(place.total), timeout=10)
        self._told_all_settled = place.all_settled

    def action_previous_hit(self) -> None:
        if self.session.search_term is not None:
            self._step_to_hit(forward=False)

    def action_undo(self) -> None:
        many = self.session.next_undo
        outcome = self._do(self.session.undo, changes=True)
        if outcome.said_no:
            self.notify("Nothing to undo.", timeout=3)
        elif outcome.done and isinstance(many, ManyChanges):
            self._tell_many(many, "Took {code} off the {count} search hit(s) it was applied to")

    def action_redo(self) -> None:
        many = self.session.next_redo
        outcome = self._do(self.session.redo, changes=True)
        if outcome.said_no:
            self.notify("Nothing to redo.", timeout=3)
        elif outcome.done and isinstance(many, ManyChanges):
            self._tell_many(many, "Applied {code} again to {count} search hit(s)")

    def action_previous_transcript(self) -> None:
        if self.session.index == 0:
            self.notify("This is the first transcript.", timeout=3)
            return
        self._open_then(self.session.index - 1, lambda: self._moving(lambda: self.session.switch_transcript(-1)))

    def action_next_transcript(self) -> None:
        if self.session.index == len(self.session.paths) - 1:
            self.notify("This is the last transcript.", timeout=3)
            return
        self._open_then(self.session.index + 1, lambda: self._moving(lambda: self.session.switch_transcript(+1)))

    def _moving(self, step: Callable[[], object]) -> Outcome:
        """A step that may leave the transcript: leaving one with turns still to review says how many."""
        left = self.session.index
        result = self._do(step)
        if self.session.index != left:
            # Shown notices were about the transcript just left; the new one's own are still on their way
            # (notify posts a message), so they survive this.
            self.clear_notifications()
            remaining = self.session.to_review(left)
            if remaining:
                name = one_line(self.session.paths[left].name)
                self.notify(
                    f"Left {name} with {remaining} turn(s) still to review (not reviewed or flagged).", timeout=6
                )
        return result

    def navigator_rows(self) -> list[NavigatorRow]:
        """Every transcript with this coder's standing in it, from what is known without reading a file:
        the last count (the study index), and this window's own for the transcripts it opened since."""
        session = self.session
        newer = session.left_since(self._counted_from)
        mine = {index: standing for index, standing in session.opened_standing().items() if index in newer}
        elsewhere = session.locked_elsewhere
        disk = self._disk_standing
        return [
            NavigatorRow(
                index,
                path.name,
                mine.get(index) or disk.get(index),
                unreadable=index not in mine and index in disk and disk[index] is None,
                here=index == session.index,
                elsewhere=index in elsewhere,
            )
            for index, path in enumerate(session.paths)
        ]

    def action_open_transcript(self) -> None:
        if isinstance(self.screen, TranscriptNavigator):
            return
        session = self.session
        scope = "counts over the turns this session visits" if session.only or session.turn_filter else ""

        def chosen(index: int | None) -> None:
            if index is not None and index != session.index:
                self._open_then(index, lambda: self._moving(lambda: session.go_to_place(index)))

        self.push_screen(TranscriptNavigator(self.navigator_rows(), scope), chosen)

    def action_end_search(self) -> None:
        self.workers.cancel_group(self, "search")  # a study search under way stops at its next transcript
        self._do(self.session.end_search)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The adjudication keys exist only while adjudicating (hidden from the footer otherwise)."""
        if action == "adjudicate":
            return self.adjudicating is not None
        if action in ("toggle_codebook", "similar_turns"):  # in a dialog, the key is the dialog's (or nothing)
            return len(self.screen_stack) == 1
        return True

    def action_adjudicate(self, choice: str) -> None:
        """Take the first coder's codes, the second's, both, or none, for the consensus."""
        sides = dict(self.session.other_coders())
        if self.adjudicating is None or self.session.turn is None:
            return
        first, second = (sides.get(coder) for coder in self.adjudicating)
        codes = {
            "first": list(first.codes) if first else [],
            "second": list(second.codes) if second else [],
            "both": [*(first.codes if first else ()), *(second.codes if second else ())],
            "neither": [],
        }[choice]
        clashes = self.session.codebook.exclusive_conflicts(codes)
        if clashes:
            group, members = clashes[0]
            self.notify(
                f"{' and '.join(members)} are both in {group.label}, which takes one code: choose < or >, or edit.",
                severity="warning",
                timeout=6,
            )
            return
        self._do(lambda: self.session.set_codes(codes), changes=True)

    def action_pick_code(self) -> None:
        if self.session.turn is None:
            return
        record = self.session.record

        def chosen(code_id: str | None) -> None:
            if code_id:
                self.toggle_code(code_id)

        self.push_screen(CodePicker(self.session.codebook, record.codes if record else ()), chosen)

    def action_edit_memo(self) -> None:
        turn = self.session.turn
        if turn is None:
            return
        record = self.session.record
        key = self._draft_key(self.session.current.path, turn.number)
        draft = self._waiting_drafts.get(key)

        def saved(memo: str | None) -> None:
            if memo is not None:
                if self._do(lambda: self.session.set_memo(memo), changes=True) is Outcome.FAILED:
                    return  # not saved: a draft stays a draft
            elif draft is None:
                self.notify("Memo not saved (ctrl+c): the turn's memo is as it was.", timeout=4)
            else:
                self.notify("Draft discarded: the turn's memo is as it was.", timeout=4)
            if draft is not None and self._drafts is not None:
                self._drafts.discard(draft)
                self._waiting_drafts.pop(key, None)

        if draft is not None:
            title = f"Memo on turn {turn.number}: the draft from when the terminal closed (not saved yet)"
            self.push_screen(MemoEditor(draft.memo, title, draft=True), saved)
        else:
            self.push_screen(MemoEditor(record.memo if record else "", f"Memo on turn {turn.number}"), saved)

    def action_search(self) -> None:
        prompt = SearchPrompt()

        def searched(term: str | None) -> None:
            if not term:
                return
            if prompt.scope == "study":
                self._search_study(term)
                return
            outcome = self._do(lambda: self.session.start_search(term))
            if outcome.done and outcome.value == 0:
                self.notify("Not found in this transcript.", timeout=4)
            elif outcome.done:
                self._step_to_hit(forward=True, include_here=True)

        self.push_screen(prompt, searched)

    # --- search -----------------------------------------------------------------

    def _search_study(self, term: str) -> None:
        """Search every transcript in a worker; the coder goes on meanwhile, and the hits come as a message."""
        session = self.session
        token = session.begin_study_search(term)
        self._searched_from = (session.index, session.position)
        self.refresh_view()
        self.notify(f"Searching {len(session.paths):,} transcript(s)…", timeout=3)
        self._search_worker(term, token)

    @work(thread=True, exclusive=True, group="search")
    def _search_worker(self, term: str, token: int) -> None:
        worker = get_current_worker()
        result = self.session.search_study(term, cancelled=lambda: worker.is_cancelled)
        if not result.cancelled:
            self.post_message(StudySearched(token, result))

    @on(StudySearched)
    def _study_searched(self, message: StudySearched) -> None:
        session = self.session
        if not session.take_study_hits(message.token, message.result):
            return  # ended or replaced meanwhile
        result = message.result
        self.refresh_view()
        unread = f" {len(result.unreadable)} transcript(s) could not be read." if result.unreadable else ""
        if not result.hits:
            self.notify(f"Not found in any transcript of the study.{unread}", timeout=5)
            return
        count = f"{MAX_HITS:,}+" if result.capped else f"{len(result.hits):,}"
        found = f"{count} hit(s) in {result.transcripts:,} transcript(s).{unread}"
        if self._searched_from == (session.index, session.position) and len(self.screen_stack) == 1:
            self._step_to_hit(forward=True, include_here=True)
            self.notify(found, timeout=4)
        else:  # the coder moved on meanwhile: they are not taken away
            self.notify(f"{found} n goes to the next.", timeout=6)

    def _step_to_hit(self, forward: bool, include_here: bool = False, passed_notes: tuple[str, ...] = ()) -> None:
        """Go to the next (or previous) hit, in another transcript when it is there; going round the end says so.

        A hit's transcript that cannot be opened (another window codes it) is passed by for the hits further on;
        `passed_notes` say so once the coder has arrived (arriving in another transcript clears older notices).
        """
        session = self.session
        step = session.next_hit(forward, include_here)
        if step is None:
            for note in passed_notes:
                self.notify(note, timeout=8)
            if session.searching:
                self.notify("Still searching the study…", timeout=3)
            elif session.hit_count:
                self.notify("Every hit is in a transcript passed by (open in another window, or unreadable).")
            else:
                self.notify("No hits for this search.", timeout=4)
            return
        passed_before = set(session.passed_by)

        def go() -> None:
            outcome = self._moving(lambda: session.go_to_hit(step.hit))
            if outcome.value is True:
                for note in passed_notes:
                    self.notify(note, timeout=8)
                if step.wrapped and session.hit_count == 1:
                    self.notify("This is the only hit.", timeout=3)
                elif step.wrapped:
                    self.notify(f"Wrapped to the {'first' if forward else 'last'} hit.", timeout=3)
                return
            passed = session.passed_by.get(step.hit.transcript)
            if outcome.done and passed is not None:
                new = (f"{passed.reason}: passed by.",) if step.hit.transcript not in passed_before else ()
                self.call_later(lambda: self._step_to_hit(forward, include_here, passed_notes + new))

        self._open_then(step.hit.transcript, go)

    def action_goto_turn(self) -> None:
        total = len(self.session.current.transcript.turns)

        def chosen(text: str | None) -> None:
            if text and text.strip().isdigit():
                if self._do(lambda: self.session.goto_turn(int(text))).said_no:
                    self.notify(f"No turn {text} to visit here (turns 1-{total}).", timeout=4)

        self.push_screen(Prompt(":", f"turn number, 1-{total}", numbers_only=True), chosen)

    def action_help(self) -> None:
        turn = self.session.turn
        role = self.role_of(turn.speaker) if self.role_of and turn else None
        self.push_screen(
            HelpScreen(help_content(self.session.codebook, app_keys(self._keymap), self.COMMAND_PALETTE_BINDING, role))
        )

    # --- turns like this one ------------------------------------------------------

    def action_similar_turns(self) -> None:
        """List the turns across the study most like this one, with this coder's codes on each.

        The study's index is built by a worker the first time, and kept: asking again looks only at what changed.
        Asking while a worker is at it starts no second one: it answers the turn asked about last.
        """
        session = self.session
        turn = session.turn
        if turn is None:
            return
        if self._similar_index is None:
            self.notify(
                "Turns like this one are found across a study: open the study's folder (with its purer.toml) "
                "with purer-tui code.",
                timeout=6,
            )
            return
        where = (session.current.path, turn.number)
        name = self._similar_index.name_of(where[0])
        record = session.record
        asked = SimilarTurn(
            where[0],
            name,
            turn.number,
            turn.speaker,
            turn.text,
            0.0,
            tuple(record.codes) if record is not None and record.reviewed else None,
            record is not None and record.flag,
        )

        def chosen(target: tuple[Path, int] | None) -> None:
            if target is not None:
                self._go_to_similar(*target)

        self.push_screen(SimilarTurnsScreen(session.codebook, asked, where), chosen)
        self._similar_wanted = where
        if not self._similar_busy:
            self._similar_busy = True
            self._find_similar(where)

    @work(thread=True, group="similar")
    def _find_similar(self, where: tuple[Path, int]) -> None:
        index = self._similar_index
        assert index is not None
        try:
            result = index.find(where[0], where[1], self.session.coder)
        except PurerError as error:
            self.post_message(SimilarFound(where, None, str(error)))
            return
        except OSError as error:
            self.post_message(SimilarFound(where, None, f"{error.strerror or error}"))
            return
        self.post_message(SimilarFound(where, result))

    @on(SimilarFound)
    def _similar_found(self, message: SimilarFound) -> None:
        wanted = self._similar_wanted
        if wanted is not None and wanted != message.where:  # the coder asked about another turn meanwhile
            self._find_similar(wanted)
            return
        self._similar_busy = False
        screen = self.screen
        if not isinstance(screen, SimilarTurnsScreen) or screen.where != message.where:
            return
        if message.result is None:
            screen.show_error(message.error or "could not find turns like this one")
            return
        screen.show(self._with_my_codes(message.result))

    def _with_my_codes(self, result: SimilarTurns) -> SimilarTurns:
        """The result with this window's own decisions on the transcript it has open (the files may not have them
        yet: its journal is folded in when idle)."""
        opened = self.session.current
        here = os.path.normpath(opened.path.absolute())

        def mine(found: SimilarTurn) -> SimilarTurn:
            if os.path.normpath(found.transcript.absolute()) != here:
                return found
            record = opened.store.get(found.turn)
            codes = tuple(record.codes) if record is not None and record.reviewed else None
            return replace(found, codes=codes, flagged=record is not None and record.flag)

        return replace(result, found=[mine(found) for found in result.found])

    def _go_to_similar(self, path: Path, number: int) -> None:
        """Go to turn `number` of `path`, opening its transcript as the navigator does."""
        session = self.session
        wanted = os.path.normpath(path.absolute())
        index = next(
            (i for i, candidate in enumerate(session.paths) if os.path.normpath(candidate.absolute()) == wanted), None
        )
        if index is None:
            self.notify(
                f"{one_line(path.name)} is not among the transcripts this session codes: "
                f"open it with purer-tui code {one_line(path.name)}.",
                timeout=8,
            )
            return

        def go() -> None:
            outcome = self._moving(lambda: session.go_to_turn_of(index, number))
            if outcome.value is False:
                self.notify(f"Turn {number} is not among the turns this session visits: went to the next one.")

        self._open_then(index, go)

    # --- a code on every search hit ----------------------------------------------

    def can_apply_to_hits(self) -> bool:
        """Whether the palette offers applying a code to every hit: a search with hits, in ordinary coding."""
        session = self.session
        return bool(
            session.search_term is not None
            and session.hit_count
            and not session.searching
            and self.adjudicating is None
            and session.recheck is None
        )

    def can_queue_hits(self) -> bool:
        """Whether the palette offers queueing a code on every hit as a suggestion (the study's queue is shown)."""
        suggestions = self.session.suggestions
        return self.can_apply_to_hits() and suggestions is not None and suggestions.queue is not None

    def queue_code_on_hits(self) -> None:
        """As `apply_code_to_hits`, but the code is queued as a suggestion on each turn, for the coder to confirm."""
        self.apply_code_to_hits(as_suggestions=True)

    def apply_code_to_hits(self, as_suggestions: bool = False) -> None:
        """Pick a code; a worker looks at what adding it to every hit would do; the coder confirms; one undo step."""
        session = self.session
        hits = session.hits
        if not hits:
            return

        def chosen(code_id: str | None) -> None:
            if not code_id:
                return
            code = session.codebook.code(code_id)
            if code.split_into:
                self.notify(
                    f"{code.label} was split into "
                    + ", ".join(session.codebook.code(c).label for c in code.split_into)
                    + "; apply one of those",
                    severity="warning",
                    timeout=8,
                )
                return
            here = (session.index, dict(session.current.store.records))
            if len(hits) > SAY_LOOKING_FROM:  # a few are looked at at once; a notice would cover the confirmation
                self.notify(f"Looking at the turns of {len(hits):,} hit(s)…", timeout=3)
            self._plan_hits(code_id, hits, here, as_suggestions)

        self.push_screen(CodePicker(session.codebook, ()), chosen)

    @work(thread=True, exclusive=True, group="apply-hits")
    def _plan_hits(
        self,
        code_id: str,
        hits: tuple[Hit, ...],
        here: tuple[int, dict[int, AnnotationRecord]],
        as_suggestions: bool = False,
    ) -> None:
        try:
            plan = self.session.plan_code_on_turns(code_id, hits, self.role_of, here)
        except PurerError as error:
            self.post_message(HitsPlanned(hits, None, str(error), as_suggestions))
            return
        except OSError as error:
            self.post_message(HitsPlanned(hits, None, f"{error.strerror or error}", as_suggestions))
            return
        self.post_message(HitsPlanned(hits, plan, None, as_suggestions))

    @on(HitsPlanned)
    def _hits_planned(self, message: HitsPlanned) -> None:
        session = self.session
        plan = message.plan
        if plan is None:
            self.notify(message.error or "could not read the hits' turns", title="Nothing applied", severity="error")
            return
        if session.hits != message.hits:
            self.notify("The search changed meanwhile: nothing applied.", timeout=5)
            return
        codebook = session.codebook
        code = codebook.code(plan.code)
        group = codebook.group(code.group)
        count = f"the first {len(message.hits):,}" if session.hits_capped else f"all {len(message.hits):,}"
        gets = "get it as a suggestion to confirm" if message.as_suggestions else f"get {code.label}"
        lines = [f"Of {count} search hit(s):", f"  {plan.count(Decision.APPLY):,} turn(s) {gets}"]
        left = [
            (Decision.ALREADY, "already carry it"),
            (Decision.CLASH, f"are skipped: they carry another code of {group.label}, which takes one"),
            (Decision.NO_CODE, "are skipped: you reviewed them as no code applying"),
            (Decision.OTHER_ROLE, f"are not for its roles ({', '.join(group.roles)})"),
            (Decision.CONFLICT, "are skipped: in a merge conflict"),
            (Decision.STALE, "are skipped: their file no longer matches the transcript (purer-tui reanchor)"),
        ]
        lines += [f"  {plan.count(outcome):,} {why}" for outcome, why in left if plan.count(outcome)]
        if plan.unreadable:
            lines.append(f"  {plan.unreadable:,} are in transcripts that could not be read")
        if not plan.to_code:
            self.notify(
                "\n".join([*lines, "Nothing to queue." if message.as_suggestions else "Nothing to apply."]), timeout=10
            )
            return
        if message.as_suggestions:
            self._confirm_queueing(plan, lines)
            return
        lines += ["", "A coder's decision is never replaced. Backspace undoes it all as one step."]

        def confirmed(yes: bool | None) -> None:
            if not yes:
                self.notify("Nothing applied.", timeout=3)
                return
            outcome = self._do(lambda: session.apply_code_on_turns(plan), changes=True)
            if not outcome.done or not isinstance(outcome.value, ManyWritten):
                return
            written = outcome.value
            notes = [f"{code.label} applied to {written.turns:,} turn(s) in {written.files:,} file(s)."]
            if written.changed:
                notes.append(f"{written.changed:,} changed since they were counted: left as they are.")
            if written.locked:
                notes.append(f"{written.locked:,} are in transcripts another window codes: left alone.")
            if written.failed:
                notes.append(f"{written.failed:,} are in files that could not be written (purer-tui check).")
            self.notify(" ".join(notes), timeout=8)
            self.call_after_refresh(self.count_study_progress)

        self.push_screen(
            ConfirmScreen(f"Apply {code.label} to the search hits", lines, "enter: apply · escape: cancel"),
            confirmed,
        )

    def _confirm_queueing(self, plan: CodeOnTurns, lines: list[str]) -> None:
        """Queue the plan's code on its turns once the coder confirms: nothing is applied until they accept it."""
        session = self.session
        suggestions = session.suggestions
        queue = suggestions.queue if suggestions is not None else None
        if suggestions is None or queue is None:
            return
        code = session.codebook.code(plan.code)
        room = MAX_QUEUED - len(queue.queue)
        if len(plan.to_code) > room:
            self.notify(
                f"Only {max(room, 0):,} more code(s) fit in your suggestion queue (at most {MAX_QUEUED:,}): "
                "review some of those waiting first (n goes to them), or narrow the search.",
                title="Nothing queued",
                severity="warning",
                timeout=10,
            )
            return
        lines += ["", f"Nothing is applied: n goes to each, {self._accept_key} accepts, enter leaves it off."]

        def confirmed(yes: bool | None) -> None:
            if not yes:
                self.notify("Nothing queued.", timeout=3)
                return
            entries = [
                QueuedCode(suggestions.name(session.paths[turn.transcript]), turn.turn, turn.anchor, plan.code, source)
                for turn in plan.to_code
            ]
            try:
                added = queue.add_codes(entries)
            except PurerError as error:
                self.notify(str(error), title="Nothing queued", severity="error", timeout=10)
                return
            self.refresh_view()
            self.notify(
                f"{code.label} queued as a suggestion on {added:,} turn(s); "
                f"{suggestions.turn_count:,} turn(s) wait in all (n goes to them).",
                timeout=8,
            )

        source = "search in the app"
        self.push_screen(
            ConfirmScreen(f"Queue {code.label} on the search hits", lines, "enter: queue · escape: cancel"),
            confirmed,
        )

    def _tell_many(self, many: ManyChanges, text: str) -> None:
        codebook = self.session.codebook
        label = codebook.code(many.code).label if codebook.has_code(many.code) else many.code
        self.notify(text.format(code=label, count=len(many.changes)) + ".", timeout=5)
        self.call_after_refresh(self.count_study_progress)

    # --- command palette --------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        keys = app_keys(self._keymap)
        for app_key in APP_KEYS:
            if app_key.action == "quit":
                continue
            if app_key.id.startswith("adjudicate.") and self.adjudicating is None:
                continue  # they do nothing outside adjudication: not offered either
            shown = ", ".join(keys.get(app_key.id, ()))
            yield SystemCommand(
                app_key.description, f"key: {shown}" if shown else "no key", self._palette_action(app_key.action)
            )
        if self.can_apply_to_hits():
            yield SystemCommand(
                f"Apply a code to all {self.session.hit_count:,} search hits",
                "pick the code, then see what it would do before it is done",
                self.apply_code_to_hits,
            )
        if self.can_queue_hits():
            yield SystemCommand(
                f"Queue a code as a suggestion on all {self.session.hit_count:,} search hits",
                "pick the code; each hit's turn waits for you to confirm it (ctrl+a) or leave it (enter)",
                self.queue_code_on_hits,
            )
        for code in self.session.codebook.codes:
            how = f"key: {code.key}" if code.key else "no key: use space or this palette"
            yield SystemCommand(f"Toggle code: {code.label}", how, lambda code_id=code.id: self.toggle_code(code_id))

    def _palette_action(self, action: str) -> Callable[[], object]:
        return lambda: self.run_action(action)
