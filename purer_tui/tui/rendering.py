"""Turning transcripts, codes and memos into Textual `Content`, always as literal text.

Everything shown here comes from files people wrote: it is passed through
`visible_controls` (so escape sequences cannot reach the terminal) and into
`Content` as plain text with styles attached, never parsed as markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rich.cells import cell_len
from textual.content import Content

from purer_tui.core.annotation_records import AnnotationRecord, TurnVersion, describe_version
from purer_tui.core.codebook import Code, Codebook
from purer_tui.core.codebook_outline import cut_to_width
from purer_tui.core.safe_text import visible_controls
from purer_tui.core.transcript import Turn, format_clock

# Until the study file can name speaker roles, names like these mark the staff side.
_STAFF = re.compile(
    r"therapist|facilitator|interviewer|clinician|moderator|counsel|instructor|staff|^dr\b|^t\d*$", re.IGNORECASE
)


#: Marks a flagged turn, in the turn's heading and in the progress counts.
FLAG_MARK = "⚑"
#: Marks a code suggested for the turn (queued by autocode --as-suggestions), before the code in the codebook, and
#: the count of turns waiting with suggestions in the top bar.
SUGGESTED_MARK = "?"


def literal(text: str, style: str = "") -> Content:
    return Content.styled(visible_controls(text), style)


def shown_cells(text: str) -> int:
    """The cells `text` takes on screen, its control characters made visible (as `literal` shows them)."""
    return cell_len(visible_controls(text))


def fitted(text: str, width: int, style: str = "") -> Content:
    """`text` in at most `width` cells, cut with an ellipsis; only about `width` characters of it are
    looked at, so a label of megabytes costs a line what a short one does."""
    width = max(1, width)
    return literal(cut_to_width(text, width, shown_cells), style).truncate(width, ellipsis=True)


def is_staff(speaker: str) -> bool:
    return bool(_STAFF.search(speaker))


RoleOf = Callable[[str], "str | None"] | None


def speaker_style(speaker: str, role_of: RoleOf = None) -> str:
    """Staff and participants look different: therapists in one colour, participants in another.

    The study's [roles] decide when it declares them; otherwise names like "Therapist" mark staff.
    """
    if not speaker:
        return "italic $text-muted"
    role = role_of(speaker) if role_of else None
    staff = role != "participant" if role is not None else is_staff(speaker)
    return "bold $text-primary" if staff else "bold $text-accent"


def speaker_name(speaker: str) -> str:
    return speaker or "(no speaker)"


#: Characters of a turn shown at once: a key must never wait for megabytes of one turn to be laid out.
SHOWN_CHARACTERS = 20_000
#: Characters of a context turn looked at: it is one line, cut by the widget anyway.
CONTEXT_CHARACTERS = 400


def context_line(
    turn: Turn, role_of: RoleOf = None, record: AnnotationRecord | None = None, codebook: Codebook | None = None
) -> Content:
    """One dim line for a turn before or after the current one, with this coder's codes for it when a
    `record` is given (the widget cuts the line with an ellipsis)."""
    first_line = " ".join(turn.text[:CONTEXT_CHARACTERS].split())
    return Content.assemble(
        (f"{turn.number:>4} ", "$text-muted"),
        literal(speaker_name(turn.speaker), speaker_style(turn.speaker, role_of) + " dim"),
        context_codes(record, codebook),
        ("  ", ""),
        literal(first_line, "$text-muted"),
    )


def context_codes(record: AnnotationRecord | None, codebook: Codebook | None) -> Content:
    """A context turn's codes, short: each code's swatch and label; "no code" for a turn reviewed without one."""
    if record is None or codebook is None or not (record.reviewed or record.codes or record.flag):
        return Content("")
    parts: list[Content | str | tuple[str, str]] = []
    for code_id in record.codes:
        parts.append("  " if parts else " ")
        if codebook.has_code(code_id):
            code = codebook.code(code_id)
            parts += [code_swatch(code), " ", literal(code.label, "italic")]
        else:
            parts.append(literal(code_id, "italic $error"))
    if record.reviewed and not record.codes:
        parts.append((" no code", "italic $text-muted"))
    if record.flag:
        parts.append((f" {FLAG_MARK}", "bold $warning"))
    return Content.assemble(*parts)


#: Marks a turn whose text changed since it was coded (its codes were made on an earlier version).
CHANGED_MARK = "≠"


def turn_heading(
    turn: Turn, total_turns: int, record: AnnotationRecord | None, role_of: RoleOf = None, stale: bool = False
) -> Content:
    """The turn's state mark, number, speaker, flag and time. A turn coded on an earlier version of its text
    (`stale`) is not shown as done: its codes may no longer fit it."""
    reviewed = record is not None and record.reviewed
    if stale:
        mark = (f"{CHANGED_MARK} ", "bold $warning")
    else:
        mark = ("✓ ", "bold $success") if reviewed else ("○ ", "bold $warning")
    parts: list[Content | tuple[str, str] | str] = [
        mark,
        (f"Turn {turn.number}/{total_turns}", "bold"),
        "  ",
        literal(speaker_name(turn.speaker), speaker_style(turn.speaker, role_of)),
    ]
    if stale:
        parts += ["  ", (f"{CHANGED_MARK} changed since coded", "bold $warning")]
    if record is not None and record.flag:
        parts += ["  ", (f"{FLAG_MARK} flagged", "bold $warning")]
    if turn.start is not None:
        parts += ["  ", (format_clock(turn.start), "$text-muted")]
    return Content.assemble(*parts)


def turn_body(turn: Turn, search_term: str | None) -> Content:
    text = turn.text or "(empty turn)"
    if len(text) > SHOWN_CHARACTERS:
        hidden = len(text) - SHOWN_CHARACTERS
        text = (
            f"{text[:SHOWN_CHARACTERS]}\n\n[… {hidden:,} more characters of this turn: "
            "`purer-tui turns FILE` prints it all]"
        )
    body = literal(text)
    if search_term:
        body = body.highlight_regex(
            re.compile(re.escape(visible_controls(search_term)), re.IGNORECASE), style="reverse $warning"
        )
    return body


def code_swatch(code: Code) -> Content:
    return Content.styled("■", code.color) if code.color else Content.styled("■", "$text-muted")


def suggested_codes_line(codebook: Codebook, codes: tuple[str, ...], accept_key: str) -> Content:
    """The codes suggested for the turn (marked ? in the codebook), and how to take them or leave them."""
    labels = ", ".join(codebook.code(code).label for code in codes)
    return Content.assemble(
        ("? suggested: ", "bold $warning"), literal(labels), (f"  ({accept_key} applies, enter leaves)", "$text-muted")
    )


def applied_codes(codebook: Codebook, record: AnnotationRecord | None) -> Content:
    if record is None or not record.reviewed:
        return Content.styled("not reviewed yet: press a code key, or enter for no code", "$text-muted")
    if not record.codes:
        return Content.styled("reviewed: no code applies", "$text-muted")
    parts: list[Content | str] = []
    for code_id in record.codes:
        if parts:
            parts.append("  ")
        if codebook.has_code(code_id):
            code = codebook.code(code_id)
            parts += [code_swatch(code), " ", literal(code.label, "bold")]
        else:
            parts.append(literal(f"{code_id} (not in codebook)", "$error"))
    return Content.assemble(*parts)


def warning_lines(codebook: Codebook, record: AnnotationRecord | None, stale: bool) -> list[Content]:
    """What needs the coder's decision on this turn: a merge conflict, or codes made on an earlier text."""
    lines = []
    if record is not None and record.conflict is not None:

        def side(version: TurnVersion | None) -> str:
            return describe_version(
                version, lambda code: codebook.code(code).label if codebook.has_code(code) else code
            )

        lines.append(
            Content.assemble(
                ("merge conflict ", "bold $error"),
                literal(
                    f"ours: {side(record.conflict.ours)} | theirs: {side(record.conflict.theirs)}"
                    + "".join(f" | also: {side(version)}" for version in record.conflict.more)
                ),
                (" (enter keeps what is shown; any change settles it)", "$text-muted"),
            )
        )
    if stale:
        lines.append(
            Content.assemble(
                ("coded on an earlier version of this turn ", "bold $warning"),
                ("(the transcript changed): run purer-tui reanchor", "$text-muted"),
            )
        )
    return lines


