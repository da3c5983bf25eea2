"""`ctrl+o`: the transcript navigator, every transcript of the session with this coder's progress in it.

The rows come from what the app already knows (the study index's last count,
and the session for the transcripts opened in this window): opening the
navigator reads no file, and the list draws only the rows on screen (see
`TranscriptList`). Typing filters by file name; enter answers with the chosen
transcript, which the app opens at the coder's place in it.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from purer_tui.tui import rendering
from purer_tui.tui.widgets.transcript_list import NavigatorRow, TranscriptList, heading

__all__ = ["NavigatorRow", "TranscriptNavigator"]


class TranscriptNavigator(ModalScreen[int | None]):
    """Type to filter by name; up/down/pageup/pagedown to move; enter opens; escape (or ctrl+c) closes."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="navigator.close"),
        Binding("ctrl+c", "dismiss(None)", "Close", show=False, priority=True, id="navigator.cancel"),
        Binding("down", "move(1)", "Next", show=False, priority=True, id="navigator.next"),
        Binding("up", "move(-1)", "Previous", show=False, priority=True, id="navigator.previous"),
        Binding("pagedown", "page(1)", "Page down", show=False, priority=True, id="navigator.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, priority=True, id="navigator.page_up"),
    ]

    def __init__(self, rows: Sequence[NavigatorRow], scope: str = "") -> None:
        """`scope`: a line saying what the counts are over, when that is not every turn."""
        super().__init__()
        self._scope = scope
        self._rows = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="navigator"):
            yield Static(id="navigator-status", markup=False)
            yield Input(placeholder="type part of a transcript's name; enter opens it", id="navigator-filter")
            yield Static(heading(), id="navigator-heading", markup=False)
            yield TranscriptList(id="navigator-list")

    def on_mount(self) -> None:
        self.query_one("#navigator", Vertical).border_title = "Transcripts"
        self.query_one(TranscriptList).set_rows(self._rows, keep=next((r.index for r in self._rows if r.here), None))
        self._show_status()

    @property
    def shown(self) -> list[NavigatorRow]:
        """The transcripts listed now (after the filter), in order."""
        return self.query_one(TranscriptList).shown

    def update_rows(self, rows: Sequence[NavigatorRow]) -> None:
        """New counts arrived while the navigator is open: shown in place, the filter and cursor kept."""
        listed = self.query_one(TranscriptList)
        chosen = listed.chosen
        self._rows = list(rows)
        listed.set_rows(self._rows, keep=chosen.index if chosen else None)
        self._show_status()

    def _show_status(self) -> None:
        total = len(self._rows)
        shown = len(self.shown)
        waiting = sum(1 for row in self._rows if row.standing is None and not row.unreadable)
        parts = [f"{shown} of {total} transcripts" if shown != total else f"{total} transcripts"]
        if not shown:
            parts = [f"no transcript's name contains that ({total} in all)"]
        if waiting:
            parts.append(f"counting the study… ({total - waiting} of {total} counted)")
        if self._scope:
            parts.append(self._scope)
        self.query_one("#navigator-status", Static).update(rendering.literal(" · ".join(parts), "$text-muted"))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one(TranscriptList).filter(event.value)
        self._show_status()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        chosen = self.query_one(TranscriptList).chosen
        if chosen is not None:
            self.dismiss(chosen.index)

    def on_transcript_list_chosen(self, event: TranscriptList.Chosen) -> None:
        event.stop()
        self.dismiss(event.index)

    def action_move(self, delta: int) -> None:
        self.query_one(TranscriptList).move(delta)

    def action_page(self, pages: int) -> None:
        listed = self.query_one(TranscriptList)
        listed.move(pages * listed.page)
