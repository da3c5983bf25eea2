"""`purer-tui stats`: how much is coded, how often each code is applied, and which codes go together.

A frequency counts coded turns: a code applied to a turn by two coders
counts twice (once per coder), since every coder's work is reported.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from purer_tui.reports.dataset import Dataset
from purer_tui.reports.tables import ReportTable


def stats_tables(data: Dataset) -> list[ReportTable]:
    return [reviewed_table(data), *frequency_tables(data), cooccurrence_table(data)]


def reviewed_table(data: Dataset) -> ReportTable:
    table = ReportTable("Turns reviewed, per transcript and coder", ["transcript", "turns", *data.coders])
    for info in data.transcripts:
        total = len(data.parsed[info.path].turns)
        table.rows.append([info.name, total, *[len(data.index.get((info.path, coder), {})) for coder in data.coders]])
    return table


def frequency_tables(data: Dataset) -> list[ReportTable]:
    """Code frequencies by transcript, by coder, by speaker role and by session."""
    dimensions = {
        "transcript": lambda coded: coded.info.name,
        "coder": lambda coded: coded.coder,
        "speaker role": lambda coded: coded.role or "(no role)",
        "session": lambda coded: f"session {coded.info.session}" if coded.info.session is not None else "(no session)",
    }
    tables = []
    for dimension, key_of in dimensions.items():
        counts: Counter[tuple[str, str]] = Counter()
        keys: dict[str, None] = {}
        for coded in data.coded:
            key = key_of(coded)
            keys.setdefault(key, None)
            for code in coded.codes:
                counts[(code, key)] += 1
        ordered = sorted(keys, key=_natural) if dimension in ("session", "transcript") else list(keys)
        if dimension == "coder":
            ordered = [coder for coder in data.coders if coder in keys]
        table = ReportTable(f"Code frequencies by {dimension}", ["code", *ordered, "total"])
        for code in data.codebook.codes:
            row = [counts[(code.id, key)] for key in ordered]
            table.rows.append([code.label, *row, sum(row)])
        tables.append(table)
    return tables


def cooccurrence_table(data: Dataset) -> ReportTable:
    """How often two codes are on the same turn (by the same coder)."""
    pairs: Counter[tuple[str, str]] = Counter()
    order = {code.id: index for index, code in enumerate(data.codebook.codes)}
    for coded in data.coded:
        known = sorted((c for c in coded.codes if c in order), key=order.__getitem__)
        for a, b in combinations(known, 2):
            pairs[(a, b)] += 1
    table = ReportTable("Codes on the same turn", ["code", "with", "turns"], note="Pairs never seen together are left out.")
    for (a, b), count in sorted(pairs.items(), key=lambda item: (-item[1], order[item[0][0]], order[item[0][1]])):
        table.rows.append([data.codebook.code(a).label, data.codebook.code(b).label, count])
    return table


def _natural(text: str) -> list[object]:
    import re

    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]
