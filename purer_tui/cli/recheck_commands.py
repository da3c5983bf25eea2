"""What was coded under an older definition: `recheck` and `codebook history`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from purer_tui.cli import main
from purer_tui.cli.report_commands import codebook

if TYPE_CHECKING:
    from purer_tui.core.recheck_items import DefinitionChange, RecheckItem

#: How much of a commit's subject a table shows.
SUBJECT_CHARACTERS = 60
#: How much of a code id from an old codebook version a table shows.
CODE_CHARACTERS = 64


@main.command()
@click.argument("study", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--code", "code_id", metavar="ID", help="Only this code.")
@click.option("--coder", "coders", metavar="C", multiple=True, help="Only this coder (repeat for more).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: each code's change and turns to recheck.")
def recheck(study: Path, code_id: str | None, coders: tuple[str, ...], as_json: bool) -> None:
    """List the turns coded before their code's definition last changed.

    A code's definition (its definition, include, exclude or examples) is read
    from every committed version of the codebook; a turn is listed when the
    coder's coding of it was committed before the change (renames and merges
    are followed). Turns not committed yet, and turns rechecked under the
    current definition, are not listed. Turns carrying a split code are listed
    too, in git or not. Uncommitted changes to the codebook count once
    committed. Step through the turns with `purer-tui code --recheck`.

    \b
    Example:
      purer-tui recheck
      purer-tui recheck --code reframing --coder ana
    """
    from purer_tui.core.errors import display_path
    from purer_tui.core.safe_text import excerpt, json_safe, one_line
    from purer_tui.services.recheck import find_rechecks

    report = find_rechecks(study, list(coders) or None, code_id, known_coders=True)
    groups: dict[str, list[RecheckItem]] = {}
    for item in report.items:
        groups.setdefault(item.code, []).append(item)
    if as_json:
        data = {
            "repository": report.repository,
            "notes": report.notes,
            "codes": [
                {
                    "code": code,
                    "change": None if items[0].change is None else _change_json(items[0].change),
                    "split": items[0].change is None,
                    "turns": [
                        {
                            "transcript": display_path(item.transcript),
                            "coder": item.coder,
                            "turn": item.turn,
                            "coded_as": item.coded_as,
                            "coded_under": None if item.coded_under is None else asdict(item.coded_under),
                        }
                        for item in items
                    ],
                }
                for code, items in groups.items()
            ],
        }
        click.echo(json_safe(json.dumps(data, indent=1, ensure_ascii=False)))
        return
    for note in report.notes:
        click.echo(one_line(note))
    if not report.items:
        click.echo("Nothing to recheck.")
        return
    for code, items in groups.items():
        change = items[0].change
        if change is None:
            click.echo(one_line(f"{code}: split; its turns wait to be recoded with the codes it was split into"))
        else:
            subject = excerpt(change.subject, SUBJECT_CHARACTERS)
            what = "definition changed" if change.old is not None else "added (these turns were coded as other codes)"
            click.echo(one_line(f'{code}: {what} on {change.date} in commit {change.commit[:7]} "{subject}"'))
        by_coder: dict[str, dict[tuple[str, Path], list[int]]] = {}
        for item in items:
            came = _came_as(item, report.renamed_from.get(code, []))
            by_coder.setdefault(item.coder, {}).setdefault((came, item.transcript), []).append(item.turn)
        for coder, transcripts in by_coder.items():
            count = sum(len(turns) for turns in transcripts.values())
            click.echo(one_line(f"  {coder}: {count} turn(s)"))
            for (came, transcript), turns in sorted(transcripts.items(), key=lambda entry: entry[0][0]):
                numbers = _turn_ranges(turns)
                where = display_path(transcript) + (f", {came}" if came else "")
                click.echo(one_line(f"    {where}: turn{'s' if len(turns) > 1 else ''} {numbers}"))
    codings = len(report.items)
    turns_listed = len({(item.coder, item.transcript, item.turn) for item in report.items})
    click.echo(f"{_count(codings, 'coding')} on {_count(turns_listed, 'turn')} to recheck.")
    click.echo("Next:")
    target = f" {code_id}" if code_id else (f" {next(iter(groups))}" if len(groups) == 1 else "")
    for coder in sorted({item.coder for item in report.items}):
        click.echo(one_line(f"  purer-tui code --recheck{target} --coder {coder}"))


def _came_as(item: RecheckItem, renamed_from: list[str]) -> str:
    """The words "coded as education (merged into reframing)" when the turn was coded under another id, else ""."""
    if item.coded_as is None or item.coded_as == item.code:
        return ""
    how = "renamed to" if item.coded_as in renamed_from else "merged into"
    return f"coded as {item.coded_as} ({how} {item.code})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _turn_ranges(turns: list[int]) -> str:
    """`1, 2, 5-9, 12`: runs of three or more turns shown as a range."""
    runs: list[list[int]] = []
    for turn in sorted(turns):
        if runs and turn == runs[-1][-1] + 1:
            runs[-1].append(turn)
        else:
            runs.append([turn])
    parts = []
    for run in runs:
        parts.extend([f"{run[0]}-{run[-1]}"] if len(run) > 2 else [str(turn) for turn in run])
    return ", ".join(parts)


def _change_json(change: DefinitionChange) -> dict[str, object]:
    return asdict(change)


@codebook.command()
@click.argument("code_id", metavar="[ID]", required=False)
@click.option(
    "--study",
    default=".",
    type=click.Path(path_type=Path),
    help="The study (default: the one around the current folder).",
)
def history(code_id: str | None, study: Path) -> None:
    """Show how each code changed, oldest first, from the codebook's git history.

    One row per change: date, commit, code, what changed (added, definition,
    include, exclude or examples changed, label, key, renamed, removed or
    merged, split) and the commit's subject, fitted to the terminal's width
    (long cells wrap within their column). With ID, only that code's changes
    (followed across renames), and under each definition change what changed
    in each field, word by word: [-removed words-] {+added words+}. Only
    committed versions are read.

    \b
    Example:
      purer-tui codebook history
      purer-tui codebook history reframing
    """
    from purer_tui.core.codebook_changes import DEFINITION, describe_event, word_diff
    from purer_tui.core.safe_text import excerpt, one_line
    from purer_tui.services.recheck import code_history

    events, notes = code_history(study, code_id)
    width = output_width()
    for note in notes:
        for line in _wrapped(one_line(note), width, ""):
            click.echo(line)
    if not events:
        click.echo("The codebook has no committed history yet.")
        return
    rows = [
        [
            event.date,
            event.commit[:7],
            excerpt(event.code, CODE_CHARACTERS),  # read leniently from history: any id, any length
            excerpt(describe_event(event), SUBJECT_CHARACTERS),
            excerpt(event.subject, SUBJECT_CHARACTERS),
        ]
        for event in events
    ]
    header = ["date", "commit", "code", "what changed", "subject"]
    widths = _column_widths([header, *rows], width)
    diffs = code_id is not None and any(event.kind == DEFINITION and event.old and event.new for event in events)
    if diffs:
        click.echo("Changed text is shown as [-removed words-] {+added words+}.")
    for number, row in enumerate([header, *rows]):
        for line in _table_row(row, widths):
            click.echo(line)
        event = events[number - 1] if number else None
        if code_id and event is not None and event.kind == DEFINITION and event.old and event.new:
            for field in event.fields:
                change = word_diff(getattr(event.old, field), getattr(event.new, field))
                for line in _wrapped(f"{field}: {change}", width, " " * DIFF_INDENT, first_indent=" " * 4):
                    click.echo(line)


#: Columns assumed when the output is not a terminal (a pipe or a file): generous, but long texts still wrap.
PIPE_COLUMNS = 120
#: The narrowest layout tried; a narrower terminal gets lines this long.
MIN_COLUMNS = 40
#: The narrowest a code, "what changed" or subject column is squeezed to.
MIN_CELL = 10
#: Where the continuation lines of a field's changed text start.
DIFF_INDENT = 6
GAP = "  "


def output_width() -> int:
    """The terminal's width (or COLUMNS), else PIPE_COLUMNS; never under MIN_COLUMNS."""
    import shutil

    return max(MIN_COLUMNS, shutil.get_terminal_size((PIPE_COLUMNS, 24)).columns)


