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


def group_trail(codebook: Codebook, group_id: str) -> tuple[str, ...]:
    """The labels of a group and the groups above it, outermost first."""
    return tuple(group.label for group in codebook.group_path(group_id))


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


def shorten_trail(
    parts: Sequence[str], width: int, measure: Callable[[str], int] = len, separator: str = SEPARATOR
) -> tuple[str, ...]:
    """The trail's last parts that fit in `width` with "…" standing for those left out, outermost first.

    The last part always stays, even when it is too wide (the caller cuts it), and keeps the "…"
    before it while that leaves it `LABEL_ROOM` cells; nothing is dropped from a trail that fits.
    `measure` gives a string's width (cells on a terminal).
    """
    parts = tuple(parts)
    if len(parts) <= 1 or measure(separator.join(parts)) <= width:
        return parts
    for start in range(1, len(parts)):
        shown = (ELLIPSIS, *parts[start:])
        if measure(separator.join(shown)) <= width:
            return shown
    return (ELLIPSIS, parts[-1]) if width - measure(ELLIPSIS + separator) >= LABEL_ROOM else (parts[-1],)


def indent_step(deepest: int, room: int) -> int:
    """Cells of indent per level for a list whose deepest code is `deepest` levels down and whose labels
    have `room` cells: two while the deepest label keeps `LABEL_ROOM`, else one (one step for every
    line, so levels line up)."""
    return INDENT_STEP if deepest * INDENT_STEP <= room - LABEL_ROOM else 1


def indent_cells(depth: int, step: int, room: int) -> int:
    """Cells of indent for a code `depth` levels down: `step` per level, capped so the label keeps
    `LABEL_ROOM` cells (or whatever the line has)."""
    return max(0, min(depth * step, room - LABEL_ROOM))
