"""The `purer-tui` command line.

Thin by design: parse arguments, call the core, print. Modules beyond click
and the error types are imported inside each command, so `--help` and the
non-UI commands start fast and never load Textual. The commands live in the
modules imported at the bottom, grouped by what they are for.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import click

from purer_tui import __version__
from purer_tui.core.errors import PurerError, UsageError, display_path
from purer_tui.core.safe_text import for_terminal, one_line

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_BUG = 70


class PurerGroup(click.Group):
    """Turns user-facing errors into one line and an exit status; never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except UsageError as error:
            click.echo(f"purer-tui: {one_line(str(error))}", err=True)
            sys.exit(EXIT_USAGE)
        except PurerError as error:
            click.echo(f"purer-tui: {one_line(str(error))}", err=True)
            sys.exit(EXIT_PROBLEMS)
        except KeyboardInterrupt:
            click.echo("purer-tui: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(EXIT_PROBLEMS)
        except OSError as error:  # the machine refused (a full disk, a missing folder, no permission): not a bug
            where = f"{display_path(error.filename)}: " if isinstance(error.filename, str) else ""
            click.echo(
                f"purer-tui: {one_line(where + (error.strerror or str(error)))}; nothing was half-written", err=True
            )
            sys.exit(EXIT_PROBLEMS)
        except Exception as error:  # a bug: say so briefly; the message may hold transcript text, so omit it
            if os.environ.get("PURER_DEBUG"):
                raise
            from purer_tui.services.crash_report import crash_message, write_crash_report

            click.echo(crash_message(error, write_crash_report(error)), err=True)
            sys.exit(EXIT_BUG)


@click.group(cls=PurerGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="purer-tui", message="%(prog)s %(version)s")
def main() -> None:
    """Keyboard-driven qualitative coding of therapy-session transcripts.

    A study is a folder with a purer.toml study file, a TOML codebook and
    transcripts; each coder's annotations are saved beside each transcript as
    X.<coder>.jsonl, ready to share through git.

    \b
    Start with the bundled demo:
      purer-tui demo
      purer-tui check purer-demo
    """


def emit(
    as_json: bool, as_csv: bool, *, json: Callable[[], str], csv: Callable[[], str], readable: Callable[[], None]
) -> None:
    """Print a report in the one format asked for: JSON, CSV, or readable tables."""
    if as_json and as_csv:
        raise UsageError("choose one of --json and --csv")
    if as_json:
        click.echo(json())
    elif as_csv:
        echo_csv(csv())
    else:
        readable()


def confirmed(question: str, doing: str, yes: bool) -> bool:
    """Whether to go on with a change shown first: `--yes`, or the user's answer (default no). Without a
    terminal and without --yes, nothing is asked or changed: say so and exit 1."""
    if yes:
        return True
    if not sys.stdin.isatty():
        click.echo(f"Nothing was changed: re-run with --yes to {doing}.", err=True)
        sys.exit(EXIT_PROBLEMS)
    if not click.confirm(question, default=False):
        click.echo("Nothing was changed.")
        return False
    return True


def echo_csv(text: str) -> None:
    """CSV to standard output: as it is for a file or a pipe, with control characters made visible on a screen."""
    click.echo(for_terminal(text) if sys.stdout.isatty() else text, nl=False)


# The commands register themselves on `main` when imported.
from purer_tui.cli import (  # noqa: E402,F401
    agreement_commands,
    autocode_commands,
    codebook_commands,
    coding,
    interchange_commands,
    recheck_commands,
    report_commands,
    settings_commands,
    similar_commands,
    study_commands,
    suggest_commands,
    teamwork,
)
