"""`purer-tui stats`: how much is coded, how often each code is applied, and which codes go together.

A frequency counts coded turns: a code applied to a turn by two coders
counts twice (once per coder), since every coder's work is reported.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from purer_tui.core.dataset import Dataset
from purer_tui.reports.tables import ReportTable


def stats_tables(data: Dataset) -> list[ReportTable]:
    return [reviewed_table(data), flagged_table(data), *frequency_tables(data), cooccurrence_table(data)]


def reviewed_table(data: Dataset) -> ReportTable:
    table = ReportTable("Turns reviewed, per transcript and coder", ["transcript", "turns", *data.coders])
    for info in data.transcripts:
        total = len(data.parsed[info.path].turns)
        table.rows.append([info.name, total, *[len(data.index.get((info.path, coder), {})) for coder in data.coders]])
    return table


def flagged_table(data: Dataset) -> ReportTable:
    table = ReportTable(
        "Turns flagged to come back to, per transcript and coder",
        ["transcript", *data.coders],
        note="A flagged turn is not final: agreement and the consensus leave it out "
        "until the flag is cleared (! in the app).",
    )
    for info in data.transcripts:
        table.rows.append([info.name, *[data.flagged.get((info.path, coder), 0) for coder in data.coders]])
    return table


def frequency_tables(data: Dataset) -> list[ReportTable]:
    """Code frequencies by transcript, by coder, by speaker role and by session (one pass over the coding)."""
    dimensions = ("transcript", "coder", "speaker role", "session")
    session_label = {
        info.path: f"session {info.session}" if info.session is not None else "(no session)"
        for info in data.transcripts
    }
    counts: dict[str, Counter[tuple[str, str]]] = {dimension: Counter() for dimension in dimensions}
    seen: dict[str, dict[str, None]] = {dimension: {} for dimension in dimensions}
    # Hundreds of thousands of coded turns fall into far fewer (transcript, coder, role, codes) kinds.
    names = {info.path: info.name for info in data.transcripts}
    kinds = Counter((coded.info.path, coded.coder, coded.role, coded.codes) for coded in data.coded)
    for (path, coder, role, codes), times in kinds.items():
        kind_keys = (names[path], coder, role or "(no role)", session_label[path])
        for dimension, key in zip(dimensions, kind_keys, strict=True):
            seen[dimension].setdefault(key, None)
            for code_id in codes:
                counts[dimension][(code_id, key)] += times
    tables = []
    for dimension in dimensions:
        keys = list(seen[dimension])
        if dimension in ("session", "transcript"):
            keys = sorted(keys, key=_natural)
        elif dimension == "coder":
            keys = [coder for coder in data.coders if coder in seen[dimension]]
        table = ReportTable(f"Code frequencies by {dimension}", ["code", *keys, "total"])
        for code in data.codebook.codes:
            row = [counts[dimension][(code.id, key)] for key in keys]
            table.rows.append([code.label, *row, sum(row)])
        tables.append(table)
    return tables


def cooccurrence_table(data: Dataset) -> ReportTable:
    """How often two codes are on the same turn (by the same coder)."""
    pairs: Counter[tuple[str, str]] = Counter()
    order = {code.id: index for index, code in enumerate(data.codebook.codes)}
    for codes, times in Counter(coded.codes for coded in data.coded if len(coded.codes) > 1).items():
        known = sorted((c for c in codes if c in order), key=order.__getitem__)
        for a, b in combinations(known, 2):
            pairs[(a, b)] += times
    table = ReportTable(
        "Codes on the same turn", ["code", "with", "turns"], note="Pairs never seen together are left out."
    )
    for (a, b), count in sorted(pairs.items(), key=lambda item: (-item[1], order[item[0][0]], order[item[0][1]])):
        table.rows.append([data.codebook.code(a).label, data.codebook.code(b).label, count])
    return table


def _natural(text: str) -> list[object]:
    import re

    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
