"""A question to answer before a change of many turns: what it will do, then enter to go ahead or escape."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from purer_tui.tui import rendering


class ConfirmScreen(ModalScreen[bool]):
    """Enter answers yes; escape (or ctrl+c) answers no."""

    BINDINGS = [
        Binding("enter", "dismiss(True)", "Go ahead", id="confirm.yes"),
        Binding("escape", "dismiss(False)", "Cancel", id="confirm.no"),
        Binding("ctrl+c", "dismiss(False)", "Cancel", show=False, priority=True, id="confirm.cancel"),
    ]

    def __init__(self, title: str, lines: Sequence[str], question: str) -> None:
        super().__init__()
        self._title = title
        self._lines = list(lines)
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            text = Content("\n").join(
                [
                    *(rendering.literal(line) for line in self._lines),
                    Content(""),
                    rendering.literal(self._question, "bold"),
                ]
            )
            yield Static(text, id="confirm-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#confirm", Vertical).border_title = self._title

    @property
    def text(self) -> str:
        return str(self.query_one("#confirm-text", Static).render())