def memo_line(record: AnnotationRecord | None) -> Content:
    if record is None or not record.memo:
        return Content.styled("no memo (m to write one)", "$text-muted")
    return Content.assemble(("memo: ", "bold"), literal(" ".join(record.memo.split())))


def adjudication_lines(codebook: Codebook, sides: list[tuple[str, AnnotationRecord | None]]) -> list[Content]:
    """Each adjudicated coder's codes and memo, marked with the key that takes them."""
    lines = []
    for marker, (coder, record) in zip(("<", ">"), sides, strict=False):  # two sides at most
        labels = (
            ", ".join(
                codebook.code(c).label if codebook.has_code(c) else c
                for c in codebook.in_codebook_order(list(record.codes))
            )
            if record
            else ""
        )
        shown = (labels or "no code") if record is not None and record.reviewed else "not reviewed"
        parts: list[Content | tuple[str, str]] = [(f"{marker} {coder}: ", "bold $text-accent"), literal(shown)]
        if record is not None and record.memo:
            parts += [("  memo: ", "italic $text-muted"), literal(" ".join(record.memo.split()), "$text-muted")]
        lines.append(Content.assemble(*parts))
    return lines


def other_coders_line(codebook: Codebook, others: list[tuple[str, AnnotationRecord | None]]) -> Content:
    parts: list[Content | str | tuple[str, str]] = []
    for coder, record in others:
        if parts:
            parts.append("   ")
        if record is None or not record.reviewed:
            labels = "—"
        else:
            labels = (
                ", ".join(
                    codebook.code(c).label if codebook.has_code(c) else c
                    for c in codebook.in_codebook_order(list(record.codes))
                )
                or "none"
            )
        if record is not None and record.flag:
            labels += f" {FLAG_MARK}"
        parts += [(f"{coder}: ", "bold $text-muted"), literal(labels, "$text-muted")]
    return Content.assemble(*parts)
