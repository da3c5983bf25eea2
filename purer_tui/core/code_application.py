"""Whether a code may be added to a turn a search found, and the record with it added.

One rule for every way of coding many turns at once (`purer-tui autocode`,
the app's "apply a code to all search hits"): a coder's decision is never
replaced. Only a turn that can take the code without losing anything gets
it; the rest are left alone and say why.
"""

from __future__ import annotations

import enum

from purer_tui.core.annotation_records import AnnotationRecord, rechecked_for, suggested_for
from purer_tui.core.codebook import Codebook


class Outcome(enum.Enum):
    """What adding a code does with a matching turn."""

    APPLY = "to code"
    ALREADY = "already carries the code"
    OTHER_ROLE = "not for this speaker's role"
    NO_CODE = "reviewed by the coder as no code applying"
    CLASH = "carries another code of the exclusive group"
    CONFLICT = "in a merge conflict"
    STALE = "the annotations no longer match the transcript"
    LOCKED = "the file is being coded in another process"


def decide(
    record: AnnotationRecord | None, role: str | None, code: str, codebook: Codebook
) -> tuple[Outcome, tuple[str, ...]]:
    """What to do with one matching turn given this coder's record of it; for a clash, the codes in the way."""
    if record is not None and record.conflict is not None:
        return Outcome.CONFLICT, ()
    codes = record.codes if record is not None else ()
    if code in codes:
        return Outcome.ALREADY, ()
    if record is not None and record.reviewed and not codes:
        return Outcome.NO_CODE, ()  # a decision, as a clash is: a search never overrides it
    group = codebook.group(codebook.code(code).group)
    if not group.applies_to(role):
        return Outcome.OTHER_ROLE, ()
    if group.exclusive:
        rivals = tuple(other for other in codes if codebook.has_code(other) and codebook.code(other).group == group.id)
        if rivals:
            return Outcome.CLASH, rivals
    return Outcome.APPLY, ()


def with_code(
    record: AnnotationRecord | None, turn: int, anchor: str, code: str, codebook: Codebook
) -> AnnotationRecord:
    """The record with the code added (codebook order), reviewed, anchored; its memo, flag and other codes kept."""
    base = record or AnnotationRecord(turn=turn)
    codes = tuple(codebook.in_codebook_order([*base.codes, code]))
    return base._replace(
        codes=codes,
        reviewed=True,
        anchor=anchor,
        rechecked=rechecked_for(base.rechecked, codes),
        suggested=suggested_for(base.suggested, codes),
    )