def _column_widths(rows: list[list[str]], width: int) -> list[int]:
    """Each column's natural width; while the row is wider than `width`, the widest of the code, what-changed
    and subject columns gives up a character (date and commit never wrap)."""
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    flexible = [2, 3, 4]
    while sum(widths) + len(GAP) * (len(widths) - 1) > width:
        widest = max(flexible, key=lambda index: widths[index])
        if widths[widest] <= MIN_CELL:
            break
        widths[widest] -= 1
    return widths


def _table_row(row: list[str], widths: list[int]) -> list[str]:
    """One table row as lines: each cell wrapped within its column (long words broken only when they must)."""
    import textwrap

    cells = [
        textwrap.wrap(cell, width, break_on_hyphens=False) or [""] for cell, width in zip(row, widths, strict=True)
    ]
    lines = []
    for number in range(max(len(cell) for cell in cells)):
        parts = [
            (cell[number] if number < len(cell) else "").ljust(width) for cell, width in zip(cells, widths, strict=True)
        ]
        lines.append(GAP.join(parts).rstrip())
    return lines


def _wrapped(text: str, width: int, indent: str, first_indent: str = "") -> list[str]:
    import textwrap

    return textwrap.wrap(
        text, width, initial_indent=first_indent, subsequent_indent=indent, break_on_hyphens=False
    ) or [first_indent.rstrip()]
