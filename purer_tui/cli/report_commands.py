"""Reports: `stats`, `sequences`, `quotes`, `progress`, `report` and `codebook show`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from purer_tui.cli import bootstrap_options, echo_csv, emit, main
from purer_tui.core.errors import UsageError

if TYPE_CHECKING:
    from purer_tui.core.dataset import Dataset
    from purer_tui.reports.tables import ReportTable

Command = TypeVar("Command", bound=Callable[..., Any])

CODER_HELP = "Comma-separated coder ids (default: the consensus coder when there is one, else every coder)."


def _load(study: Path, coder: str | None) -> Dataset:
    from purer_tui.cli.reading_progress import reading_progress
    from purer_tui.core.dataset import load_dataset
    from purer_tui.core.study import load_study
    from purer_tui.core.study_coders import parse_coder_list

    return load_dataset(load_study(study), parse_coder_list(coder) if coder else None, progress=reading_progress)


def say_coders(data: Dataset, readable: bool) -> None:
    """Which coders a report uses: its first line, or (for output meant for files and scripts) on standard error."""
    from purer_tui.core.safe_text import visible_controls

    click.echo(visible_controls(data.choice.summary.capitalize()), err=not readable)


def _report(
    data: Dataset,
    as_json: bool,
    as_csv: bool,
    *,
    json: Callable[[], str],
    csv: Callable[[], str],
    readable: Callable[[], None],
) -> None:
    """Print a report in the one format asked for, after the line saying which coders it uses
    (JSON has it as a field)."""
    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    if not as_json:
        say_coders(data, readable=not as_csv)
    emit(as_json, as_csv, json=json, csv=csv, readable=readable)


def _output(data: Dataset, tables: list[ReportTable], as_json: bool, as_csv: bool) -> None:
    from purer_tui.reports.tables import print_tables, tables_csv, tables_json

    _report(
        data,
        as_json,
        as_csv,
        json=lambda: tables_json(tables, data.choice.as_json()),
        csv=lambda: tables_csv(tables),
        readable=lambda: print_tables(tables),
    )


def _format_options(command: Command) -> Command:
    command = click.option(
        "--csv", "as_csv", is_flag=True, help="Print CSV (a `table` column names each row's table)."
    )(command)
    command = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(command)
    return click.option("--coder", help=CODER_HELP)(command)


@main.command()
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--sequence", is_flag=True, help="Show what follows what instead (as `purer-tui sequences`).")
@_format_options
def stats(study: Path, sequence: bool, coder: str | None, as_json: bool, as_csv: bool) -> None:
    """Turns reviewed per transcript and coder; code frequencies by transcript, coder, speaker role and session;
    codes on the same turn.

    \b
    Example:
      purer-tui stats
      purer-tui stats --coder ana,ben --csv > frequencies.csv
      purer-tui stats --sequence
    """
    data = _load(study, coder)
    if sequence:
        from purer_tui.reports.sequences import sequence_table

        _output(data, [sequence_table(data)], as_json, as_csv)
    else:
        from purer_tui.reports.stats import stats_tables

        _output(data, stats_tables(data), as_json, as_csv)


@main.command()
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@_format_options
def sequences(study: Path, coder: str | None, as_json: bool, as_csv: bool) -> None:
    """What follows what: for each code on a turn, the codes on the next turn by another speaker.

    Counts, and the share of the times the first code was followed by a
    reviewed turn of another speaker (after a Reframing move, which stages
    appear in the participant's reply).

    \b
    Example:
      purer-tui sequences --coder consensus
    """
    from purer_tui.reports.sequences import sequence_table

    data = _load(study, coder)
    _output(data, [sequence_table(data)], as_json, as_csv)


@main.command()
@click.argument("codes", nargs=-1, required=True)
@click.option(
    "--study",
    "study",
    default=".",
    type=click.Path(path_type=Path),
    help="The study (default: the one around the current folder).",
)
@click.option(
    "--context",
    default=0,
    show_default=True,
    type=click.IntRange(0, 20),
    help="Turns of context before and after each quote.",
)
@click.option("--all", "every", is_flag=True, help="Only turns that carry every code named (default: any).")
@click.option("--markdown", is_flag=True, help="Markdown block quotes with citations, ready for a results section.")
@_format_options
def quotes(
    codes: tuple[str, ...],
    study: Path,
    context: int,
    every: bool,
    markdown: bool,
    coder: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Every turn coded with CODE (any of several), with its transcript, turn, speaker and context.

    \b
    Example:
      purer-tui quotes stage-4 --context 1
      purer-tui quotes reframing stage-3 --all --markdown > quotes.md
    """
    from purer_tui.reports.quotes import (
        find_quotes,
        print_quotes,
        quotes_json,
        quotes_markdown,
        quotes_table,
    )
    from purer_tui.reports.tables import tables_csv

    data = _load(study, coder)
    unknown = [code for code in codes if not data.codebook.has_code(code)]
    if unknown:
        raise UsageError(
            f'no code "{unknown[0]}" in the codebook; the codes are {", ".join(c.id for c in data.codebook.codes)}'
        )
    found = find_quotes(data, list(codes), context, every)
    if sum((markdown, as_json, as_csv)) > 1:
        raise UsageError("choose one of --markdown, --json and --csv")
    if not as_json:
        say_coders(data, readable=not (markdown or as_csv))
    if markdown:
        click.echo(quotes_markdown(found, data), nl=False)
    elif as_json:
        click.echo(quotes_json(found, data.choice.as_json()))
    elif as_csv:
        echo_csv(tables_csv([quotes_table(found)]))
    else:
        print_quotes(found, data)


@main.command()
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--stages", help="The code group shown as stages (default: the first exclusive group for participants).")
@click.option("--moves", help="The code group counted as staff moves (default: the first group for another role).")
@click.option("--svg", type=click.Path(dir_okay=False), help="Save the picture as SVG (prints where, not the table).")
@click.option("--html", type=click.Path(dir_okay=False), help="Save the picture as HTML (prints where, not the table).")
@_format_options
def progress(
    study: Path,
    stages: str | None,
    moves: str | None,
    svg: str | None,
    html: str | None,
    coder: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """The stage-progression view: participants by session, each cell the stages observed, plus the staff's moves.

    Sessions and groups come from the study's metadata (metadata_pattern or
    [metadata] tables); participants from its [roles]. Without sessions, each
    transcript is a column.

    \b
    Example:
      purer-tui progress
      purer-tui progress --coder consensus --svg progression.svg
    """
    from purer_tui.reports.progress import (
        build_grid,
        grid_csv_table,
        grid_json,
        grid_table,
        save_picture,
    )
    from purer_tui.reports.tables import print_tables, tables_csv

    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    data = _load(study, coder)
    grid = build_grid(data, stages, moves)
    if svg or html:
        from purer_tui.core.errors import display_path

        save_picture(data, grid, svg, html)
        written = " and ".join(display_path(path) for path in (svg, html) if path)
        # The picture is the output asked for: one line saying where, not the table again, unless a format
        # was asked for too (then that is the output, and this line goes to standard error).
        click.echo(
            f"Wrote {written}: {len(grid.cases)} participant(s) by {len(grid.columns)} column(s).",
            err=as_json or as_csv,
        )
        if not (as_json or as_csv):
            return
    _report(
        data,
        as_json,
        as_csv,
        json=lambda: grid_json(grid, data.choice.as_json()),
        csv=lambda: tables_csv([grid_csv_table(grid)]),
        readable=lambda: print_tables([grid_table(data, grid)]),
    )


@main.command()
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@click.option(
    "--html",
    "target",
    required=True,
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to FILE: one page that opens offline in any browser and prints.",
)
@click.option("--coder", help=CODER_HELP)
@click.option("--stages", help="The code group shown as stages (default: the first exclusive group for participants).")
@click.option("--moves", help="The code group counted as staff moves (default: the first group for another role).")
@click.option(
    "--with-quotes",
    "quote_codes",
    multiple=True,
    metavar="CODE",
    help="Add the turns coded CODE, in full (repeat, or separate by commas). The report then holds transcript text.",
)
@click.option(
    "--with-examples",
    is_flag=True,
    help="Add the codebook's examples to its manual (often quotes from the transcripts: left out by default).",
)
@bootstrap_options("Agreement intervals: ")
def report(
    study: Path,
    target: Path,
    coder: str | None,
    stages: str | None,
    moves: str | None,
    quote_codes: tuple[str, ...],
    with_examples: bool,
    replicates: int,
    seed: int,
) -> None:
    """The study report: one HTML page for readers who never open a terminal.

    The study at a glance with each coder's coverage; each participant's
    stage across sessions (a chart per therapy group, and the grid in the
    codebook's colours); the therapist's moves per session and what
    participants' turns show after each move; code frequencies by role and
    session; agreement per code with 95% bootstrap intervals (as agree --ci);
    the codebook as a manual. Charts are SVG inside the page: nothing is
    fetched, nothing runs, and it prints to PDF from the browser.

    It holds counts, codes and figures, and no turn's text, unless
    --with-quotes names codes: then their turns are quoted in full and a
    banner at the top says the report contains transcript text. The
    codebook's examples, often quotes too, come only with --with-examples.

    \b
    Example:
      purer-tui report --html report.html
      purer-tui report --html report.html --coder consensus --with-quotes stage-4
    """
    from purer_tui.cli.reading_progress import reading_progress
    from purer_tui.core.errors import display_path
    from purer_tui.core.study_coders import parse_coder_list
    from purer_tui.reports.study_report import codes_named
    from purer_tui.services.study_report import ReportRequest, write_study_report

    request = ReportRequest(
        coders=parse_coder_list(coder) if coder else None,
        stages=stages,
        moves=moves,
        quote_codes=tuple(codes_named(quote_codes)),
        replicates=replicates,
        seed=seed,
        examples=with_examples,
    )
    data = write_study_report(study, target, request, progress=reading_progress)
    say_coders(data, readable=True)
    held = [
        what for what, asked in (("quotes", request.quote_codes), ("the codebook's examples", with_examples)) if asked
    ]
    what = f"with transcript text ({' and '.join(held)})" if held else "no transcript text"
    click.echo(f"Wrote {display_path(target)}: {len(data.transcripts)} transcript(s), {what}.")


@main.group()
def codebook() -> None:
    """The codebook: print it, import one, change its codes with every coder's files, read its history.

    \b
    Example:
      purer-tui codebook show --markdown > coding-manual.md
      purer-tui codebook rename stage-2a attention-regulation
      purer-tui codebook merge stage-2a stage-2b --into stage-2
      purer-tui codebook split education --into education-pain,education-practice
      purer-tui codebook history reframing
    """


@codebook.command()
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@click.option(
    "--file",
    "codebook_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A codebook file instead of the study's.",
)
@click.option("--markdown", is_flag=True, help="Markdown, for printing or a wiki.")
def show(study: Path, codebook_file: Path | None, markdown: bool) -> None:
    """Print the codebook as a coding manual: groups, keys, definitions, include/exclude, examples.

    \b
    Example:
      purer-tui codebook show --markdown > coding-manual.md
      purer-tui codebook show --file codebooks/interview.toml
    """
    from purer_tui.core.codebook import load_codebook
    from purer_tui.core.study import load_study
    from purer_tui.reports.codebook_manual import manual_markdown, print_manual

    loaded = load_codebook(codebook_file) if codebook_file else load_study(study).load_codebook()
    if markdown:
        click.echo(manual_markdown(loaded), nl=False)
    else:
        print_manual(loaded)
