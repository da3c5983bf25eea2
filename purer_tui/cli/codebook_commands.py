"""`purer-tui codebook rename|merge|split`: change the codebook and carry every coder's coding with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from purer_tui.cli import confirmed
from purer_tui.cli.report_commands import codebook
from purer_tui.core.errors import PurerError, display_path
from purer_tui.core.safe_text import one_line

if TYPE_CHECKING:
    from purer_tui.services.codebook_operations import OperationPlan

Command = TypeVar("Command", bound=Callable[..., Any])

#: Turn numbers named per file before "...".
TURNS_SHOWN = 20
#: Clashes listed before "... and N more".
CLASHES_SHOWN = 50


def _operation_options(command: Command) -> Command:
    command = click.option("--dry-run", is_flag=True, help="Only show what would change; write nothing.")(command)
    command = click.option("--yes", "-y", is_flag=True, help="Apply without asking.")(command)
    return click.option(
        "--study",
        default=".",
        type=click.Path(path_type=Path),
        help="The study folder (default: the study around the current folder).",
    )(command)


@codebook.command()
@click.argument("old")
@click.argument("new")
@_operation_options
def rename(old: str, new: str, study: Path, yes: bool, dry_run: bool) -> None:
    """Rename code OLD to NEW in the codebook and in every coder's annotation files.

    Its key, label, colour and definition are kept; codes under it and split
    codes naming it follow. Conflict versions, confirmations (rechecked) and
    unplaced records are renamed too. After pulling a teammate's branch that
    still used OLD, run the same command again: it carries their files over.

    \b
    Example:
      purer-tui codebook rename stage-2a attention-regulation --dry-run
      purer-tui codebook rename stage-2a attention-regulation --yes
    """
    from purer_tui.core.study import load_study
    from purer_tui.services.codebook_operations import plan_rename

    _run(plan_rename(load_study(study), old, new), yes, dry_run)


@codebook.command()
@click.argument("codes", nargs=-1, required=True)
@click.option("--into", "into", required=True, help="The code they become: an existing code, or a new id.")
@_operation_options
def merge(codes: tuple[str, ...], into: str, study: Path, yes: bool, dry_run: bool) -> None:
    """Merge CODES into one code: every turn carrying any of them carries --into once.

    --into is an existing code (it may be one of CODES) or a new id (the first
    of CODES is then renamed to it). The merged codes' tables are deleted and
    their keys freed. A turn that would then carry two codes of an exclusive
    group is a clash: every clash is listed and nothing is changed.

    \b
    Example:
      purer-tui codebook merge reframing reappraisal --into reframing
      purer-tui codebook merge stage-2a stage-2b --into stage-2 --yes
    """
    from purer_tui.core.study import load_study
    from purer_tui.services.codebook_operations import plan_merge

    _run(plan_merge(load_study(study), list(codes), into), yes, dry_run)


@codebook.command()
@click.argument("code")
@click.option("--into", "into", required=True, help="Two or more codes, comma-separated: existing codes or new ids.")
@_operation_options
def split(code: str, into: str, study: Path, yes: bool, dry_run: bool) -> None:
    """Split CODE into two or more codes; its turns wait to be recoded with them.

    New codes are added right after CODE (same group and parent; the first
    takes CODE's key) with placeholder definitions for the team to write.
    CODE gets split_into and is applied no more. Annotation files are not
    changed: `purer-tui code --recheck CODE` steps through the turns that
    carry it, offering the new codes.

    \b
    Example:
      purer-tui codebook split education --into education-pain,education-practice
    """
    from purer_tui.core.study import load_study
    from purer_tui.services.codebook_operations import plan_split

    targets = [part.strip() for part in into.split(",") if part.strip()]
    _run(plan_split(load_study(study), code, targets), yes, dry_run)


def _run(plan: OperationPlan, yes: bool, dry_run: bool) -> None:
    from purer_tui.services.codebook_operations import apply

    if plan.nothing_to_do and plan.kind != "split":
        click.echo(one_line(f"Nothing to change: {plan.title.lower()} is done already (codebook and every file)."))
        return
    _show(plan)
    if plan.clashes:
        _show_clashes(plan)
        raise PurerError(
            f"{len(plan.clashes)} turn(s) would carry two codes of an exclusive group; "
            "settle these turns first (or merge into another code); nothing was changed"
        )
    if plan.nothing_to_do:  # a split the codebook already records: only what waits to be recoded
        return
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    if not confirmed("Apply these changes?", "apply these changes", yes):
        return
    apply(plan)
    changed = ["the codebook"] if plan.codebook_after is not None else []
    if plan.files or plan.sidecars:
        changed.append(f"{len(plan.files) + len(plan.sidecars)} annotation file(s)")
    click.echo(f"Done: {' and '.join(changed)} changed.")
    click.echo("Suggested commit message:")
    click.echo("")
    for line in plan.commit_message().split("\n"):
        click.echo(one_line(f"    {line}") if line else "")


def _show(plan: OperationPlan) -> None:
    where = display_path(plan.codebook_path)
    if plan.codebook_after is None:
        click.echo(one_line(f"Codebook {where}: already as it should be."))
    else:
        click.echo(one_line(f"Codebook {where}:"))
        for edit in plan.codebook_changes:
            click.echo(one_line(f"  {edit}"))
    for note in plan.notes:
        click.echo(one_line(note))
    if plan.kind == "split":
        code = plan.subject
        if plan.split_turns:
            for coder, count in plan.split_turns.items():
                click.echo(one_line(f"{coder}: {count} turn(s) carry {code}; recode them with the new codes"))
            click.echo(one_line(f"Then each coder runs: purer-tui code --recheck {code} --coder <coder>"))
        else:
            click.echo(one_line(f"No turn carries {code}: nothing waits to be recoded."))
        return
    if not plan.files and not plan.sidecars:
        click.echo("No annotation file carries these codes.")
        return
    for coder in plan.coders:
        files = [change for change in plan.files if change.coder == coder]
        sidecars = [change for change in plan.sidecars if change.coder == coder]
        turns = sum(len(change.turns) for change in files)
        click.echo(one_line(f"{coder}: {turns} turn(s) in {len(files) + len(sidecars)} file(s)"))
        for change in files:
            named = ", ".join(str(turn) for turn in change.turns[:TURNS_SHOWN])
            more = ", ..." if len(change.turns) > TURNS_SHOWN else ""
            versions = f" ({change.conflict_versions} conflict version(s))" if change.conflict_versions else ""
            click.echo(one_line(f"  {display_path(change.path)}: turn {named}{more}{versions}"))
        for sidecar in sidecars:
            click.echo(one_line(f"  {display_path(sidecar.path)}: {sidecar.records} unplaced record(s)"))


def _show_clashes(plan: OperationPlan) -> None:
    click.echo("Clashes:")
    for clash in plan.clashes[:CLASHES_SHOWN]:
        version = f" ({clash.version} version)" if clash.version else ""
        click.echo(
            one_line(
                f"  {display_path(clash.path)}: {clash.coder}, turn {clash.turn}{version}: "
                f"would carry {' and '.join(clash.codes)}"
            )
        )
    if len(plan.clashes) > CLASHES_SHOWN:
        click.echo(f"  ... and {len(plan.clashes) - CLASHES_SHOWN} more")
