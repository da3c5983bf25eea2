"""The codebook beside the turn: every code's key and label, one line each, and the highlighted code's definition.

The list of codes is one Line API widget built once per codebook: a key only
changes which codes are marked and where the cursor is, and only the lines on
screen are drawn again. A label too long for its line ends in an ellipsis (the
definition area shows it whole), so a line never wraps and applying a code
never moves another code's line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.events import DescendantBlur, DescendantFocus
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual
from textual.widgets import Static

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.codebook import Code, Codebook, CodeGroup
from purer_tui.core.codebook_outline import (
    SEPARATOR,
    code_ancestors,
    cut_to_width,
    heading_trail,
    indent_cells,
    indent_step,
    place_labels,
    shorten_trail,
)
from purer_tui.tui import rendering

#: Columns before a code's label: its key (" p "), a space, its swatch and a space.
LABEL_COLUMN = 6
#: Columns kept after a label for the mark of an applied code, so the mark never leaves the code's line.
MARK = " ✓"
#: Terminal widths from which the definition area is always shown, beside the codes.
WIDE = 120


@dataclass(frozen=True)
class Row:
    """One line of the list: a group's heading, a code, or the blank line between groups.

    A heading carries its group's trail (the labels of the groups above it, then its own); a code,
    how many codes it sits under.
    """

    group: CodeGroup | None = None
    code: Code | None = None
    depth: int = 0
    trail: tuple[str, ...] = ()


def codebook_rows(codebook: Codebook) -> list[Row]:
    """The list's rows, built once per codebook: each group with codes under its heading; a blank line
    between top-level groups (a nested group follows its parent's codes directly)."""
    rows: list[Row] = []
    outermost = None
    for group in codebook.groups:
        codes = codebook.codes_in(group.id)
        if not codes:
            continue
        path = codebook.group_path(group.id)
        if rows and path[0].id != outermost:
            rows.append(Row())
        outermost = path[0].id
        rows.append(Row(group=group, trail=tuple(part.label for part in path)))
        rows += [Row(group=group, code=code, depth=codebook.code_depth(code.id)) for code in codes]
    return rows


def heading_content(trail: tuple[str, ...], width: int, style: str) -> Content:
    """A group's heading in `width` cells: its own label in `style`, after the labels of the groups above
    it (muted), the outer ones left out ("… › ") when the whole trail does not fit. Each label is cut to
    the width first (no more of it could show), so a long trail of long labels costs its depth times the width."""
    cut = tuple(cut_to_width(part, width, rendering.shown_cells) for part in trail)
    shown = shorten_trail(cut, width, rendering.shown_cells)
    *above, own = shown or ("",)
    if not above:
        return rendering.literal(own, style).truncate(max(1, width), ellipsis=True)
    muted = "$text-muted" if "dim" not in style else "$text-muted dim"
    parts: list[Content | tuple[str, str]] = []
    for part in above:
        parts += [rendering.literal(part, muted), (SEPARATOR, muted)]
    return Content.assemble(*parts, rendering.literal(own, style)).truncate(max(1, width), ellipsis=True)


class CodeList(ScrollView, can_focus=False):
    """The codes by group, one line each; with focus, a cursor moves between codes and enter toggles one.

    It takes focus only when asked (`take_focus`), never by Textual's focus on opening or a click:
    the turn is where keys go until the coder turns to the codebook.

    Its keys carry the ids of the app keys that mean the same thing for turns, so a study's keymap
    moves both: the keys that go to the next turn go to the next code here.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "Next code", id="turn.next"),
        Binding("k,up", "move(-1)", "Previous code", show=False, id="turn.previous"),
        Binding("pagedown", "move(8)", "Codes down", show=False, id="turn.page_down"),
        Binding("pageup", "move(-8)", "Codes up", show=False, id="turn.page_up"),
        Binding("g,home", "move(-1_000_000)", "First code", show=False, id="turn.first"),
        Binding("G,end", "move(1_000_000)", "Last code", show=False, id="turn.last"),
        Binding("enter", "toggle_code", "Toggle", id="turn.review"),
        Binding("escape", "leave", "Back to the turn", show=False, id="codebook.leave"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"code-list--cursor"}
    DEFAULT_CSS = """
    CodeList {
        height: 1fr; scrollbar-size-vertical: 1; background: transparent; text-wrap: nowrap; text-overflow: ellipsis;
    }
    CodeList > .code-list--cursor { background: $block-cursor-blurred-background; }
    CodeList:focus > .code-list--cursor {
        color: $block-cursor-foreground;
        background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    """

    class Highlighted(Message):
        """The cursor is on another code: its definition is the one to show."""

        def __init__(self, code: Code) -> None:
            super().__init__()
            self.code = code

    class Toggled(Message):
        """Enter on a code: toggle it on the current turn."""

        def __init__(self, code_id: str) -> None:
            super().__init__()
            self.code_id = code_id

    class Left(Message):
        """Escape: the coder is done with the codebook."""

    def __init__(self, codebook: Codebook, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.codebook = codebook
        self.rows = codebook_rows(codebook)
        self._code_rows = [y for y, row in enumerate(self.rows) if row.code is not None]
        self._heading_row = self._headings(self.rows)
        self._deepest = max((row.depth for row in self.rows), default=0)  # sets the indent step for every line
        self._index_of_code = {code.id: index for index, code in enumerate(self._codes())}
        self._first_for_role: dict[str | None, int] = {}  # the first code for a role's turns, found once per role
        self.cursor = 0  # index into the codes (not the rows)
        self.applied: frozenset[str] = frozenset()
        self.suggested: frozenset[str] = frozenset()
        self.role: str | None = None
        self.show_cursor = True  # off while the definition area is hidden and the list has no focus

    def _codes(self) -> list[Code]:
        return [code for y in self._code_rows if (code := self.rows[y].code) is not None]

    def on_mount(self) -> None:
        self.virtual_size = Size(0, len(self.rows))

    # --- what is shown --------------------------------------------------------

    @property
    def highlighted(self) -> Code | None:
        if not self._code_rows:
            return None
        return self.rows[self._code_rows[self.cursor]].code

    def show(self, applied: Iterable[str], role: str | None, suggested: Iterable[str] = ()) -> None:
        """Mark the turn's codes, and those suggested for it; dim the groups whose codes are not for this
        speaker's role."""
        self.applied = frozenset(applied)
        self.suggested = frozenset(suggested)
        self.role = role
        self.refresh()

    def highlight(self, code_id: str) -> None:
        """Put the cursor on a code (one just applied by its key, or one of the turn's) and scroll to it."""
        index = self._index_of_code.get(code_id)
        if index is not None:
            self._set_cursor(index)

    def follow(self) -> None:
        """A new turn: the cursor goes to its first code, or else to the first code for its speaker's role."""
        applied = [self._index_of_code[code_id] for code_id in self.applied if code_id in self._index_of_code]
        if applied:
            self._set_cursor(min(applied))
            return
        current = self.highlighted
        if current is None or self.codebook.group(current.group).applies_to(self.role):
            return
        if self.role not in self._first_for_role:
            fitting = (
                i for i, code in enumerate(self._codes()) if self.codebook.group(code.group).applies_to(self.role)
            )
            self._first_for_role[self.role] = next(fitting, self.cursor)
        self._set_cursor(self._first_for_role[self.role])

    def _set_cursor(self, index: int) -> None:
        if not self._code_rows:
            return
        index = max(0, min(index, len(self._code_rows) - 1))
        changed = index != self.cursor
        self.cursor = index
        self.scroll_to_cursor()
        self.refresh()
        code = self.highlighted
        if changed and code is not None:
            self.post_message(self.Highlighted(code))

    @staticmethod
    def _headings(rows: list[Row]) -> list[int]:
        """For each row, the row of the heading it sits under (itself for a heading or a blank)."""
        found, heading = [], 0
        for y, row in enumerate(rows):
            if row.code is None:
                heading = y
            found.append(heading)
        return found

    def scroll_to_cursor(self) -> None:
        """Scroll just enough to see the cursor's code with its group's heading (and so the codes it sits
        under) when they fit, else the code (moving through a long group scrolls a line at a time)."""
        if not self._code_rows:
            return
        y = self._code_rows[self.cursor]
        top = self._heading_row[y]
        if y - top + 1 > max(1, self.scrollable_content_region.height):
            top = y
        self.scroll_to_region(Region(0, top, 1, y - top + 1), animate=False, force=True, x_axis=False)

    def line_content(self, y: int, width: int) -> Content:
        """Row `y` as one line of at most `width` cells: the label is cut with an ellipsis, never wrapped."""
        row = self.rows[y]
        if row.group is None:
            return Content("")
        applies = row.group.applies_to(self.role)
        if row.code is None:
            marker = "  one of" if row.group.exclusive else ""
            style = "bold underline" if applies else "underline dim"
            if applies and row.group.color:
                style += f" {row.group.color}"  # the group's colour tints its heading
            heading = heading_content(row.trail, max(1, width - len(marker)), style)
            return Content.assemble(heading, (marker, "$text-muted italic"))
        code = row.code
        on = code.id in self.applied
        key = f" {code.key} " if code.key else " · "
        room = max(1, width - LABEL_COLUMN - len(MARK))
        indent = " " * indent_cells(row.depth, indent_step(self._deepest, room), room) if row.depth else ""
        room -= len(indent)
        if code.id in self.suggested and not on:  # suggested: marked before the code, in the warning colour
            return Content.assemble(
                (key, "bold reverse $warning"),
                (rendering.SUGGESTED_MARK, "bold $warning"),
                indent,
                rendering.code_swatch(code),
                " ",
                rendering.fitted(code.label, room, "italic $warning"),
            )
        if (not applies or code.split_into) and not on:  # a split code is applied no more: shown as out of reach
            return Content.assemble(
                (key, "dim"),
                " ",
                indent,
                ("■", "dim"),
                " ",
                rendering.fitted(code.label, room, "dim"),
            )
        return Content.assemble(
            (key, "bold reverse" if on else "bold $accent"),
            " ",
            indent,
            rendering.code_swatch(code),
            " ",
            rendering.fitted(code.label, room, "bold" if on else ""),
            (MARK, "bold $success") if on else "",
        )

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if index >= len(self.rows):
            return Strip.blank(width, self.visual_style.rich_style)
        on_cursor = (
            bool(self._code_rows) and index == self._code_rows[self.cursor] and (self.show_cursor or self.has_focus)
        )
        style = self.get_visual_style("code-list--cursor") if on_cursor else self.visual_style
        strips = Visual.to_strips(self, self.line_content(index, width), width, 1, style, pad=True)
        return strips[0] if strips else Strip.blank(width, style.rich_style)

    # --- keys -----------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self._set_cursor(self.cursor + step)

    def action_toggle_code(self) -> None:
        code = self.highlighted
        if code is not None:
            self.post_message(self.Toggled(code.id))

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def on_resize(self) -> None:
        self.scroll_to_cursor()  # the list just grew or shrank (its definitions opened or closed)

    def take_focus(self) -> None:
        self.can_focus = True
        self.focus()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.can_focus = False
        self.refresh()


def definition_content(codebook: Codebook, code: Code) -> Content:
    """One code in full: its label, key and group (with the groups and codes above it when nested),
    definition, what to include and exclude, and examples."""
    group = codebook.group(code.group)
    lines: list[Content] = [
        Content.assemble(rendering.code_swatch(code), " ", rendering.literal(code.label, "bold")),
        Content.assemble(
            (f"key {code.key}" if code.key else "no key: space picks it", "bold $accent"),
            ("  ·  ", "$text-muted"),
            rendering.literal(SEPARATOR.join(heading_trail(codebook, group.id)), "$text-muted"),
            (" (one of)" if group.exclusive else "", "$text-muted italic"),
        ),
    ]
    if code.parent:
        above = SEPARATOR.join(place_labels([parent.label for parent in code_ancestors(codebook, code)]))
        lines.append(rendering.literal(f"under {above}", "$text-muted"))
    if group.roles:
        lines.append(rendering.literal(f"for {', '.join(group.roles)} turns", "$text-muted italic"))
    if code.split_into:
        into = ", ".join(codebook.code(c).label for c in code.split_into if codebook.has_code(c))
        lines.append(rendering.literal(f"split into {into}: applied no more", "bold $text-warning"))
    lines.append(Content(""))
    lines.append(rendering.literal(" ".join(code.definition.split())))
    for title, text in (("Include", code.include), ("Exclude", code.exclude)):
        if text:
            lines += [Content(""), Content.assemble((f"{title}: ", "bold"), rendering.literal(" ".join(text.split())))]
    for example in code.examples:
        lines += [Content(""), Content.assemble(("e.g. ", "italic"), rendering.literal(f"“{example}”", "$text-muted"))]
    return Content("\n").join(lines)


class CodebookPanel(Vertical):
    """The codes and the highlighted code's definition.

    On a wide terminal the definition sits beside the codes and is always there. On a narrower one it
    opens below the codes while they have focus (tab), in the codebook's own column, never over the turn;
    otherwise one line says how to open it.
    """

    DEFAULT_CSS = """
    CodebookPanel #definition { display: none; height: 1fr; scrollbar-size-vertical: 1; }
    CodebookPanel #definition-text { height: auto; }
    CodebookPanel #codebook-hint { height: 1; text-wrap: nowrap; text-overflow: ellipsis; color: $text-muted; }
    CodebookPanel.-defining #definition { display: block; border-top: dashed $panel-lighten-2; }
    CodebookPanel.-defining #codebook-hint { display: none; }
    CodebookPanel.-defining CodeList { height: 45%; }
    CodebookPanel.-wide { layout: horizontal; }
    CodebookPanel.-wide CodeList { height: 1fr; }
    CodebookPanel.-wide #definition {
        display: block; width: 1fr; height: 1fr; padding: 0 0 0 1; border-left: vkey $panel-lighten-2;
    }
    CodebookPanel.-wide #codebook-hint { display: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # While the codes have focus, the keys that scroll a long turn scroll a long definition.
        Binding("ctrl+d", "scroll_definition(0.5)", "Scroll the definition down", show=False, id="turn.scroll_down"),
        Binding("ctrl+u", "scroll_definition(-0.5)", "Scroll the definition up", show=False, id="turn.scroll_up"),
    ]

    def __init__(self, codebook: Codebook, *, focus_key: str = "tab", id: str | None = None) -> None:
        super().__init__(id=id)
        self.codebook = codebook
        self.codes = CodeList(codebook, id="codes")
        self._definition = Static(id="definition-text", markup=False)
        self._hint = Static(
            Content.assemble((focus_key, "bold"), ": definitions"),
            id="codebook-hint",
            markup=False,
        )
        self._defined: str | None = None  # the code whose definition is shown
        self._where: object = None  # the turn last shown, to follow a new turn's codes

    def compose(self) -> ComposeResult:
        yield self.codes
        with VerticalScroll(id="definition", can_focus=False):
            yield self._definition
        yield self._hint

    def on_mount(self) -> None:
        code = self.codes.highlighted
        if code is not None:
            self._define(code)

    # --- sizes ----------------------------------------------------------------

    def fit(self, terminal_width: int) -> None:
        """Widths for this terminal: the turn keeps a readable width; wider terminals give the extra to definitions.

        Below 80 columns the codes narrow (their keys stay, labels are cut); from 120 columns the
        definition area opens beside the codes and takes the extra width, up to a comfortable measure.
        """
        wide = terminal_width >= WIDE
        self.set_class(wide, "-wide")
        if wide:
            codes = 40 if terminal_width >= 160 else 34
            self.codes.styles.width = codes
            self.styles.width = codes + min(terminal_width - 80, 60)
        else:
            self.codes.styles.width = "1fr"
            if terminal_width < 80:
                self.styles.width = max(22, terminal_width * 2 // 5)
            else:
                self.styles.width = min(34 + (terminal_width - 80) // 2, 46)
        self._update_cursor_visibility()

    def _update_cursor_visibility(self) -> None:
        self.codes.show_cursor = self.has_class("-wide") or self.has_class("-defining")
        self.codes.refresh()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        self.add_class("-defining")
        self._update_cursor_visibility()
        self.call_after_refresh(self.codes.scroll_to_cursor)

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        self.remove_class("-defining")
        self._update_cursor_visibility()

    # --- what is shown --------------------------------------------------------

    def show(
        self,
        record: AnnotationRecord | None,
        role: str | None = None,
        where: object = None,
        suggested: Iterable[str] = (),
    ) -> None:
        """Mark the turn's codes and the codes suggested for it; dim the groups not for this speaker's role; on a
        new turn, follow its codes."""
        self.codes.show(record.codes if record else (), role, suggested)
        if where != self._where:
            self._where = where
            self.codes.follow()

    def highlight(self, code_id: str) -> None:
        self.codes.highlight(code_id)

    def action_scroll_definition(self, pages: float) -> None:
        definition = self.query_one("#definition", VerticalScroll)
        step = max(1, int(definition.size.height * abs(pages)))
        definition.scroll_relative(y=step if pages > 0 else -step, animate=False)

    def on_code_list_highlighted(self, message: CodeList.Highlighted) -> None:
        message.stop()
        self._define(message.code)

    def _define(self, code: Code) -> None:
        if code.id == self._defined:
            return
        self._defined = code.id
        self._definition.update(definition_content(self.codebook, code))
        self.query_one("#definition", VerticalScroll).scroll_home(animate=False)
