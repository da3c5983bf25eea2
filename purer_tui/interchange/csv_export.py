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

from purer_tui.core.bulk_loading import collector_paused
from purer_tui.core.dataset import CodedTurn, Dataset
from purer_tui.core.table_columns import BASE_COLUMNS, CODER_COLUMNS, TIDY_CODE_COLUMNS, code_columns


def metadata_columns(data: Dataset) -> list[str]:
    """The study's transcript fields (session first), as columns."""
    names = sorted({name for info in data.transcripts for name in info.fields})
    return sorted(names, key=lambda name: (name != "session", name))


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
    with collector_paused():  # a key per coded turn: hundreds of thousands of tuples (see bulk_loading)
        return sorted(data.coded, key=lambda c: (order[c.info.path], c.turn.number, c.coder))


class _Cells:
    """Cells as CSV text, written by the export's own kind of writer (so `spreadsheet` applies), without the line end.

    A row's text is its cells' texts joined by commas: the csv module quotes each cell on its own, and only a
    row of one empty cell is written otherwise (`""`), so every piece rendered here has two cells or more. A
    study's rows repeat most of their cells (a turn's for each of its coders, a code's label and group on
    every turn carrying it), so each distinct piece is quoted once instead of once per row.
    """

    def __init__(self, spreadsheet: bool):
        self._out = io.StringIO()
        self._writer = _writer(self._out, spreadsheet)

    def text(self, cells: list[object]) -> str:
        assert len(cells) >= 2
        self._out.seek(0)
        self._out.truncate()
        self._writer.writerow(cells)
        return self._out.getvalue()[: -len(_LINE_END)]

    def one(self, cell: object) -> str:
        """One cell's text, as in a row of other cells (a row of one empty cell alone is written otherwise)."""
        return self.text([cell, ""])[:-1]


_LINE_END = "\r\n"


def _rows(data: Dataset, fields: list[str], cells: _Cells) -> Iterator[tuple[CodedTurn, str]]:
    """Each coded turn in order, with the text of its row's cells up to and including its coder and memo.

    A row's cells come in pieces quoted once each: the transcript's name and its fields once per transcript, a
    speaker and their role once per speaker, a coder's cells with no memo once per coder, and the turn's own
    number and start as they are (numbers, which the csv module writes as `str` does and never quotes).
    """
    info: object = None
    turn: object = None
    prefix = ""
    name = described = ""
    speakers: dict[tuple[str, str | None], str] = {}  # (speaker, role) -> their cells
    coders: dict[str, str] = {}  # coder -> their cells with no memo
    for coded in _ordered(data):
        if coded.info is not info:
            info = coded.info
            name = cells.one(coded.info.name)
            values: list[object] = [coded.info.fields.get(field, "") for field in fields]
            described = cells.text(values) if len(values) > 1 else cells.one(values[0]) if values else ""
            turn = None
        if coded.turn is not turn:
            turn = coded.turn
            key = (coded.turn.speaker, coded.role)
            speaker = speakers.get(key)
            if speaker is None:
                speaker = speakers[key] = cells.text([coded.turn.speaker, coded.role or ""])
            start = "" if coded.turn.start is None else round(coded.turn.start, 3)
            prefix = (
                f"{name},{coded.turn.number},{start},{speaker},{described}"
                if fields
                else (f"{name},{coded.turn.number},{start},{speaker}")
            )
        if coded.memo:
            who = cells.text([coded.coder, coded.memo])
        else:
            who = coders.get(coded.coder) or coders.setdefault(coded.coder, cells.text([coded.coder, ""]))
        yield coded, f"{prefix},{who}"


def tidy_csv(data: Dataset, spreadsheet: bool = False) -> str:
    fields = metadata_columns(data)
    out = io.StringIO()
    _writer(out, spreadsheet).writerow([*BASE_COLUMNS, *fields, *CODER_COLUMNS, *TIDY_CODE_COLUMNS])
    write = out.write
    cells = _Cells(spreadsheet)
    no_code = cells.text(["", "", "", ""])
    described: dict[tuple[str, bool], str] = {}  # (code id, applied from a suggestion) -> its cells

    def describe(code_id: str, suggested: bool) -> str:
        key = (code_id, suggested)
        if key not in described:
            code = data.codebook.code(code_id) if data.codebook.has_code(code_id) else None
            described[key] = cells.text(
                [code_id, code.label if code else "", code.group if code else "", int(suggested)]
            )
        return described[key]

    # a turn's codes, none from a suggestion -> the cells of each of its rows (a study has a few hundred lists)
    listed: dict[tuple[str, ...], list[str]] = {}
    for coded, base in _rows(data, fields, cells):
        codes = coded.codes
        if not codes:
            write(f"{base},{no_code}{_LINE_END}")
            continue
        if coded.suggested:
            rows = [describe(code_id, code_id in coded.suggested) for code_id in codes]
        else:
            rows = listed.get(codes) or listed.setdefault(codes, [describe(code_id, False) for code_id in codes])
        if len(rows) == 1:
            write(f"{base},{rows[0]}{_LINE_END}")
        else:  # the turn's rows at once: each is its cells up to the memo, then one code's
            write(f"{base},{f'{_LINE_END}{base},'.join(rows)}{_LINE_END}")
    return out.getvalue()


def wide_csv(data: Dataset, spreadsheet: bool = False) -> str:
    fields = metadata_columns(data)
    codes = [code.id for code in data.codebook.codes]
    out = io.StringIO()
    _writer(out, spreadsheet).writerow([*BASE_COLUMNS, *fields, *CODER_COLUMNS, *code_columns(codes, fields)])
    write = out.write
    cells = _Cells(spreadsheet)
    columns: dict[tuple[str, ...], str] = {}  # a turn's codes -> its 0/1 cells (a study has a few hundred)
    for coded, base in _rows(data, fields, cells):
        applied = columns.get(coded.codes)
        if applied is None:
            carried = set(coded.codes)
            applied = columns[coded.codes] = ",".join(str(int(code in carried)) for code in codes)
        write(f"{base},{applied}{_LINE_END}" if codes else f"{base}{_LINE_END}")
    return out.getvalue()
