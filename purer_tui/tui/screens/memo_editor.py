"""`m`: write or edit the current turn's memo, in a few lines at the bottom of the screen, below the turn
being memoed. Escape saves and leaves (escape never throws work away); ctrl+c leaves without saving."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from purer_tui.tui import rendering


class MemoEditor(ModalScreen[str | None]):
    """Dismissed with the memo to save, or None when cancelled (nothing saved)."""

    BINDINGS = [
        Binding("escape", "save", "Save memo and close", priority=True, id="memo.save"),
        Binding("ctrl+s", "save", "Save memo and close", show=False, priority=True, id="memo.save_alternate"),
        # In the text area ctrl+c would copy; here it is the coder's "stop": leave, saving nothing.
        Binding("ctrl+c", "cancel", "Close without saving", show=False, priority=True, id="memo.cancel"),
    ]

    def __init__(self, memo: str, title: str, draft: bool = False) -> None:
        """`draft`: `memo` is a draft kept when the terminal closed, not the turn's saved memo."""
        super().__init__()
        self._memo = memo
        self._title = title
        self._draft = draft

    def compose(self) -> ComposeResult:
        cancel = "ctrl+c: discard the draft" if self._draft else "ctrl+c: cancel"
        with Vertical(id="memo"):
            yield Label(rendering.literal(self._title, "bold"), id="memo-title")
            yield TextArea(self._memo, id="memo-text", soft_wrap=True, show_line_numbers=False)
            yield Label(
                rendering.literal(f"escape: save and close    {cancel}    (empty: no memo)", "$text-muted"),
                id="memo-keys",
            )

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

    def action_cancel(self) -> None:
        self.dismiss(None)
