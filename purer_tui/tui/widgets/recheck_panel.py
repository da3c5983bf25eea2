"""Rechecking: the definition a turn was coded under beside the definition it is checked against.

Shown only in `purer-tui code --recheck`, above the turn's codes: on the
left what the coder applied the code by when they coded the turn (or the
split code's definition), on the right what applies now (or the codes it was
split into, with their keys). Fields that did not change are left out, so a
change in the examples is not lost among unchanged paragraphs.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.codebook import Codebook
from purer_tui.core.recheck_items import CodeText, RecheckItem
from purer_tui.core.recheck_queue import RecheckQueue
from purer_tui.tui import rendering

#: Characters of one field shown: the panel is a few lines; the codebook panel and `?` show it whole.
SHOWN_CHARACTERS = 400


class RecheckPanel(Horizontal):
    DEFAULT_CSS = """
    RecheckPanel { height: auto; max-height: 40%; background: $boost; border-top: solid $panel-lighten-2; }
    RecheckPanel > Static { width: 1fr; height: auto; padding: 0 1; }
    RecheckPanel > #recheck-before { border-right: vkey $panel-lighten-2; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="recheck-before")
        yield Static(id="recheck-now")

    def show(self, queue: RecheckQueue, path: Path, turn: int | None, record: AnnotationRecord | None) -> None:
        before, now = self.query_one("#recheck-before", Static), self.query_one("#recheck-now", Static)
        if turn is None:
            before.update("")
            now.update("")
            return
        items = queue.items(path, turn)
        waiting = queue.waiting(path, turn, record)
        if not waiting:
            done = Content.styled("Confirmed: this turn is current. j/k or n for the others.", "$text-success")
            before.update(done if items else "")
            now.update("")
            return
        item = waiting[0]
        left, right = split_sides(queue.codebook, item) if item.change is None else change_sides(queue.codebook, item)
        if len(waiting) > 1:  # said first: the panel may be too short to show its end
            left = (
                Content.styled(f"1 of {len(waiting)} codes to recheck on this turn; enter: the next\n", "bold") + left
            )
        before.update(left)
        now.update(right)


def change_sides(codebook: Codebook, item: RecheckItem) -> tuple[Content, Content]:
    """The definition the turn was coded under, and the one it is checked against: only what changed."""
    change = item.change
    assert change is not None
    code = codebook.code(item.code)
    current = CodeText(code.label, code.definition, code.include, code.exclude, tuple(code.examples))
    old = item.coded_under or change.old  # what the coder saw when coding, when history told it
    if item.coded_as and item.coded_as != item.code:  # it came into this code by a rename or merge
        label = item.coded_under.label if item.coded_under else item.coded_as
        heading_old = Content.assemble(
            ("Coded as ", "bold $text-warning"),
            rendering.literal(label, "bold $text-warning"),
            (" (now ", "$text-muted"),
            rendering.literal(code.label, "$text-muted"),  # a label from the codebook is untrusted
            (f"; before {change.date})", "$text-muted"),
            "\n",
        )
    else:
        heading_old = Content.assemble(
            rendering.literal(code.label, "bold"),  # which code: a turn may have two to recheck
            (" coded under", "bold $text-warning"),
            (f" (before {change.date})", "$text-muted"),
            "\n",
        )
    heading_new = Content.assemble(
        ("Now", "bold $text-success"),
        (f" (changed {change.date}, {change.commit[:7]})", "$text-muted"),
        "\n",
    )
    if old is None:
        return heading_old + Content.styled("no earlier definition of this code", "$text-muted"), heading_new + _text(
            current, None
        )
    return heading_old + _text(old, current), heading_new + _text(current, old)


def split_sides(codebook: Codebook, item: RecheckItem) -> tuple[Content, Content]:
    """A split code's definition, and the codes it was split into with their keys."""
    code = codebook.code(item.code)
    left = Content.assemble(
        ("Split: ", "bold $text-warning"), rendering.literal(code.label, "bold"), "\n", _shown(code.definition)
    )
    parts: list[Content | tuple[str, str] | str] = [("Apply instead, then enter", "bold $text-success")]
    for target in code.split_into:
        if not codebook.has_code(target):
            continue
        other = codebook.code(target)
        key = f" [{other.key}]" if other.key else ""
        parts += ["\n", rendering.literal(other.label, "bold"), (key, "$text-accent"), ": ", _shown(other.definition)]
    return left, Content.assemble(*parts)


def _text(text: CodeText, other: CodeText | None) -> Content:
    """The fields that differ from `other` first (every field without one), then a word for the unchanged
    definition: the panel is a few lines, and what changed is what the coder must see."""
    fields = (
        ("Definition", text.definition, other.definition if other else None),
        ("Include", text.include, other.include if other else None),
        ("Exclude", text.exclude, other.exclude if other else None),
        ("Examples", "; ".join(text.examples), "; ".join(other.examples) if other else None),
    )
    parts: list[Content] = [
        Content.assemble(Content.styled(f"{name}: ", "bold"), _shown(value or "(none)"))
        for name, value, theirs in fields
        if (value if theirs is None else _flat(value) != _flat(theirs))
    ]
    if other is not None and _flat(text.definition) == _flat(other.definition):
        parts.append(Content.styled("Definition unchanged (tab shows the code in full)", "$text-muted italic"))
    return Content("\n").join(parts)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _shown(text: str) -> Content:
    flat = _flat(text)
    if len(flat) > SHOWN_CHARACTERS:
        flat = flat[: SHOWN_CHARACTERS - 1] + "…"
    return rendering.literal(flat)
