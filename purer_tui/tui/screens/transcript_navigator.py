"""`ctrl+o`: the transcript navigator, every transcript of the session with this coder's progress in it.

The rows come from what the app already knows (the study index's last count,
and the session for the transcripts opened in this window): opening the
navigator reads no file, and a study of thousands of transcripts is one
`OptionList`, not one widget per transcript. Typing filters by file name;
enter answers with the chosen transcript, which the app opens at the coder's
place in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from purer_tui.core.safe_text import one_line
from purer_tui.core.session import Standing
from purer_tui.tui import rendering

#: The columns before the name: reviewed/total, flagged, conflicts, changed since coded.
_WIDTHS = (11, 7, 9, 7)
_HEADINGS = ("reviewed", "flagged", "conflicts", "changed")


@dataclass(frozen=True)
class NavigatorRow:
    """One transcript as the navigator lists it."""

    index: int  # in the session's list of transcripts
    name: str  # its file name, as found in the study (untrusted: shown literally)
    standing: Standing | None  # None: not known (yet, or the file cannot be read: see `unreadable`)
    unreadable: bool = False  # the last count could not read it (`purer-tui check` says why)
    here: bool = False  # the transcript open in this window
    elsewhere: bool = False  # another window codes it as this coder


def row_content(row: NavigatorRow) -> Content:
    """A row: the counts in fixed columns, then the name, all on one line."""
    standing = row.standing
    if standing is None:
        note = "cannot be read" if row.unreadable else "counting…"
        counts: list[Content | tuple[str, str] | str] = [(note.ljust(sum(_WIDTHS) + len(_WIDTHS)), "$text-muted")]
    else:
        done = standing.reviewed >= standing.total
        counts = [
            (f"{standing.reviewed}/{standing.total}".rjust(_WIDTHS[0]), "bold $success" if done else "bold"),
            " ",
            _count(standing.flagged, _WIDTHS[1], "bold $warning"),
            " ",
            _count(standing.conflicts, _WIDTHS[2], "bold $error"),
            " ",
            _count(standing.changed, _WIDTHS[3], "bold $warning"),
            " ",
        ]
    # A file name can hold any character but "/": shown on one line, its controls (and line breaks) visible.
    parts = [*counts, " ", Content.styled(one_line(row.name), "bold" if row.here else "")]
    if row.here:
        parts.append(("  (open here)", "$text-muted"))
    elif row.elsewhere:
        parts.append(("  (open in another window)", "$text-muted"))
    return Content.assemble(*parts)


def _count(number: int, width: int, style: str) -> tuple[str, str]:
    return (str(number).rjust(width), style if number else "$text-muted")


def heading() -> str:
    return " ".join(name.rjust(width) for name, width in zip(_HEADINGS, _WIDTHS, strict=True)) + "  transcript"


class TranscriptNavigator(ModalScreen[int | None]):
    """Type to filter by name; up/down/pageup/pagedown to move; enter opens; escape closes."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="navigator.close"),
        Binding("down", "move('cursor_down')", "Next", show=False, priority=True, id="navigator.next"),
        Binding("up", "move('cursor_up')", "Previous", show=False, priority=True, id="navigator.previous"),
        Binding("pagedown", "move('page_down')", "Page down", show=False, priority=True, id="navigator.page_down"),
        Binding("pageup", "move('page_up')", "Page up", show=False, priority=True, id="navigator.page_up"),
    ]

    def __init__(self, rows: Sequence[NavigatorRow], scope: str = "") -> None:
        """`scope`: a line saying what the counts are over, when that is not every turn."""
        super().__init__()
        self._scope = scope
        self._rows: list[NavigatorRow] = []
        self._options: list[Option] = []
        self._names: list[str] = []  # casefolded, for filtering
        self._set_rows(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="navigator"):
            yield Static(id="navigator-status", markup=False)
            yield Input(placeholder="type part of a transcript's name; enter opens it", id="navigator-filter")
            yield Static(heading(), id="navigator-heading", markup=False)
            yield OptionList(id="navigator-options")

    def on_mount(self) -> None:
        self.query_one("#navigator", Vertical).border_title = "Transcripts"
        self._fill(keep=next((row.index for row in self._rows if row.here), None))

    @property
    def shown(self) -> list[int]:
        """The transcripts listed now (after the filter), in order."""
        options = self.query_one(OptionList)
        return [int(options.get_option_at_index(at).id or 0) for at in range(options.option_count)]

    def update_rows(self, rows: Sequence[NavigatorRow]) -> None:
        """New counts arrived while the navigator is open: shown in place, the filter and highlight kept."""
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        keep = int(options.get_option_at_index(highlighted).id or 0) if highlighted is not None else None
        self._set_rows(rows)
        self._fill(keep)

    def _set_rows(self, rows: Sequence[NavigatorRow]) -> None:
        self._rows = list(rows)
        self._options = [Option(row_content(row), id=str(row.index)) for row in self._rows]
        self._names = [row.name.casefold() for row in self._rows]

    def _fill(self, keep: int | None = None) -> None:
        needle = self.query_one(Input).value.casefold()
        options = self.query_one(OptionList)
        chosen = [option for option, name in zip(self._options, self._names, strict=True) if needle in name]
        options.set_options(chosen)
        if chosen:
            ids = [option.id for option in chosen]
            options.highlighted = ids.index(str(keep)) if str(keep) in ids else 0
        self._show_status(len(chosen))

    def _show_status(self, shown: int) -> None:
        total = len(self._rows)
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
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def action_move(self, how: str) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            getattr(options, f"action_{how}")()

    def _choose(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        self.dismiss(int(options.get_option_at_index(options.highlighted).id or 0))
