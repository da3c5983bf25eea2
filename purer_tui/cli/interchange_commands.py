"""`purer-tui export` and `purer-tui codebook import`."""

from __future__ import annotations

from pathlib import Path

import click

from purer_tui.cli import main
from purer_tui.cli.report_commands import codebook
from purer_tui.core.errors import UsageError, display_path


@main.command()
@click.argument("format_name", metavar="FORMAT", type=click.Choice(["csv", "qdpx", "qdc"]))
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True), help="Where to write, - for standard output (csv: default standard output; qdpx/qdc: default <study>.qdpx / <codebook>.qdc here).")
@click.option("--wide", is_flag=True, help="csv: one row per transcript x turn x coder, one 0/1 column per code.")
@click.option("--coder", help="Comma-separated coder ids (default: every coder).")
@click.option(
    "--spreadsheet",
    is_flag=True,
    help="csv: for Excel, LibreOffice or Sheets: a cell starting with = + - or @ gets a ' so it is never run as a formula "
    "(default: the data exactly, for R and pandas).",
)
def export(format_name: str, study: Path, output: Path | None, wide: bool, coder: str | None, spreadsheet: bool) -> None:
    """Export the study: tidy or wide CSV for R and pandas, a REFI-QDA project (qdpx), or the codebook (qdc).

    NVivo, ATLAS.ti, MAXQDA and QualCoder import qdpx and qdc. Exporting the
    same study again gives the same file.

    \b
    Example:
      purer-tui export csv -o coding.csv
      purer-tui export csv --wide -o coding-wide.csv
      purer-tui export csv --spreadsheet -o for-excel.csv
      purer-tui export qdpx -o study.qdpx
      purer-tui export qdc -o purer.qdc
    """
    from purer_tui.core.durable import write_output
    from purer_tui.core.study import load_study

    loaded = load_study(study)
    if format_name == "qdc":
        from purer_tui.interchange.refi_qda_export import codebook_document

        target = output or Path(f"{loaded.codebook_path.stem}.qdc")
        write_output(target, codebook_document(loaded.load_codebook()))
        click.echo(f"Wrote {_shown(target)}", err=True)
        return
    from purer_tui.cli.reading_progress import reading_progress
    from purer_tui.cli.report_commands import say_coders
    from purer_tui.core.dataset import load_dataset
    from purer_tui.core.study_coders import parse_coder_list

    data = load_dataset(loaded, parse_coder_list(coder) if coder else None, every_coder=True, progress=reading_progress)
    say_coders(data, readable=False)
    if format_name == "csv":
        from purer_tui.interchange.csv_export import tidy_csv, wide_csv

        text = wide_csv(data, spreadsheet) if wide else tidy_csv(data, spreadsheet)
        if output is None:
            from purer_tui.cli import echo_csv

            echo_csv(text)  # on a screen, names and memos with escape sequences are shown, never run
        else:
            write_output(output, text.encode("utf-8"))
            click.echo(f"Wrote {_shown(output)}", err=True)
        return
    if wide or spreadsheet:
        raise UsageError("--wide and --spreadsheet go with csv")
    from purer_tui.interchange.refi_qda_export import project_document, write_qdpx

    project = project_document(data)
    target = output or Path(f"{loaded.root.name}.qdpx")
    write_output(target, write_qdpx(project))
    note = f"; {project.skipped_codes} code(s) not in the codebook were left out" if project.skipped_codes else ""
    click.echo(f"Wrote {_shown(target)} ({len(project.sources)} sources, {len(project.expected)} coded selections{note})", err=True)


def _shown(output: Path) -> str:
    return "standard output" if str(output) == "-" else display_path(output)


@codebook.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="The TOML codebook to write (default: <file>.toml here; never overwritten).")
@click.option("--name", help="The codebook's name (default: the project's name, or the file's).")
def import_codebook_command(file: Path, output: Path | None, name: str | None) -> None:
    """Import a REFI-QDA codebook (.qdc) or the codebook of a project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Writes a TOML codebook and lists what could not be carried over.

    \b
    Example:
      purer-tui codebook import ~/exports/codes.qdc -o codebooks/imported.toml
    """
    from purer_tui.core.durable import atomic_write_text
    from purer_tui.core.safe_text import one_line
    from purer_tui.interchange.refi_qda_import import import_codebook, read_refi_xml

    target = output or Path(f"{file.stem}.toml")
    if target.exists():
        raise UsageError(f"{display_path(target)} already exists; choose another -o (nothing was written)")
    if name is None:
        root = read_refi_xml(file)
        name = (root.get("name") if root.tag.endswith("Project") else None) or file.stem
    imported = import_codebook(file, name)
    atomic_write_text(target.absolute(), imported.toml())
    click.echo(f"Wrote {display_path(target)}: {len(imported.data['codes'])} codes, {len(imported.data.get('groups', {}))} groups.")  # type: ignore[arg-type]
    for note in imported.notes:
        click.echo(f"  not carried over or changed: {one_line(note)}")
