"""`space`: pick a code by typing part of its name, for codes without a key (or coders who prefer names)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from purer_tui.core.codebook import Codebook
from purer_tui.tui import rendering


class CodePicker(ModalScreen[str | None]):
    """Type to filter, up/down to choose, enter to toggle the code, escape to leave."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="picker.close"),
        Binding("down", "move(1)", "Next", show=False, priority=True, id="picker.next"),
        Binding("up", "move(-1)", "Previous", show=False, priority=True, id="picker.previous"),
    ]

    def __init__(self, codebook: Codebook, applied: tuple[str, ...]) -> None:
        super().__init__()
        self.codebook = codebook
        self.applied = set(applied)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Input(placeholder="type to filter codes; enter toggles", id="picker-filter")
            yield OptionList(id="picker-options")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, text: str) -> None:
        needle = text.casefold()
        options = self.query_one(OptionList)
        options.clear_options()
        for code in self.codebook.codes:
            group = self.codebook.group(code.group).label
            haystack = f"{code.id} {code.label} {group}".casefold()
            if needle and needle not in haystack:
                continue
            mark = ("✓ ", "bold $success") if code.id in self.applied else ("  ", "")
            prompt = Content.assemble(
                mark,
                rendering.code_swatch(code),
                " ",
                rendering.literal(code.label, "bold"),
                ("  ", ""),
                rendering.literal(group, "$text-muted"),
            )
            options.add_option(Option(prompt, id=code.id))
        if options.option_count:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + delta) % options.option_count

    def _choose(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        self.dismiss(options.get_option_at_index(options.highlighted).id)
