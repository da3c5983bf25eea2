"""`purer-tui code`: the coding app, the only command that imports Textual."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from purer_tui.cli import main
from purer_tui.core.coders import CONSENSUS_CODER
from purer_tui.core.errors import UsageError

if TYPE_CHECKING:
    from purer_tui.core.user_settings import UserSettings
    from purer_tui.services.coding_setup import PreparedSession


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--coder", help="Your coder id (default: $PURER_CODER, else coder in your settings file, else your login name)."
)
@click.option(
    "--codebook",
    "codebook_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Use this codebook instead of the study's.",
)
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="SPEAKER",
    help="Step only through this speaker's turns, or a role's (repeatable; case is ignored).",
)
@click.option("--show-coders", is_flag=True, help="Show other coders' codes on each turn, read-only.")
@click.option(
    "--auto-advance/--no-auto-advance",
    "auto_advance",
    default=None,
    help="A code key of an exclusive group also goes to the next turn "
    "(default: auto_advance in your settings file, else off; see purer-tui config).",
)
@click.option(
    "--adjudicate",
    metavar="A,B",
    help="Step only through turns coders A and B coded differently, and settle each for the consensus coder.",
)
@click.option(
    "--as",
    "consensus",
    default=CONSENSUS_CODER,
    show_default=True,
    help="With --adjudicate: the coder id the consensus is saved as.",
)
@click.option(
    "--recheck",
    "recheck",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[ID]",
    help="Step only through your turns coded before a code's definition last changed (or only ID's), "
    "and turns carrying a split code; enter confirms each as current (see purer-tui recheck).",
)
def code(
    paths: tuple[Path, ...],
    coder: str | None,
    codebook_path: Path | None,
    only: tuple[str, ...],
    show_coders: bool,
    auto_advance: bool | None,
    adjudicate: str | None,
    consensus: str,
    recheck: str | None,
) -> None:
    """Code transcripts turn by turn, one key per code.

    PATHS are study folders or transcript files (default: the study around
    the current folder). Opens where you left off. Every change is saved the
    moment you make it; there is no save key. Press ? in the app for all keys.

    \b
    Example:
      purer-tui code --coder ana
      purer-tui code transcripts/grp1-s02.txt --only "Participant 2"
      purer-tui code --adjudicate ana,ben --as consensus
      purer-tui code --recheck phenomenology --coder ana

    Adjudicating first puts every turn both coders decided alike into the
    consensus, then shows both coders' codes and memos on each turn they
    decided differently: < takes the first coder's codes, > the second's,
    + both, - none, and code keys edit. The consensus is saved as an ordinary
    coder's annotation file, and consensus.toml records whom it settles.

    Your own keys, auto_advance, theme and coder id can be kept in
    ~/.config/purer-tui/config.toml (purer-tui config shows what applies).
    """
    from purer_tui.services.coding_setup import (
        AdjudicationDone,
        prepare_adjudication,
        prepare_session,
    )

    user = load_checked_user_settings()
    if recheck is not None:
        if adjudicate is not None or codebook_path is not None or show_coders:
            raise UsageError(
                "--recheck uses the study's codebook and your own turns; leave out --adjudicate, "
                "--codebook and --show-coders"
            )
        from purer_tui.services.coding_setup import RecheckDone, prepare_recheck

        prepared_recheck = prepare_recheck(list(paths), coder, recheck or None, only, user)
        if isinstance(prepared_recheck, RecheckDone):
            click.echo(prepared_recheck.summary)
            return
        run_app(prepared_recheck)
        return
    if adjudicate is None:
        run_app(
            prepare_session(
                list(paths), coder, codebook_path, list(only), show_coders, auto_advance=auto_advance, user=user
            )
        )
        return
    names = [name.strip() for name in adjudicate.split(",") if name.strip()]
    if len(names) != 2:
        raise UsageError("--adjudicate takes two coder ids, like --adjudicate ana,ben")
    if coder is not None or show_coders:
        raise UsageError(
            "--adjudicate codes as the consensus coder (--as) and shows both coders; "
            "leave out --coder and --show-coders"
        )
    prepared = prepare_adjudication(list(paths), (names[0], names[1]), consensus, codebook_path, only, user)
    if isinstance(prepared, AdjudicationDone):
        click.echo(prepared.summary)
        return
    run_app(prepared)


def load_checked_user_settings() -> UserSettings:
    """The user's settings file, with its theme checked against Textual's before anything starts."""
    from purer_tui.core.user_settings import load_user_settings

    user = load_user_settings()
    if user.theme is not None:
        from textual.theme import BUILTIN_THEMES  # `code` starts Textual anyway

        if user.theme not in BUILTIN_THEMES:
            raise user.error(
                "theme",
                f'"{user.theme}" is not a Textual theme; use one of {", ".join(sorted(BUILTIN_THEMES))}, '
                "or remove the line",
            )
    return user


def run_app(prepared: PreparedSession) -> None:
    """Start the Textual app: the only place the command line imports Textual."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        prepared.session.close()
        prepared.locks.release()
        raise UsageError("the coding app needs a terminal; run it in one (over SSH: ssh -t)")
    from purer_tui.tui.run import run_coding_app

    sys.exit(run_coding_app(prepared))
