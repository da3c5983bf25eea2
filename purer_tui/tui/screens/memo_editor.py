"""`m`: write or edit the current turn's memo. Escape saves and leaves: escape never throws work away."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from purer_tui.tui import rendering


class MemoEditor(ModalScreen[str]):
    BINDINGS = [
        Binding("escape", "save", "Save memo and close", priority=True, id="memo.save"),
        Binding("ctrl+s", "save", "Save memo and close", show=False, priority=True, id="memo.save_alternate"),
    ]

    def __init__(self, memo: str, title: str) -> None:
        super().__init__()
        self._memo = memo
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="memo"):
            yield Label(rendering.literal(self._title, "bold"))
            yield TextArea(self._memo, id="memo-text", soft_wrap=True, show_line_numbers=False)
            yield Label(rendering.literal("escape: save and close    (an empty memo removes it)", "$text-muted"))

    def on_mount(self) -> None:
        text = self.query_one(TextArea)
        text.focus()
        text.move_cursor(text.document.end)

    @property
    def text(self) -> str:
        """The memo as it stands in the editor."""
        return self.query_one(TextArea).text

    def action_save(self) -> None:
        self.dismiss(self.text)
