"""`space`: pick a code by typing a word of its label, id, definition or examples.

Codes whose label matches come first, then those whose id or place matches (its group, the groups
above it and the codes it sits under), then those whose definition, include, exclude or examples
mention the word (with the words around it shown, so the coder sees why it matched). One option
list, refilled on every keystroke: a codebook holds tens of codes, not thousands.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from purer_tui.core.codebook import Code, Codebook
from purer_tui.core.codebook_outline import SEPARATOR, code_trail, place_labels, shorten_trail
from purer_tui.tui import rendering

#: Characters of a definition (or example) shown around the word that matched.
AROUND_MATCH = 28
#: Cells of a nested code's place shown beside it; its outer groups give way first ("… › Breath").
PLACE_WIDTH = 36


def _fields(code: Code, place: str) -> Iterator[tuple[int, str, str]]:
    """A code's searchable text, each with its rank (lower comes first) and what to call it."""
    yield 0, "label", code.label
    yield 1, "id", code.id
    yield 1, "group", place
    yield 2, "definition", code.definition
    yield 2, "include", code.include
    yield 2, "exclude", code.exclude
    for example in code.examples:
        yield 2, "example", example


def code_match(code: Code, place: str, needle: str) -> tuple[int, str, str] | None:
    """How well `code` matches `needle` (already casefolded): its rank and the field and text that matched;
    None when nothing does. A label that starts with the needle ranks above one that only contains it."""
    if not needle:
        return 0, "", ""
    for rank, field, text in _fields(code, place):
        found = " ".join(text.split()).casefold().find(needle)
        if found < 0:
            continue
        if rank == 0:
            return (0 if found == 0 else 1), field, ""
        return rank + 1, field, " ".join(text.split())
    return None


def _around(text: str, needle: str) -> str:
    """The words of `text` around the first `needle`, for one line under the code."""
    found = text.casefold().find(needle)
    start = max(0, found - AROUND_MATCH)
    end = found + len(needle) + AROUND_MATCH
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


class CodePicker(ModalScreen[str | None]):
    """Type to filter, up/down to choose, enter to toggle the code, escape (or ctrl+c) to leave."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="picker.close"),
        Binding("ctrl+c", "dismiss(None)", "Close", show=False, priority=True, id="picker.cancel"),
        Binding("down", "move(1)", "Next", show=False, priority=True, id="picker.next"),
        Binding("up", "move(-1)", "Previous", show=False, priority=True, id="picker.previous"),
    ]

    def __init__(self, codebook: Codebook, applied: tuple[str, ...]) -> None:
        super().__init__()
        self.codebook = codebook
        self.applied = set(applied)
        # Each code's place (its group's trail, then the codes it sits under), worked out once, not per keystroke;
        # its labels cut as they name a place, so a deep tree of long labels is not repeated for every code.
        trails = {code.id: place_labels(code_trail(codebook, code)) for code in codebook.codes}
        self._where = {code_id: SEPARATOR.join(trail) for code_id, trail in trails.items()}  # matched in full
        self._places = {  # shown briefly
            code_id: SEPARATOR.join(shorten_trail(trail, PLACE_WIDTH, cell_len)) for code_id, trail in trails.items()
        }

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Input(placeholder="a word of a code's label, id or definition; enter toggles", id="picker-filter")
            yield OptionList(id="picker-options")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, text: str) -> None:
        needle = " ".join(text.split()).casefold()
        matches: list[tuple[int, int, Code, str, str]] = []
        for order, code in enumerate(self.codebook.codes):
            found = code_match(code, self._where[code.id], needle)
            if found is not None:
                matches.append((found[0], order, code, found[1], found[2]))
        matches.sort(key=lambda match: match[:2])
        options = self.query_one(OptionList)
        options.clear_options()
        for _, _, code, field, matched in matches:
            options.add_option(Option(self._prompt(code, field, matched, needle), id=code.id))
        if options.option_count:
            options.highlighted = 0
        else:
            options.add_option(
                Option(
                    Content.assemble(("no code matches ", "$text-muted"), rendering.literal(text, "bold")),
                    disabled=True,
                )
            )

    def _prompt(self, code: Code, field: str, matched: str, needle: str) -> Content:
        """One code: applied mark, key, colour, label and place (its group; for a nested code the groups and codes
        above it, the outer ones left out when long); a definition match adds the words it matched in."""
        mark = ("✓ ", "bold $success") if code.id in self.applied else ("  ", "")
        key = rendering.literal(f"{code.key} ", "bold $accent") if code.key else Content.styled("· ", "$text-muted")
        prompt = Content.assemble(
            mark,
            key,
            rendering.code_swatch(code),
            " ",
            rendering.literal(code.label, "bold"),
            ("  ", ""),
            rendering.literal(self._places[code.id], "$text-muted"),
        )
        if matched:
            prompt = Content.assemble(
                prompt,
                ("\n      ", ""),
                (f"{field}: ", "italic $text-muted"),
                rendering.literal(_around(matched, needle), "$text-muted"),
            )
        return prompt

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(event.option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count and options.highlighted is not None:
            options.highlighted = (options.highlighted + delta) % options.option_count

    def _choose(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if option.id is not None and not option.disabled:
            self.dismiss(option.id)
