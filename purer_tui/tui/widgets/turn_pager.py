"""The pager: the current turn in full, with dim turns of context before and after, each with its codes.

One widget for the whole transcript, updated per key with only the handful of
turns it shows, so a 20,000-turn transcript costs what a 20-turn one does.
The turn takes the height its text needs (up to most of the pager, then it
scrolls) and the context after it follows at once and fills the rest: a taller
terminal shows more of the conversation, never a gap.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from purer_tui.core.reanchor import is_stale
from purer_tui.core.session import CodingSession
from purer_tui.core.transcript import Turn
from purer_tui.tui import rendering


class TurnPager(Vertical):
    """Context before, the current turn (scrollable when long), context after."""

    DEFAULT_CSS = """
    TurnPager > .context { height: auto; text-wrap: nowrap; text-overflow: ellipsis; }
    TurnPager > #current { height: auto; max-height: 75%; }
    TurnPager > #after { height: 1fr; }
    TurnPager #heading { height: auto; }
    TurnPager #body { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(classes="context", id="before", markup=False)
        with VerticalScroll(id="current", can_focus=False):
            yield Static(id="heading", markup=False)
            yield Static(id="body", markup=False)
        yield Static(classes="context", id="after", markup=False)

    def context_sizes(self) -> tuple[int, int]:
        """How many turns of context to show: before, a few more as the terminal grows taller; after, as many
        as could fill the pager (the widget cuts what does not fit below the turn)."""
        height = self.size.height or 20
        return max(1, min(height // 8, 8)), max(1, height)

    def show(self, session: CodingSession, role_of: Callable[[str], str | None] | None = None) -> None:
        turn = session.turn
        before_widget = self.query_one("#before", Static)
        after_widget = self.query_one("#after", Static)
        heading = self.query_one("#heading", Static)
        body = self.query_one("#body", Static)
        if turn is None:
            before_widget.update("")
            after_widget.update("")
            heading.update(rendering.literal("No turns to code here", "bold"))
            body.update(
                rendering.literal(
                    "This transcript has no turns by the speakers chosen with --only. Press ] for the next transcript."
                )
            )
            return
        previous, following = session.context(*self.context_sizes())
        store, codebook = session.current.store, session.codebook

        def line(turn: Turn) -> Content:
            return rendering.context_line(turn, role_of, store.get(turn.number), codebook)

        before_widget.update(Content("\n").join(line(t) for t in previous))
        before_widget.display = bool(previous)
        after_widget.update(Content("\n").join(line(t) for t in following))
        after_widget.display = bool(following)
        record = session.record
        stale = record is not None and is_stale(record, session.current.transcript)
        heading.update(rendering.turn_heading(turn, len(session.current.transcript.turns), record, role_of, stale))
        body.update(rendering.turn_body(turn, session.search_term))
        self.query_one("#current", VerticalScroll).scroll_home(animate=False)

    def scroll_current(self, pages: float) -> None:
        """Scroll a long turn's text (the turn itself does not change)."""
        current = self.query_one("#current", VerticalScroll)
        step = max(1, int(current.size.height * abs(pages)))
        current.scroll_relative(y=step if pages > 0 else -step, animate=False)
