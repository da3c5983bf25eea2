"""Commands for teams that share a study through git: `purer-tui git ...` and `purer-tui reanchor`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from purer_tui.cli import EXIT_PROBLEMS, confirmed, main
from purer_tui.core.errors import UsageError, display_path
from purer_tui.core.safe_text import one_line

if TYPE_CHECKING:
    from purer_tui.core.annotation_records import AnnotationRecord, TurnVersion
    from purer_tui.core.codebook import Codebook


@main.group()
def git() -> None:
    """Git integration: readable diffs, a merge driver keyed by turn, set-up, resolving conflicts.

    \b
    Example:
      purer-tui git install        # once in each clone
      purer-tui git status
      git merge other-branch       # annotation files now merge turn by turn
      purer-tui git resolve        # settle turns both sides changed
    """


@git.command()
@click.argument("file", type=click.Path(path_type=Path))
def textconv(file: Path) -> None:
    """Print an annotation file as one readable line per reviewed turn (git's diff.purer.textconv).

    \b
    Example:
      purer-tui git textconv transcripts/grp1-s01.ana.jsonl
    """
    from purer_tui.gitwork.textconv import textconv as render

    try:
        click.echo(render(file), nl=False)
    except Exception:  # git diff must never break: fall back to the file as it is, made safe to show
        from purer_tui.core.safe_text import visible_controls

        click.echo(visible_controls(file.read_bytes()[: 1 << 20].decode("utf-8", errors="replace")), nl=False)


@git.command("merge-driver")
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("ours", type=click.Path(path_type=Path))
@click.argument("theirs", type=click.Path(path_type=Path))
@click.argument("pathname", required=False, default="")
def merge_driver(base: Path, ours: Path, theirs: Path, pathname: str) -> None:
    """Three-way merge of an annotation file, keyed by turn (git's merge.purer.driver: %O %A %B %P).

    Writes the result over OURS. Exits 0 when every turn merged, 1 when some
    turn was changed differently on both sides: those turns keep both versions
    and `purer-tui git resolve` settles them.

    \b
    Example (what git runs):
      purer-tui git merge-driver %O %A %B %P
    """
    from purer_tui.core.durable import atomic_write_text
    from purer_tui.core.errors import InvalidFileError
    from purer_tui.gitwork.merge import merge_files

    name = pathname or ours.name
    try:
        result = merge_files(base, ours, theirs)
    except InvalidFileError as error:
        click.echo(
            one_line(
                f"purer-tui merge: {name}: cannot merge turn by turn ({error.message}); "
                f"ours is left in place, theirs is `git checkout --theirs {name}`"
            ),
            err=True,
        )
        sys.exit(EXIT_PROBLEMS)
    atomic_write_text(ours, result.render())
    if result.conflicts:
        turns = ", ".join(str(turn) for turn in result.conflicts[:10]) + (" ..." if len(result.conflicts) > 10 else "")
        click.echo(
            one_line(
                f"purer-tui merge: {name}: turns changed differently on both sides ({turns}); "
                f"both versions are kept: run `purer-tui git resolve {name}`"
            ),
            err=True,
        )
        sys.exit(EXIT_PROBLEMS)


@git.command()
@click.option(
    "--global",
    "global_config",
    is_flag=True,
    help="Set the driver config in your global git config (for every clone on this machine).",
)
def install(global_config: bool) -> None:
    """Set up the readable diff and the merge driver for the repository here (idempotent).

    Writes `*.jsonl diff=purer merge=purer text eol=lf` to .gitattributes (commit
    it) and the diff.purer / merge.purer config. Git does not copy config into
    clones: every clone runs this once (or use --global once per machine).

    \b
    Example:
      cd my-study && purer-tui git install
    """
    from purer_tui.gitwork.setup import install as install_drivers

    for line in install_drivers(Path("."), global_config):
        click.echo(line)


@git.command()
def status() -> None:
    """Tell whether the diff and merge drivers are set up here; exit 1 when something is missing.

    \b
    Example:
      purer-tui git status
    """
    from purer_tui.gitwork.setup import status as driver_status

    checks = driver_status(Path("."))
    for check in checks:
        click.echo(f"{'ok' if check.ok else 'missing'}: {check.message}")
    if not all(check.ok for check in checks):
        click.echo("Run `purer-tui git install` to set them up.", err=True)
        sys.exit(EXIT_PROBLEMS)


@git.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--ours", "choice", flag_value="ours", help="Settle every conflict with our side.")
@click.option("--theirs", "choice", flag_value="theirs", help="Settle every conflict with their side.")
@click.option(
    "--both",
    "choice",
    flag_value="both",
    help="Settle every conflict with both sides' codes (refused where an exclusive group would get two).",
)
def resolve(paths: tuple[Path, ...], choice: str | None) -> None:
    """Settle turns that a merge found changed differently on both sides, turn by turn.

    PATHS are annotation files or study folders (default: the study around the
    current folder). In a terminal it asks about each turn; otherwise pass
    --ours, --theirs or --both. Then `git add` the files and commit.

    \b
    Example:
      purer-tui git resolve transcripts/grp1-s01.ana.jsonl
      purer-tui git resolve --theirs
    """
    from purer_tui.gitwork.resolve import conflicted_turns, resolve_file

    files, codebook = _annotation_files_of(list(paths) or [Path(".")])
    conflicted = [path for path in files if conflicted_turns(path)]
    if not conflicted:
        click.echo("No merge conflicts to settle.")
        return
    if choice is None and not sys.stdin.isatty():
        raise UsageError("not in a terminal: pass --ours, --theirs or --both")
    any_refused = False
    for path in conflicted:
        decide = (lambda record, chosen=choice: chosen) if choice else _asker(path, codebook)
        refused: list[str] = []
        try:
            settled = resolve_file(path, decide, codebook, refused)
        except _Quit:
            click.echo("Stopped; the turns not settled keep both versions.")
            return
        for reason in refused:
            click.echo(one_line(f"{display_path(path)}: {reason}; it keeps both versions"), err=True)
        left = len(conflicted_turns(path))
        click.echo(
            one_line(
                f"{display_path(path)}: settled {settled} turn(s){f', {left} left' if left else '; now `git add` it'}"
            )
        )
        any_refused = any_refused or bool(refused)
    if any_refused:
        sys.exit(EXIT_PROBLEMS)


class _Quit(Exception):
    pass


def _asker(path: Path, codebook: Codebook | None) -> Callable[[AnnotationRecord], str | None]:
    from purer_tui.core.annotation_records import describe_version
    from purer_tui.core.safe_text import visible_controls
    from purer_tui.gitwork.resolve import settled

    def describe(version: TurnVersion | None) -> str:
        text = f"({describe_version(version)})"
        return text + (
            f" | memo: {visible_controls(' '.join(version.memo.split()))}"
            if version is not None and version.memo
            else ""
        )

    def decide(record: AnnotationRecord) -> str | None:
        assert record.conflict is not None
        click.echo("\n" + one_line(f"{display_path(path)} turn {record.turn}"))
        click.echo(f"  ours:   {describe(record.conflict.ours)}")
        click.echo(f"  theirs: {describe(record.conflict.theirs)}")
        for version in record.conflict.more:
            click.echo(f"  also:   {describe(version)}")
        while True:
            answer = click.prompt(
                "  [o]urs, [t]heirs, [b]oth, [s]kip, [q]uit", type=click.Choice(list("otbsq")), show_choices=False
            )
            if answer == "q":
                raise _Quit
            if answer == "s":
                return None
            chosen = {"o": "ours", "t": "theirs", "b": "both"}[answer]
            try:
                settled(record, chosen, codebook)
            except ValueError as error:
                click.echo(f"  {error}")
                continue
            return chosen

    return decide


def _annotation_files_of(paths: list[Path]) -> tuple[list[Path], Codebook | None]:
    """Annotation files named directly, or every one of the studies named; and the codebook when known."""
    from purer_tui.core.annotation_paths import AnnotationFinder
    from purer_tui.core.errors import PurerError
    from purer_tui.core.study import load_study

    files: list[Path] = []
    codebook: Codebook | None = None
    finder = AnnotationFinder()
    for path in paths:
        if path.is_file() and path.suffix == ".jsonl":
            files.append(path)
            continue
        study = load_study(path)
        try:
            codebook = codebook or study.load_codebook()
        except PurerError:
            codebook = None
        for transcript in study.transcript_paths():
            files.extend(finder.files(transcript).values())
    return files, codebook


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--old",
    "old_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The transcript version the codes were made on (default: found in git history).",
)
@click.option("--yes", is_flag=True, help="Rewrite without asking.")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
def reanchor(paths: tuple[Path, ...], old_file: Path | None, yes: bool, dry_run: bool) -> None:
    """Move codes along with transcript corrections (inserted, deleted or edited turns).

    For each annotation file whose anchors no longer match its transcript,
    finds the version it was coded on (git history, or --old), follows every
    coded turn to its new place, keeps codes on lightly edited turns only when
    the match is unambiguous, and lists what it cannot place. Files are
    rewritten only when you confirm; unplaced records are kept in
    X.<coder>.unplaced.jsonl, never dropped.

    \b
    Example:
      purer-tui reanchor --dry-run
      purer-tui reanchor transcripts/grp1-s02.txt --old ~/grp1-s02.before.txt
    """
    from purer_tui.core.annotation_paths import AnnotationFinder, unplaced_path
    from purer_tui.core.reanchor import Outcome
    from purer_tui.core.study import resolve_transcripts
    from purer_tui.services.reanchoring import apply, plan_transcript

    _, transcripts = resolve_transcripts(list(paths) or [Path(".")], needs_study=False)
    if old_file is not None and len(transcripts) != 1:
        raise UsageError("--old goes with exactly one transcript; name it")
    finder = AnnotationFinder()
    plans = [plan for transcript in transcripts for plan in plan_transcript(transcript, old_file, finder)]
    if not plans:
        click.echo("Every annotation file matches its transcript: nothing to re-anchor.")
        return
    for file_plan in plans:
        counts = {outcome: 0 for outcome in Outcome}
        for placement in file_plan.plan.placements:
            counts[placement.outcome] += 1
        source = (
            f"coded on the version in {file_plan.old_source}"
            if file_plan.old_source
            else "the version it was coded on was not found: only unchanged turns can be followed"
        )
        click.echo(
            one_line(
                f"{display_path(file_plan.path)}: {counts[Outcome.UNCHANGED]} unchanged, "
                f"{counts[Outcome.MOVED]} moved, {counts[Outcome.EDITED]} kept on lightly edited turns, "
                f"{counts[Outcome.UNPLACED]} unplaced ({source})"
            )
        )
        for placement in file_plan.plan.changes:
            record = placement.record
            codes = ", ".join(record.codes) or "no code"
            if placement.outcome is Outcome.UNPLACED:
                click.echo(
                    one_line(
                        f"  turn {record.turn} ({codes}): cannot be placed (deleted, rewritten or ambiguous) "
                        f"-> {unplaced_path(file_plan.path).name}"
                    )
                )
            elif placement.outcome is Outcome.EDITED:
                click.echo(
                    f"  turn {record.turn} -> {placement.new_turn} ({codes}): "
                    f"text edited, {placement.similarity:.0%} alike"
                )
            else:
                click.echo(f"  turn {record.turn} -> {placement.new_turn} ({codes})")
    if dry_run:
        return
    if not confirmed(f"Rewrite {len(plans)} annotation file(s)?", "rewrite these files", yes):
        return
    apply(plans)
    click.echo(f"Re-anchored {len(plans)} file(s).")
