"""`purer-tui stats --sequence`: what follows what, from a turn to the next turn of another speaker.

For every code on a turn, the codes the same coder applied to the next turn
by a different speaker: after a Reframing move, which stages appear in the
participant's reply. The next turn must have been reviewed by that coder; a
reply reviewed with no code counts as "(no code)". The proportion is of the
times the first code was followed by a reviewed reply.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from purer_tui.core.dataset import Dataset
from purer_tui.core.transcript import Turn
from purer_tui.reports.tables import ReportTable

NO_CODE = "(no code)"


def sequence_counts(data: Dataset) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """How often each code was followed by a reviewed reply, and by each code in it."""
    followed: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for (path, _coder), by_turn in data.index.items():
        turns = data.parsed[path].turns
        following = _next_other_speaker(turns)
        for number, coded in by_turn.items():
            if not coded.codes:
                continue
            reply_number = following.get(number)
            reply = by_turn.get(reply_number) if reply_number is not None else None
            if reply is None:
                continue
            for code in coded.codes:
                followed[code] += 1
                for next_code in reply.codes or (NO_CODE,):
                    pairs[(code, next_code)] += 1
    return followed, pairs


def _next_other_speaker(turns: Sequence[Turn]) -> dict[int, int]:
    """For each turn, the number of the next turn whose speaker differs (one pass, from the end)."""
    result: dict[int, int] = {}
    next_by_other: int | None = None
    for index in range(len(turns) - 1, -1, -1):
        turn = turns[index]
        if index + 1 < len(turns) and turns[index + 1].speaker != turn.speaker:
            next_by_other = turns[index + 1].number
        elif index + 1 < len(turns):
            next_by_other = result.get(turns[index + 1].number)
        else:
            next_by_other = None
        if next_by_other is not None:
            result[turn.number] = next_by_other
    return result


def sequence_table(data: Dataset) -> ReportTable:
    followed, pairs = sequence_counts(data)
    order = {code.id: index for index, code in enumerate(data.codebook.codes)}
    table = ReportTable(
        "What follows what (the next turn by another speaker)",
        ["code", "followed by", "times", "of", "share"],
        note="share = times / the times the first code was followed by a reviewed turn of another speaker.",
    )
    for (first, then), count in sorted(
        pairs.items(), key=lambda item: (order.get(item[0][0], 999), -item[1], order.get(item[0][1], 999))
    ):
        label = data.codebook.code(then).label if then in order else then
        table.rows.append(
            [
                data.codebook.code(first).label if first in order else first,
                label,
                count,
                followed[first],
                count / followed[first],
            ]
        )
    return table
