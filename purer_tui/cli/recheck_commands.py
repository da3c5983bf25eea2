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
    merged, split) and the commit's subject. With ID, only that code's
    changes (followed across renames), with the old and new text of each
    definition change. Only committed versions are read.

    \b
    Example:
      purer-tui codebook history
      purer-tui codebook history reframing
    """
    from purer_tui.core.codebook_changes import DEFINITION, describe_event
    from purer_tui.core.safe_text import excerpt, one_line
    from purer_tui.services.recheck import code_history

    events, notes = code_history(study, code_id)
    for note in notes:
        click.echo(one_line(note))
    if not events:
        click.echo("The codebook has no committed history yet.")
        return
    rows = [
        (
            event.date,
            event.commit[:7],
            excerpt(event.code, CODE_CHARACTERS),  # read leniently from history: any id, any length
            excerpt(describe_event(event), SUBJECT_CHARACTERS),
            excerpt(event.subject, SUBJECT_CHARACTERS),
        )
        for event in events
    ]
    header = ("date", "commit", "code", "what changed", "subject")
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(4)]
    for number, row in enumerate([header, *rows]):
        line = "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=False)) + "  " + row[4]
        click.echo(one_line(line.rstrip()))
        event = events[number - 1] if number else None
        if code_id and event is not None and event.kind == DEFINITION and event.old and event.new:
            for field in event.fields:
                click.echo(one_line(f"    before, {field}: {_field_text(getattr(event.old, field))}"))
                click.echo(one_line(f"    after,  {field}: {_field_text(getattr(event.new, field))}"))


def _field_text(value: str | tuple[str, ...]) -> str:
    if isinstance(value, tuple):
        return " | ".join(" ".join(item.split()) for item in value) or "(none)"
    return " ".join(value.split()) or "(none)"
