"""The formats `purer-tui export` writes: one entry each, from which the command's FORMAT choice,
help and dispatch are built.

Adding a format is adding a writer and one `ExportFormat` to `EXPORT_FORMATS`. The CLI imports
this module at start, so it imports nothing heavy: each writer imports what it needs when called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from purer_tui.core.errors import display_path

if TYPE_CHECKING:
    from purer_tui.core.dataset import Dataset
    from purer_tui.core.study import Study

# The options only some formats take (their parameter names); -o/--output goes with every format.
CODER = "coder"  # the format exports coding, so the coded dataset is loaded for the chosen coders
WIDE = "wide"
SPREADSHEET = "spreadsheet"


@dataclass(frozen=True)
class ExportRequest:
    study: Study
    coding: Dataset | None  # loaded only for a format that takes --coder
    output: Path | None
    wide: bool
    spreadsheet: bool


@dataclass(frozen=True)
class ExportFormat:
    name: str  # the FORMAT argument
    description: str  # its part of the sentence that opens `export --help`
    write: Callable[[ExportRequest], None]
    options: frozenset[str]  # of CODER, WIDE and SPREADSHEET
    examples: tuple[str, ...]  # lines for `export --help`


def _write_csv(request: ExportRequest) -> None:
    from purer_tui.core.durable import write_output
    from purer_tui.interchange.csv_export import tidy_csv, wide_csv

    assert request.coding is not None
    text = (
        wide_csv(request.coding, request.spreadsheet) if request.wide else tidy_csv(request.coding, request.spreadsheet)
    )
    if request.output is None:
        from purer_tui.cli import echo_csv

        echo_csv(text)  # on a screen, names and memos with escape sequences are shown, never run
    else:
        write_output(request.output, text.encode("utf-8"), request.coding.transcript_paths, request.study.root)
        click.echo(f"Wrote {_shown(request.output)}", err=True)


def _write_qdpx(request: ExportRequest) -> None:
    from purer_tui.core.durable import write_output
    from purer_tui.interchange.refi_qda_export import project_document, write_qdpx

    assert request.coding is not None
    project = project_document(request.coding)
    target = request.output or Path(f"{request.study.root.name}.qdpx")
    write_output(target, write_qdpx(project), request.coding.transcript_paths, request.study.root)
    note = f"; {project.skipped_codes} code(s) not in the codebook were left out" if project.skipped_codes else ""
    click.echo(
        f"Wrote {_shown(target)} ({len(project.sources)} sources, "
        f"{len(project.expected)} selections, one per turn a coder reviewed or noted{note})",
        err=True,
    )


def _write_qdc(request: ExportRequest) -> None:
    from purer_tui.core.durable import write_output
    from purer_tui.interchange.refi_qda_export import codebook_document

    target = request.output or Path(f"{request.study.codebook_path.stem}.qdc")
    # It holds no transcript text, only the codebook (whose examples may quote one): no more readable than that.
    write_output(
        target, codebook_document(request.study.load_codebook()), request.study.codebook_path, request.study.root
    )
    click.echo(f"Wrote {_shown(target)}", err=True)


def _shown(output: Path) -> str:
    return "standard output" if str(output) == "-" else display_path(output)


#: Every format, in the order FORMAT's choice and the help list them.
EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        name="csv",
        description="tidy or wide CSV for R and pandas",
        write=_write_csv,
        options=frozenset({CODER, WIDE, SPREADSHEET}),
        examples=(
            "purer-tui export csv -o coding.csv",
            "purer-tui export csv --wide -o coding-wide.csv",
            "purer-tui export csv --spreadsheet -o for-excel.csv",
        ),
    ),
    ExportFormat(
        name="qdpx",
        description="a REFI-QDA project (qdpx)",
        write=_write_qdpx,
        options=frozenset({CODER}),
        examples=("purer-tui export qdpx -o study.qdpx",),
    ),
    ExportFormat(
        name="qdc",
        description="the codebook (qdc)",
        write=_write_qdc,
        options=frozenset(),
        examples=("purer-tui export qdc -o purer.qdc",),
    ),
)


def export_format(name: str) -> ExportFormat:
    return next(candidate for candidate in EXPORT_FORMATS if candidate.name == name)
