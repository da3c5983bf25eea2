"""The codebook beside the turn: every code's key and label, by group, the current turn's codes marked."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.codebook import Codebook
from purer_tui.tui import rendering


class CodebookPanel(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    CodebookPanel > Static { height: auto; }
    """

    def __init__(self, codebook: Codebook, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.codebook = codebook
        self._text = Static(markup=False)

    def compose(self) -> ComposeResult:
        yield self._text

    def show(self, record: AnnotationRecord | None, role: str | None = None) -> None:
        """Mark the turn's codes; dim the groups whose codes are not for this speaker's role."""
        applied = set(record.codes) if record else set()
        lines: list[Content] = []
        for group in self.codebook.groups:
            codes = self.codebook.codes_in(group.id)
            if not codes:
                continue
            if lines:
                lines.append(Content(""))
            marker = ("  one of", "$text-muted italic") if group.exclusive else ("", "")
            applies = group.applies_to(role)
            heading_style = "bold underline" if applies else "underline dim"
            lines.append(Content.assemble(rendering.literal(group.label, heading_style), marker))
            for code in codes:
                on = code.id in applied
                if not applies and not on:
                    key = f" {code.key} " if code.key else " · "
                    lines.append(
                        Content.assemble((key, "dim"), " ", ("■", "dim"), " ", rendering.literal(code.label, "dim"))
                    )
                    continue
                key = f" {code.key} " if code.key else " · "
                lines.append(
                    Content.assemble(
                        (key, "bold reverse" if on else "bold $accent"),
                        " ",
                        rendering.code_swatch(code),
                        " ",
                        rendering.literal(code.label, "bold" if on else ""),
                        (" ✓", "bold $success") if on else "",
                    )
                )
        self._text.update(Content("\n").join(lines))
