"""Commands about a study's files: check, turns, init, demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from purer_tui.cli import EXIT_PROBLEMS, main
from purer_tui.core.errors import display_path


@main.command()
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as problems too (exit 1).")
def check(study: Path, strict: bool) -> None:
    """Validate a study: study file, codebook, transcripts and every annotation file.

    Prints one line per problem as `path:line: message`. Exits 0 when there is
    no error, 1 when problems were found, 2 when no study was found.

    \b
    Example:
      purer-tui check               # the study around the current folder
      purer-tui check purer-demo
    """
    from purer_tui.core.check import ReadRecords, check_study
    from purer_tui.core.safe_text import one_line
    from purer_tui.core.study import find_study_file
    from purer_tui.gitwork.setup import setup_problems
    from purer_tui.services.recheck import stale_turn_check

    stale = stale_turn_check(study)  # the codebook's history first: whether the annotation files are needed twice
    read: ReadRecords | None = {} if stale is not None and stale.reads_annotations else None
    problems = check_study(study, read)
    problems += setup_problems(find_study_file(study))
    problems += stale.problems(read) if stale is not None else []
    for problem in problems:
        click.echo(one_line(str(problem)))  # names and keys in it come from the study's files
    errors = sum(problem.is_error for problem in problems)
    warnings = len(problems) - errors
    if errors or (strict and warnings):
        click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"ok: no errors{f', {warnings} warning(s)' if warnings else ''}", err=True)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of {turn, speaker, text, start, anchor}.")
def turns(file: Path, as_json: bool) -> None:
    """Show how a transcript file is split into turns.

    The format (plain `Speaker: text`, timestamped, Otter.ai, WebVTT, SRT) is
    detected from the file. `start` is in seconds. Use this to see why a
    transcript parses oddly.

    \b
    Example:
      purer-tui turns transcripts/grp1-s01.txt
      purer-tui turns session.vtt --json
    """
    from purer_tui.core.safe_text import json_safe
    from purer_tui.core.transcript import load_transcript

    transcript = load_transcript(file)
    if as_json:
        payload = json.dumps([turn.as_json() for turn in transcript.turns], ensure_ascii=False, indent=1)
        click.echo(json_safe(payload))
        return
    from purer_tui.reports.turns_table import print_turns

    print_turns(transcript)


@main.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option("--name", help="The study's name (default: the folder's name).")
@click.option(
    "--codebook",
    "codebook",
    default="interview",
    show_default=True,
    help="A codebook file, or a bundled one by name: " + ", ".join(("purer", "interview")) + ".",
)
@click.option(
    "--transcripts",
    "patterns",
    multiple=True,
    help="Where the transcripts are, relative to the folder (repeatable; default transcripts/*.txt, *.vtt, *.srt).",
)
def init(folder: Path, name: str | None, codebook: str, patterns: tuple[str, ...]) -> None:
    """Start a study: write purer.toml (and copy the codebook in) in FOLDER.

    The codebook is checked first; purer.toml gets the settings a study
    usually needs next (metadata_pattern, [roles]) as comments to fill in.

    \b
    Example:
      purer-tui init my-study --name "MORE guided inquiry" --codebook purer
    """
    from purer_tui.core.errors import InvalidFileError
    from purer_tui.services.study_setup import init_study

    try:
        path = init_study(folder, name, codebook, list(patterns))
    except InvalidFileError as error:
        from purer_tui.core.safe_text import one_line

        for problem in error.problems:  # every problem of the codebook at once, one line each
            click.echo(f"purer-tui: {one_line(str(problem))}", err=True)
        click.echo("purer-tui: the codebook has problems; fix them and run init again (nothing was written)", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(
        f"Wrote {display_path(path)}. Put transcripts in {display_path(path.parent / 'transcripts')}/, then run:"
    )
    click.echo(f"  purer-tui check {display_path(path.parent)}")


@main.command()
@click.argument("folder", required=False, default="purer-demo", type=click.Path(path_type=Path, file_okay=False))
@click.option("--no-open", is_flag=True, help="Only write the study; do not open it in the coding app.")
@click.option("--coder", default="demo", show_default=True, help="The coder id to code the demo as.")
def demo(folder: Path, no_open: bool, coder: str) -> None:
    """Write the bundled demo study (a fictional MORE group, three sessions, two coders) to FOLDER and open it.

    Refuses to overwrite anything: FOLDER must not exist or be empty. Opens the
    coding app on it when run in a terminal (as coder "demo"; ana and ben have
    already coded it, so you can compare later).

    \b
    Example:
      purer-tui demo               # writes ./purer-demo
      purer-tui demo ~/try-purer
    """
    from purer_tui.services.study_setup import write_demo

    study_file = write_demo(folder)
    shown = display_path(study_file.parent)
    click.echo(f"Wrote the demo study to {shown}/ ({len(list(study_file.parent.rglob('*.jsonl')))} annotation files).")
    if no_open or not (sys.stdin.isatty() and sys.stdout.isatty()):
        click.echo(f"Check it:  purer-tui check {shown}")
        click.echo(f"Code it:   purer-tui code {shown} --coder {coder}")
        return
    from purer_tui.cli.coding import load_checked_user_settings, run_app
    from purer_tui.services.coding_setup import prepare_session

    run_app(prepare_session([study_file.parent], coder, None, [], False, user=load_checked_user_settings()))
