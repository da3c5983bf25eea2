"""`purer-tui autocode`: code every turn that matches a phrase or a pattern, after showing each one."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from purer_tui.cli import confirmed, main
from purer_tui.core.errors import UsageError
from purer_tui.core.safe_text import excerpt, one_line

if TYPE_CHECKING:
    from purer_tui.core.turn_matching import Excerpt
    from purer_tui.services.autocode import AutocodePlan, MatchedTurn

#: Characters of a speaker's name shown on a turn's line.
SPEAKER_CHARACTERS = 24


@main.command()
@click.argument("code")
@click.option("--coder", required=True, help="The coder whose annotation files get the code.")
@click.option("--new-coder", is_flag=True, help="--coder has coded nothing in this study yet: start them.")
@click.option("--text", "words", help="Words to find as a phrase: literal, ignoring case (as the app's search).")
@click.option("--pattern", help="A Python regular expression to find instead (add (?i) to ignore case).")
@click.option("--speaker", help="Only the turns of this speaker (ignoring case).")
@click.option("--role", help="Only the turns of speakers of this role (the study's [roles]).")
@click.option("--transcripts", "transcripts_glob", help="Only transcripts whose name or path matches this glob.")
@click.option(
    "--study",
    default=".",
    type=click.Path(path_type=Path),
    help="The study folder (default: the study around the current folder).",
)
@click.option(
    "--as-suggestions",
    is_flag=True,
    help="Queue the turns for the coder to confirm in the app (purer-tui code) instead of applying the code.",
)
@click.option("--yes", "-y", is_flag=True, help="Apply (or queue) without asking.")
@click.option("--dry-run", is_flag=True, help="Only show the matching turns; write nothing.")
def autocode(
    code: str,
    coder: str,
    new_coder: bool,
    words: str | None,
    pattern: str | None,
    speaker: str | None,
    role: str | None,
    transcripts_glob: str | None,
    study: Path,
    as_suggestions: bool,
    yes: bool,
    dry_run: bool,
) -> None:
    """Apply CODE, as --coder, to every turn whose text matches --text or --pattern.

    Every matching turn is shown with the match highlighted, and what would
    happen to it. The code is added to the turn's codes (memo, flag and other
    codes stay) and the turn becomes reviewed. Turns that carry the code
    already, turns of speakers the code is not for (its group's roles), turns
    carrying another code of its exclusive group, turns in a merge conflict
    and files being coded in another process are listed and left alone.

    With --as-suggestions the code is not applied: the turns that would get
    it are queued (in the study's git-ignored .purer folder) for the coder to
    confirm in the app, where `n` goes to them and ctrl+a accepts.

    \b
    Example:
      purer-tui autocode phenomenology --coder ana --text "notice" --role staff --dry-run
      purer-tui autocode stage-2a --coder ana --pattern '(?i)\\bbreath(e|ing)?\\b' --yes
      purer-tui autocode education --coder ana --text "practice" --as-suggestions
    """
    from purer_tui.core.turn_matching import pattern_matcher, phrase_matcher
    from purer_tui.services.autocode import plan_autocode

    if (words is None) == (pattern is None):
        raise UsageError("give one of --text WORDS and --pattern REGEX")
    matcher = phrase_matcher(words) if words is not None else pattern_matcher(pattern or "")
    plan = plan_autocode(
        study,
        code,
        coder,
        matcher,
        speaker=speaker,
        role=role,
        transcripts_glob=transcripts_glob,
        new_coder=new_coder,
        to_queue=as_suggestions,
    )
    _show(plan, sys.stdout.isatty())
    if as_suggestions:
        _queue(plan, f"autocode {'--text' if words is not None else '--pattern'}", yes, dry_run)
        return
    _run(plan, "from a text search" if words is not None else "from a pattern", yes, dry_run)


def _go_ahead(plan: AutocodePlan, verb: str, done: str, question: str, doing: str, yes: bool, dry_run: bool) -> bool:
    """Whether to write: there is something to do, it is no dry run, and the coder said yes (or --yes)."""
    if not plan.to_apply:
        click.echo(f"Nothing to {verb}: no matching turn can take {plan.code}.")
        return False
    if dry_run:
        click.echo(f"Dry run: nothing was {done}.")
        return False
    return confirmed(question, doing, yes)


def _queue(plan: AutocodePlan, source: str, yes: bool, dry_run: bool) -> None:
    from purer_tui.services.autocode import queue_autocode

    count = len(plan.to_apply)
    question = f"Queue {plan.code} as a suggestion on {count} turn(s) for {plan.coder}?"
    if not _go_ahead(plan, "queue", "queued", question, "queue these suggestions", yes, dry_run):
        return
    queued = queue_autocode(plan, source)
    if queued.notice:
        click.echo(f"Note: {queued.notice}; it is replaced.")
    left = (
        f"; left alone: {queued.changed_meanwhile} turn(s) changed since they were shown"
        if queued.changed_meanwhile
        else ""
    )
    already = f" ({queued.already} were queued already)" if queued.already else ""
    click.echo(
        f"Queued {plan.code} as a suggestion on {queued.added + queued.already} turn(s){already}{left}; "
        f"{queued.waiting} turn(s) wait for {plan.coder} in all."
    )
    click.echo(
        f"Review them with `purer-tui code --coder {plan.coder}`: n goes to them, ctrl+a accepts the "
        "suggested codes, enter leaves them off. Nothing was applied."
    )


def _run(plan: AutocodePlan, how: str, yes: bool, dry_run: bool) -> None:
    from purer_tui.services.autocode import apply_autocode

    count = len(plan.to_apply)
    question = f"Apply {plan.code} to {count} turn(s) as {plan.coder}?"
    if not _go_ahead(plan, "apply", "changed", question, "apply the code to these turns", yes, dry_run):
        return
    applied = apply_autocode(plan)
    left = []
    if applied.changed_meanwhile:
        left.append(f"{applied.changed_meanwhile} turn(s) changed since they were shown")
    if applied.locked_meanwhile:
        left.append(f"{applied.locked_meanwhile} turn(s) in files another process began coding")
    click.echo(
        f"Done: {plan.code} applied to {applied.turns} turn(s) in {applied.files} annotation file(s) as {plan.coder}"
        + (f"; left alone: {', '.join(left)}" if left else "")
        + "."
    )
    if not applied.turns:
        return
    click.echo("Suggested commit message:")
    click.echo("")
    for line in applied.commit_message(plan.code, plan.coder, how).split("\n"):
        click.echo(f"    {line}" if line else "")


def _show(plan: AutocodePlan, on_terminal: bool) -> None:
    from purer_tui.services.autocode import Outcome

    grouped = plan.per_transcript()
    for path, turns in grouped.items():
        click.echo(one_line(f"{path.relative_to(plan.study.root).as_posix()}: {len(turns)} matching turn(s)"))
        for turn in turns:
            click.echo(_turn_line(plan, turn, on_terminal))
    total = len(plan.turns)
    if not total:
        click.echo(f"No matching turn in {len(plan.transcripts)} transcript(s).")
        return
    parts = [f"{plan.count(Outcome.APPLY)} to code"]
    named = {
        Outcome.ALREADY: f"already carry {plan.code}",
        Outcome.OTHER_ROLE: "not for their speaker's role",
        Outcome.NO_CODE: f"decided by {plan.coder} as no code applying (left alone)",
        Outcome.CLASH: "clash with the exclusive group (listed, not applied)",
        Outcome.CONFLICT: "in a merge conflict",
        Outcome.STALE: "in files that no longer match their transcript (run purer-tui reanchor)",
        Outcome.LOCKED: "in files another process is coding (skipped)",
    }
    parts += [f"{plan.count(outcome)} {words}" for outcome, words in named.items() if plan.count(outcome)]
    click.echo(
        f"{total} matching turn(s) in {len(grouped)} of {len(plan.transcripts)} transcript(s): {', '.join(parts)}."
    )


def _turn_line(plan: AutocodePlan, turn: MatchedTurn, on_terminal: bool) -> str:
    from purer_tui.services.autocode import Outcome

    speaker = excerpt(turn.speaker, SPEAKER_CHARACTERS) or "(no speaker)"
    note = ""
    if turn.outcome is Outcome.CLASH:
        note = f"  [clash: carries {', '.join(turn.clashing)}]"
    elif turn.outcome is Outcome.OTHER_ROLE:
        roles = ", ".join(plan.codebook.group(plan.codebook.code(plan.code).group).roles)
        note = f"  [not for {turn.role or 'this speaker'}: {plan.code} is for {roles} turns]"
    elif turn.outcome is Outcome.NO_CODE:
        note = f"  [{plan.coder} decided no code applies: left alone]"
    elif turn.outcome is not Outcome.APPLY:
        note = f"  [{turn.outcome.value}]"
    head = f"  turn {turn.turn}  {speaker}: "
    found = turn.excerpt
    if on_terminal:  # one line per turn, never broken mid-word by the terminal
        found = found.fitted(shutil.get_terminal_size().columns - len(head) - len(note) - 1)
    return f"{head}{_highlighted(found, on_terminal)}{one_line(note)}"


def _highlighted(found: Excerpt, on_terminal: bool) -> str:
    if not on_terminal:
        return found.marked()
    return found.before + click.style(found.match, reverse=True, bold=True) + found.after
