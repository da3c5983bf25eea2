"""A one-line question at the bottom of the screen: the search term after `/` (and where to look), the turn
number after `:`."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from purer_tui.core.session import SearchScope


class Prompt(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="prompt.cancel"),
        # ctrl+c leaves the question (in the input it would copy); a second ctrl+c quits the app.
        Binding("ctrl+c", "dismiss(None)", "Cancel", show=False, priority=True, id="prompt.cancel_alternate"),
    ]

    def __init__(self, label: str, placeholder: str = "", numbers_only: bool = False) -> None:
        super().__init__()
        self._label = label
        self._placeholder = placeholder
        self._numbers_only = numbers_only

    def compose(self) -> ComposeResult:
        with Horizontal(id="prompt"):
            yield Label(self._label, id="prompt-label", markup=False)
            yield Input(
                placeholder=self._placeholder, id="prompt-input", type="integer" if self._numbers_only else "text"
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)


SCOPE_LABELS: dict[SearchScope, str] = {
    "transcript": "/ this transcript (tab: whole study)",
    "study": "/ whole study (tab: this transcript)",
}


class SearchPrompt(Prompt):
    """The search term, and where to look: `tab` switches between this transcript and the whole study.

    It answers with the term (None: escape); the scope chosen is `scope` when it answers.
    """

    BINDINGS = [
        Binding("tab", "switch_scope", "This transcript / whole study", id="search.scope", priority=True),
    ]

    def __init__(self, scope: SearchScope = "transcript") -> None:
        super().__init__(SCOPE_LABELS[scope], "turn text to find (any case)")
        self.scope: SearchScope = scope

    def action_switch_scope(self) -> None:
        self.scope = "study" if self.scope == "transcript" else "transcript"
        self.query_one("#prompt-label", Label).update(SCOPE_LABELS[self.scope])
