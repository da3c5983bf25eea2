"""CSV for R and pandas: tidy (one row per transcript x turn x coder x code) or wide (one 0/1 column per code).

A wide CSV's code column is the code's id, or `code:<id>` when the id repeats a
fixed or metadata column (a `date` code beside the `date` field), so no two
columns ever share a name.

Every reviewed turn is in the file: in the tidy form a turn reviewed with no
code is one row with an empty `code`, so nothing is dropped. UTF-8, RFC 4180
quoting (Python's csv module), CRLF line ends.

By default every cell is exactly the data (what R and pandas should read). A
spreadsheet instead runs a cell starting with `=`, `+`, `-` or `@` as a
formula, and memos and transcripts come from other people's files; with
`spreadsheet=True` such cells start with a `'`, which spreadsheets show as
text and never run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from purer_tui.core.dataset import CodedTurn, Dataset
from purer_tui.core.table_columns import BASE_COLUMNS, CODER_COLUMNS, TIDY_CODE_COLUMNS, code_columns


def metadata_columns(data: Dataset) -> list[str]:
    """The study's transcript fields (session first), as columns."""
    names = sorted({name for info in data.transcripts for name in info.fields})
    return sorted(names, key=lambda name: (name != "session", name))


def _base(coded: CodedTurn, fields: list[str]) -> list[object]:
    start = "" if coded.turn.start is None else round(coded.turn.start, 3)
    return [
        coded.info.name,
        coded.turn.number,
        start,
        coded.turn.speaker,
        coded.role or "",
        *[coded.info.fields.get(f, "") for f in fields],
        coded.coder,
        coded.memo,
    ]


#: What makes a spreadsheet read a cell as a formula (OWASP's list, tab and carriage return included).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _RowWriter(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


def _writer(out: io.StringIO, spreadsheet: bool) -> _RowWriter:
    writer = csv.writer(out, lineterminator="\r\n")
    if not spreadsheet:
        return writer

    class _Inert:
        def writerow(self, row: Iterable[Any], /) -> None:
            writer.writerow(
                [f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_START) else cell for cell in row]
            )

    return _Inert()


def _ordered(data: Dataset) -> list[CodedTurn]:
    order = {info.path: index for index, info in enumerate(data.transcripts)}
    return sorted(data.coded, key=lambda c: (order[c.info.path], c.turn.number, c.coder))


def _rows(data: Dataset, fields: list[str]) -> Iterator[tuple[CodedTurn, list[object]]]:
    """Each coded turn in order, with its row's first cells: a turn's cells before the coder's are built once
    for all its coders (their coded turns are next to each other in this order)."""
    info: object = None
    turn: object = None
    prefix: list[object] = []
    for coded in _ordered(data):
        if coded.turn is not turn or coded.info is not info:
            info, turn = coded.info, coded.turn
            prefix = _base(coded, fields)[:-2]
        yield coded, [*prefix, coded.coder, coded.memo]


def tidy_csv(data: Dataset, spreadsheet: bool = False) -> str:
    fields = metadata_columns(data)
    out = io.StringIO()
    writer = _writer(out, spreadsheet)
    write = writer.writerow
    write([*BASE_COLUMNS, *fields, *CODER_COLUMNS, *TIDY_CODE_COLUMNS])
    described: dict[str, tuple[str, str]] = {}  # code id -> its label and group ("" for a code not in the codebook)
    for coded, base in _rows(data, fields):
        if not coded.codes:
            write([*base, "", "", "", ""])
        for code_id in coded.codes:
            if code_id not in described:
                code = data.codebook.code(code_id) if data.codebook.has_code(code_id) else None
                described[code_id] = (code.label, code.group) if code else ("", "")
            label, group = described[code_id]
            write([*base, code_id, label, group, int(code_id in coded.suggested)])
    return out.getvalue()


def wide_csv(data: Dataset, spreadsheet: bool = False) -> str:
    fields = metadata_columns(data)
    codes = [code.id for code in data.codebook.codes]
    out = io.StringIO()
    writer = _writer(out, spreadsheet)
    writer.writerow([*BASE_COLUMNS, *fields, *CODER_COLUMNS, *code_columns(codes, fields)])
    columns: dict[tuple[str, ...], list[int]] = {}  # a turn's codes -> its 0/1 cells (a study has a few hundred)
    for coded, base in _rows(data, fields):
        cells = columns.get(coded.codes)
        if cells is None:
            applied = set(coded.codes)
            cells = columns[coded.codes] = [int(code in applied) for code in codes]
        writer.writerow([*base, *cells])
    return out.getvalue()
