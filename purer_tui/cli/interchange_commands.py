"""`purer-tui export` (its formats are listed in export_formats), `purer-tui codebook import` and `purer-tui import`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from purer_tui.cli import main
from purer_tui.cli.export_formats import CODER, EXPORT_FORMATS, SPREADSHEET, WIDE, ExportRequest, export_format
from purer_tui.cli.report_commands import codebook
from purer_tui.core.errors import UsageError, display_path

if TYPE_CHECKING:
    from purer_tui.services.project_import import ImportOutcome


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])}{',' if len(items) > 2 else ''} or {items[-1]}"


EXPORT_HELP = f"""Export the study: {_listing([chosen.description for chosen in EXPORT_FORMATS])}.

NVivo, ATLAS.ti, MAXQDA and QualCoder import qdpx and qdc. Exporting the
same study again gives the same file.

\b
Example:
""" + "\n".join(f"  {example}" for chosen in EXPORT_FORMATS for example in chosen.examples)


@main.command(help=EXPORT_HELP)
@click.argument("format_name", metavar="FORMAT", type=click.Choice([chosen.name for chosen in EXPORT_FORMATS]))
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    help="Where to write, - for standard output "
    "(csv: default standard output; qdpx/qdc: default <study>.qdpx / <codebook>.qdc here).",
)
@click.option("--wide", is_flag=True, help="csv: one row per transcript x turn x coder, one 0/1 column per code.")
@click.option("--coder", help="Comma-separated coder ids (default: every coder).")
@click.option(
    "--spreadsheet",
    is_flag=True,
    help="csv: for Excel, LibreOffice or Sheets: a cell starting with = + - or @ gets a ' so it is never run "
    "as a formula (default: the data exactly, for R and pandas).",
)
def export(
    format_name: str, study: Path, output: Path | None, wide: bool, coder: str | None, spreadsheet: bool
) -> None:
    # The help is EXPORT_HELP, built from the formats.
    from purer_tui.core.study import load_study

    chosen = export_format(format_name)
    loaded = load_study(study)
    coding = None
    if CODER in chosen.options:
        from purer_tui.cli.reading_progress import reading_progress
        from purer_tui.cli.report_commands import say_coders
        from purer_tui.core.dataset import load_dataset
        from purer_tui.core.study_coders import parse_coder_list

        coding = load_dataset(
            loaded, parse_coder_list(coder) if coder else None, every_coder=True, progress=reading_progress
        )
        say_coders(coding, readable=False)
        # Refused here, after the coders line, by the formats that read coding; qdc, which reads none, ignores them.
        if (wide and WIDE not in chosen.options) or (spreadsheet and SPREADSHEET not in chosen.options):
            takers = [other.name for other in EXPORT_FORMATS if {WIDE, SPREADSHEET} <= other.options]
            raise UsageError(f"--wide and --spreadsheet go with {_listing(takers)}")
    chosen.write(ExportRequest(loaded, coding, output, wide, spreadsheet))


@codebook.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The TOML codebook to write (default: <file>.toml here; never overwritten).",
)
@click.option(
    "--name", help="The codebook's name (default: the name the file gives it, else the project's, else the file's)."
)
def import_codebook_command(file: Path, output: Path | None, name: str | None) -> None:
    """Import a REFI-QDA codebook (.qdc) or the codebook of a project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Writes a TOML codebook and lists what could not be carried over.

    \b
    Example:
      purer-tui codebook import ~/exports/codes.qdc -o codebooks/imported.toml
    """
    from purer_tui.core.durable import atomic_write_text
    from purer_tui.core.safe_text import one_line
    from purer_tui.interchange.refi_qda_import import import_codebook

    target = output or Path(f"{file.stem}.toml")
    if target.exists():
        raise UsageError(f"{display_path(target)} already exists; choose another -o (nothing was written)")
    imported = import_codebook(file, name)  # without --name: the codebook's own name, else the project's or file's
    atomic_write_text(target.absolute(), imported.toml())
    click.echo(f"Wrote {display_path(target)}: {imported.count('codes')} codes, {imported.count('groups')} groups.")
    for note in imported.notes:
        click.echo(f"  not carried over or changed: {one_line(note)}")


@main.group("import")
def import_group() -> None:
    """Make a new study from another program's project.

    \b
    Example:
      purer-tui import qdpx ~/exports/pain-study.qdpx pain-study
    """


#: Partial and spanning codings listed one by one, at most this many of each (then a count).
LISTED_CODINGS = 20
#: Turn numbers shown for one coding that spans many.
LISTED_TURNS = 10


@import_group.command("qdpx")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--coded-turns-only",
    is_flag=True,
    help="Count as reviewed by a coder only the turns they coded (default for other programs' projects: every "
    "turn of a source they coded in, the rest as 'no code applies', as NVivo and ATLAS.ti compare coders).",
)
def import_qdpx(file: Path, folder: Path, coded_turns_only: bool) -> None:
    """Make a study in FOLDER from a REFI-QDA project (.qdpx) of NVivo, ATLAS.ti, MAXQDA or QualCoder.

    Each text source becomes a transcript (its turns as `purer-tui turns`
    finds them; paragraphs when it names no speakers), each user a coder, each
    coding is applied to every turn its selection touches, and selection
    descriptions and notes become memos. FOLDER must be new or empty; nothing
    is written outside it. A summary lists what was placed and everything
    that could not be (PDF, picture, audio and video sources, graphs, sets,
    cases), with reasons.

    In a project from another program, a coder who coded anything in a source
    has reviewed all of it: a turn they left uncoded is "no code applies", so
    agreement counts it, as NVivo and ATLAS.ti do (--coded-turns-only to
    count only coded turns). A purer-tui project says which turns were
    reviewed.

    \b
    Example:
      purer-tui import qdpx ~/exports/pain-study.qdpx pain-study
      purer-tui check pain-study
    """
    from purer_tui.services.project_import import import_project

    outcome = import_project(file, folder, coded_turns_only)
    _print_import_summary(outcome)


def _print_import_summary(outcome: ImportOutcome) -> None:
    from purer_tui.core.annotation_parsing import MAX_MEMO_CHARACTERS
    from purer_tui.services.project_import import GRAZE_CHARACTERS

    study = outcome.study_file.parent
    transcripts = [source for source in outcome.sources if source.transcript]
    turns = sum(source.turns for source in transcripts)
    click.echo(f"Wrote the study {display_path(study)}/ with the codebook {outcome.codebook}.")
    click.echo(f"Sources: {len(transcripts)} transcript(s), {turns} turn(s).")
    for source in outcome.sources:
        name = _shown(source.name)
        if not source.transcript:
            click.echo(f"  {name}: not imported: {_shown(source.missing)}")
            continue
        said = f"  {name} -> {source.transcript}: {source.turns} turn(s)"
        if source.paragraphs:
            said += " (no speakers found: each paragraph became a turn)"
        click.echo(said)
    click.echo(f"Coders: {len(outcome.coders)}.")
    for name, coder in outcome.coders:
        click.echo(f"  {_shown(name)} -> {coder}")
    click.echo(
        f"Codings placed: {outcome.codings_placed} (codings of the project); memos placed on {outcome.memos} turn(s)."
    )
    if outcome.reviewed_uncoded:
        added = sum(count for _, _, count in outcome.reviewed_uncoded)
        click.echo(
            f"Reviewed with no code: {added} (turn, coder) pair(s): turns a coder left uncoded in a source they "
            "coded in (--coded-turns-only to leave them not reviewed)."
        )
        for transcript, coder, count in outcome.reviewed_uncoded[:LISTED_CODINGS]:
            click.echo(f"  {transcript} ({coder}): {count}")
        if len(outcome.reviewed_uncoded) > LISTED_CODINGS:
            click.echo(f"  ... and {len(outcome.reviewed_uncoded) - LISTED_CODINGS} more")
    for what, listed in (
        ("Partial (selecting part of a turn, applied to the whole turn)", outcome.partial),
        ("Spanning (across turns, applied to each; a coding can be partial too)", outcome.spanning),
        (
            f"Trimmed (a selection across turns touching this one by at most {GRAZE_CHARACTERS} characters: "
            "not applied here)",
            outcome.trimmed,
        ),
    ):
        click.echo(f"{what}: {len(listed)}.")
        listed = sorted(listed, key=lambda placed: (placed.transcript, placed.turns, placed.coder, placed.code))
        for placed in listed[:LISTED_CODINGS]:
            numbers = ", ".join(str(number) for number in placed.turns[:LISTED_TURNS])
            if len(placed.turns) > LISTED_TURNS:
                numbers += f" ... {placed.turns[-1]} ({len(placed.turns):,} turns)"
            click.echo(f"  {placed.transcript} turn(s) {numbers}: {placed.code} ({placed.coder})")
        if len(listed) > LISTED_CODINGS:
            click.echo(f"  ... and {len(listed) - LISTED_CODINGS} more")
    unplaced = sum(outcome.unplaced.values())
    click.echo(f"Unplaced: {unplaced}.")
    for reason, count in sorted(outcome.unplaced.items()):
        click.echo(f"  {count} {reason}")
    for transcript, turn, coder in outcome.memos_cut[:LISTED_CODINGS]:
        click.echo(f"  {transcript} turn {turn} ({coder}): memo cut to {MAX_MEMO_CHARACTERS:,} characters")
    if len(outcome.memos_cut) > LISTED_CODINGS:
        click.echo(f"  ... and {len(outcome.memos_cut) - LISTED_CODINGS} more memos cut")
    if outcome.clashes:
        click.echo(
            f"Exclusive groups with two codes on one turn (kept; `purer-tui check` reports them): "
            f"{len(outcome.clashes)}."
        )
        for transcript, turn, coder, group in outcome.clashes[:LISTED_CODINGS]:
            click.echo(f"  {transcript} turn {turn} ({coder}): {_shown(group)}")
    if outcome.notes_saved:
        shown = ", ".join(outcome.notes_saved[:LISTED_CODINGS])
        more = len(outcome.notes_saved) - LISTED_CODINGS
        click.echo(
            f"Notes on no coded passage, saved as text files: {shown}" + (f" ... and {more} more" if more > 0 else "")
        )
    not_carried = sum(outcome.not_carried.values())
    click.echo(
        f"Not carried over: {not_carried}" + (" (and the codebook notes below)." if outcome.codebook_notes else ".")
    )
    for kind, count in sorted(outcome.not_carried.items()):
        click.echo(f"  {count} x {kind}")
    for note in outcome.codebook_notes[:LISTED_CODINGS]:
        click.echo(f"  codebook: {_shown(note)}")
    if len(outcome.codebook_notes) > LISTED_CODINGS:
        click.echo(f"  codebook: ... and {len(outcome.codebook_notes) - LISTED_CODINGS} more")


def _shown(text: str, limit: int = 200) -> str:
    """Untrusted text (names from the project) on one line of the summary, at most `limit` characters."""
    from purer_tui.core.safe_text import one_line

    return one_line(text[:limit]) + ("…" if len(text) > limit else "")
