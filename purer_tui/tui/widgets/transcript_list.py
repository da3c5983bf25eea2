"""The transcript navigator's list: one row per transcript, drawn with the Line API.

A study can hold thousands of transcripts: the list keeps plain rows and
draws only the lines on screen (`render_line`), so opening it and filtering
it cost the same for 20 transcripts or 5,000, and no widget is made per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual

from purer_tui.core.safe_text import one_line
from purer_tui.core.session import Standing

#: The columns before the name: reviewed/total, flagged, conflicts, changed since coded.
WIDTHS = (11, 7, 9, 7)
HEADINGS = ("reviewed", "flagged", "conflicts", "changed")


@dataclass(frozen=True)
class NavigatorRow:
    """One transcript as the navigator lists it."""

    index: int  # in the session's list of transcripts
    name: str  # its file name, as found in the study (untrusted: shown literally)
    standing: Standing | None  # None: not known (yet, or the file cannot be read: see `unreadable`)
    unreadable: bool = False  # the last count could not read it (`purer-tui check` says why)
    here: bool = False  # the transcript open in this window
    elsewhere: bool = False  # another window codes it as this coder


def heading() -> str:
    return " ".join(name.rjust(width) for name, width in zip(HEADINGS, WIDTHS, strict=True)) + "  transcript"


def row_content(row: NavigatorRow) -> Content:
    """A row: the counts in fixed columns, then the name, on one line."""
    standing = row.standing
    if standing is None:
        note = "cannot be read" if row.unreadable else "counting…"
        counts: list[Content | tuple[str, str] | str] = [(note.ljust(sum(WIDTHS) + len(WIDTHS)), "$text-muted")]
    else:
        done = standing.reviewed >= standing.total
        counts = [
            (f"{standing.reviewed}/{standing.total}".rjust(WIDTHS[0]), "bold $success" if done else "bold"),
            " ",
            _count(standing.flagged, WIDTHS[1], "bold $warning"),
            " ",
            _count(standing.conflicts, WIDTHS[2], "bold $error"),
            " ",
            _count(standing.changed, WIDTHS[3], "bold $warning"),
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


class TranscriptList(ScrollView, can_focus=False):
    """Rows of transcripts, a filter over them by name and a cursor; only the visible lines are drawn."""

    COMPONENT_CLASSES = {"transcript-list--cursor"}
    DEFAULT_CSS = """
    TranscriptList { height: 1fr; overflow-x: hidden; }
    TranscriptList > .transcript-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """

    class Chosen(Message):
        """A row was clicked: open that transcript."""

        def __init__(self, index: int):
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[NavigatorRow] = []
        self._names: list[str] = []  # casefolded, for filtering
        self._shown: list[int] = []  # positions in `_rows` that pass the filter, in order
        self._needle = ""
        self.cursor = 0  # position in `_shown`
        self._drawn: dict[tuple[int, bool, int], Strip] = {}  # (row, under the cursor, width): its line

    @property
    def shown(self) -> list[NavigatorRow]:
        return [self._rows[at] for at in self._shown]

    @property
    def chosen(self) -> NavigatorRow | None:
        return self._rows[self._shown[self.cursor]] if self._shown else None

    def set_rows(self, rows: Sequence[NavigatorRow], keep: int | None = None) -> None:
        """New rows (new counts): the filter stays, and the cursor on transcript `keep` when it is shown."""
        self._rows = list(rows)
        self._names = [row.name.casefold() for row in self._rows]
        self._drawn.clear()
        self.filter(self._needle, keep)

    def filter(self, text: str, keep: int | None = None) -> None:
        """Show the rows whose name contains `text` (ignoring case); the cursor on `keep`, else the first."""
        self._needle = text.casefold()
        self._shown = [at for at, name in enumerate(self._names) if self._needle in name]
        self.cursor = next((at for at, shown in enumerate(self._shown) if self._rows[shown].index == keep), 0)
        self.virtual_size = Size(self.size.width, len(self._shown))
        self._show_cursor()
        self.refresh()

    def move(self, delta: int) -> None:
        """The cursor `delta` rows on (a page is the list's height), stopping at either end."""
        if not self._shown:
            return
        self.cursor = max(0, min(len(self._shown) - 1, self.cursor + delta))
        self._show_cursor()
        self.refresh()

    @property
    def page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _show_cursor(self) -> None:
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True, force=True)

    def on_resize(self) -> None:
        self._drawn.clear()
        self.virtual_size = Size(self.size.width, len(self._shown))
        self._show_cursor()

    def render_line(self, y: int) -> Strip:
        line = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if not 0 <= line < len(self._shown):
            return Strip.blank(width, self.rich_style)
        at = self._shown[line]
        key = (at, line == self.cursor, width)
        strip = self._drawn.get(key)
        if strip is None:
            style = self.get_visual_style("transcript-list--cursor") if key[1] else self.visual_style
            content = row_content(self._rows[at])
            strip = Visual.to_strips(self, content, width, 1, style, pad=True)[0].crop_extend(0, width, None)
            if len(self._drawn) > 512:
                self._drawn.clear()
            self._drawn[key] = strip
        return strip

    def on_click(self, event: Click) -> None:
        line = round(self.scroll_offset.y) + event.y
        if 0 <= line < len(self._shown):
            self.cursor = line
            self.post_message(self.Chosen(self._rows[self._shown[line]].index))
