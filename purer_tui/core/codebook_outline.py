"""Where a code or group sits in a nested codebook, said briefly: its trail of parents and its indent.

The app, the help screen, the code picker and the coding manual all show a nested codebook the same
way: a group's heading is its trail of group labels ("Coping › Breath"), shortened from the left
("… › Breath") when it does not fit; a code under codes is indented under them, by a step small enough
that the deepest code of the codebook still leaves its label room. A flat codebook shows as it always
did: one-part trails and no indent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from purer_tui.core.codebook import MAX_DEPTH, Code, Codebook

#: Between the parts of a trail.
SEPARATOR = " › "
#: Stands for the outer parts of a trail left out.
ELLIPSIS = "…"
#: Cells of indent per level of nesting, when the deepest code still leaves its label room.
INDENT_STEP = 2
#: Cells a label keeps however deep its code sits (when the line has them to give).
LABEL_ROOM = 8
#: Characters of a label shown where it names the place of what sits under it (a heading's trail, a code's
#: "under …"); a longer one ends in "…". A heading repeats the labels above it: cut, a codebook of long labels
#: nested deep costs each heading its depth times this, not its depth times its labels.
PLACE_LABEL = 80


def group_trail(codebook: Codebook, group_id: str) -> tuple[str, ...]:
    """The labels of a group and the groups above it, outermost first."""
    return tuple(group.label for group in codebook.group_path(group_id))


def place_labels(labels: Sequence[str]) -> tuple[str, ...]:
    """Labels as they name a place: each of at most `PLACE_LABEL` characters, a longer one cut with "…"."""
    return tuple(label if len(label) <= PLACE_LABEL else label[: PLACE_LABEL - 1] + ELLIPSIS for label in labels)


def heading_trail(codebook: Codebook, group_id: str) -> tuple[str, ...]:
    """A group's trail for its heading: the labels above it as they name a place (`place_labels`), then its own
    label whole."""
    trail = group_trail(codebook, group_id)
    return (*place_labels(trail[:-1]), *trail[-1:])


def code_ancestors(codebook: Codebook, code: Code) -> tuple[Code, ...]:
    """The codes a code sits under, outermost first (none for a code directly in its group)."""
    ancestors: list[Code] = []
    while code.parent and codebook.has_code(code.parent) and len(ancestors) <= MAX_DEPTH:
        code = codebook.code(code.parent)
        ancestors.append(code)
    return tuple(reversed(ancestors))


def code_trail(codebook: Codebook, code: Code) -> tuple[str, ...]:
    """Where a code sits: its group's trail, then the labels of the codes above it (not its own)."""
    return group_trail(codebook, code.group) + tuple(parent.label for parent in code_ancestors(codebook, code))


#: How far into a label, in times the width, `cut_to_width` looks for where it leaves the line: only
#: characters that take no cells (combining marks, say) could keep a longer start inside it.
LOOK_AHEAD = 8


def cut_to_width(text: str, width: int, measure: Callable[[str], int] = len) -> str:
    """`text` when it fits in `width`; else a start of it that is still wider, so that whoever cuts it
    with an ellipsis cuts it where they would have cut all of it.

    Only about `width` characters are measured, however long the text (a label can be megabytes and a
    line never shows more than its width). A text whose first `LOOK_AHEAD` times `width` characters
    still fit (they take no cells) is cut there and ends in "…".
    """
    width = max(width, 0)
    size = width + 1
    while size < len(text):
        start = text[:size]
        if measure(start) > width:
            return start
        if size >= LOOK_AHEAD * (width + 1):
            return start + ELLIPSIS
        size *= 2
    return text


def shorten_trail(
    parts: Sequence[str], width: int, measure: Callable[[str], int] = len, separator: str = SEPARATOR
) -> tuple[str, ...]:
    """The trail's last parts that fit in `width` with "…" standing for those left out, outermost first.

    The last part always stays, even when it is too wide (the caller cuts it, see `cut_to_width`), and
    keeps the "…" before it while that leaves it `LABEL_ROOM` cells; nothing is dropped from a trail
    that fits. `measure` gives a string's width (cells on a terminal), the sum of its characters' widths.

    Each part is measured once, and only as far as `width` (`cut_to_width`), so a trail costs
    about its depth times the width, whatever the length of its labels.
    """
    parts = tuple(parts)
    if len(parts) <= 1:
        return parts
    sizes = [measure(cut_to_width(part, width, measure)) for part in parts]
    gap = measure(separator)
    shown = sum(sizes) + gap * (len(parts) - 1)  # the width of parts[start:] joined
    if shown <= width:
        return parts
    lead = measure(ELLIPSIS) + gap
    for start in range(1, len(parts)):
        shown -= sizes[start - 1] + gap
        if lead + shown <= width:
            return (ELLIPSIS, *parts[start:])
    return (ELLIPSIS, parts[-1]) if width - lead >= LABEL_ROOM else (parts[-1],)


def indent_step(deepest: int, room: int) -> int:
    """Cells of indent per level for a list whose deepest code is `deepest` levels down and whose labels
    have `room` cells: two while the deepest label keeps `LABEL_ROOM`, else one (one step for every
    line, so levels line up)."""
    return INDENT_STEP if deepest * INDENT_STEP <= room - LABEL_ROOM else 1


def indent_cells(depth: int, step: int, room: int) -> int:
    """Cells of indent for a code `depth` levels down: `step` per level, capped so the label keeps
    `LABEL_ROOM` cells (or whatever the line has)."""
    return max(0, min(depth * step, room - LABEL_ROOM))
