"""One table type for every report, shown three ways: a rich table, JSON, or CSV.

Cells are plain values (text and numbers), except that a readable cell may
carry a style; JSON and CSV take the plain values.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from purer_tui.core.plain_table import PlainTable, plain_width, table_lines, text_lines
from purer_tui.core.safe_text import json_safe, visible_controls

Cell = str | int | float | None


@dataclass
class StyledCell:
    """A cell with a look in the readable table (a colour, bold for emphasis); its value is what JSON and CSV get."""

    value: Cell
    style: str = ""


@dataclass
class ReportTable:
    title: str
    columns: list[str]
    rows: list[list[Cell | StyledCell]] = field(default_factory=list)
    note: str = ""

    def plain_rows(self) -> list[list[Cell]]:
        return [[cell.value if isinstance(cell, StyledCell) else cell for cell in row] for row in self.rows]


def _shown(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.0%}" if 0 <= value <= 1 else f"{value:.2f}"
    return visible_controls(str(value))


def print_tables(tables: Sequence[ReportTable], console: object | None = None) -> None:
    """Readable tables: written as plain text when the output is not a terminal and the tables are simple
    enough to be written exactly as rich would (see core.plain_table), else with rich."""
    width = plain_width() if console is None else None
    if width is None:
        _rich_tables(tables, console)
        return
    for report in tables:  # each table written plain when it can be exact, else (too wide, ...) by rich
        shown = _plain_tables([report], width)
        if shown is None:
            sys.stdout.flush()
            _rich_tables([report])
        else:
            sys.stdout.write(shown)
    sys.stdout.flush()


def _plain_tables(tables: Sequence[ReportTable], width: int | None = None) -> str | None:
    width = width or plain_width()
    if width is None:
        return None
    out: list[str] = []
    for report in tables:
        table = table_lines(
            PlainTable(
                title=visible_controls(report.title),
                headers=[visible_controls(column) for column in report.columns],
                justify=["left" if index == 0 else "right" for index in range(len(report.columns))],
                rows=[[_shown(c.value if isinstance(c, StyledCell) else c) for c in row] for row in report.rows],
            ),
            width,
        )
        note = text_lines(visible_controls(report.note), width) if report.note else ""
        if table is None or note is None:
            return None
        out.append(table + note)
    return "".join(out)


def _rich_tables(tables: Sequence[ReportTable], console: object | None = None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = console if isinstance(console, Console) else Console()
    for report in tables:
        table = Table(title=Text(visible_controls(report.title), style="bold"), title_justify="left")
        for index, column in enumerate(report.columns):
            table.add_column(Text(visible_controls(column)), justify="left" if index == 0 else "right")
        for row in report.rows:
            table.add_row(
                *[Text(_shown(c.value), style=c.style) if isinstance(c, StyledCell) else Text(_shown(c)) for c in row]
            )
        out.print(table)
        if report.note:
            out.print(Text(visible_controls(report.note), style="dim"))


def tables_json(tables: Sequence[ReportTable], coders: Mapping[str, object]) -> str:
    """`{"coders": ..., "tables": [...]}`: which coders the figures use, then each table."""
    data = {
        "coders": coders,
        "tables": [
            {
                "table": report.title,
                "columns": report.columns,
                "rows": report.plain_rows(),
                **({"note": report.note} if report.note else {}),
            }
            for report in tables
        ],
    }
    return json_safe(json.dumps(data, indent=1, ensure_ascii=False))


def tables_csv(tables: Sequence[ReportTable]) -> str:
    """One CSV: a `table` column says which table a row belongs to; each table starts with its header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for report in tables:
        writer.writerow(["table", *report.columns])
        for row in report.plain_rows():
            writer.writerow([report.title, *["" if cell is None else cell for cell in row]])
    return out.getvalue()
