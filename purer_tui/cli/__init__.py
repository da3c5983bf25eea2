"""The `purer-tui` command line.

Thin by design: parse arguments, call the core, print. The commands live in
modules grouped by what they are for; COMMAND_MODULES says which module
registers each command, and a module is imported only when one of its commands
is looked up, so `purer-tui stats` loads the module defining `stats` and no
other. Modules beyond click and the error types are imported inside each
command, so `--help` and the non-UI commands start fast and never load Textual.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import click

from purer_tui import __version__
from purer_tui.core.errors import PurerError, UsageError, display_path
from purer_tui.core.safe_text import for_terminal, one_line

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_BUG = 70

COMMAND_MODULES: dict[str, str] = {
    "agree": "agreement_commands",
    "autocode": "autocode_commands",
    "check": "study_commands",
    "code": "coding",
    "codebook": "report_commands",
    "codebook history": "recheck_commands",
    "codebook import": "interchange_commands",
    "codebook merge": "codebook_commands",
    "codebook rename": "codebook_commands",
    "codebook show": "report_commands",
    "codebook split": "codebook_commands",
    "config": "settings_commands",
    "demo": "study_commands",
    "disagreements": "agreement_commands",
    "export": "interchange_commands",
    "git": "teamwork",
    "git install": "teamwork",
    "git merge-driver": "teamwork",
    "git resolve": "teamwork",
    "git status": "teamwork",
    "git textconv": "teamwork",
    "import": "interchange_commands",
    "import qdpx": "interchange_commands",
    "init": "study_commands",
    "progress": "report_commands",
    "report": "report_commands",
    "quotes": "report_commands",
    "reanchor": "teamwork",
    "recheck": "recheck_commands",
    "sequences": "report_commands",
    "similar": "similar_commands",
    "stats": "report_commands",
    "suggest": "suggest_commands",
    "turns": "study_commands",
}
"""Every command and subcommand ("codebook rename"), and the module of purer_tui.cli that registers it on its
group when imported. A test holds this to what the modules register."""


class ModuleCommands(MutableMapping[str, click.Command]):
    """A group's commands, as click's `Group.commands`: looking one up imports the module COMMAND_MODULES names
    for it (which registers it); listing them all imports every module of the group."""

    def __init__(self, group_path: str) -> None:
        self._group_path = group_path
        self._registered: dict[str, click.Command] = {}

    def _modules(self, name: str | None = None) -> list[str]:
        """The modules registering this group's command `name`, or all of its commands (in the table's order)."""
        found: list[str] = []
        for path, module in COMMAND_MODULES.items():
            group_path, _, command = path.rpartition(" ")
            if group_path == self._group_path and name in (None, command) and module not in found:
                found.append(module)
        return found

    def _import(self, modules: list[str]) -> None:
        for module in modules:
            __import__(f"{__name__}.{module}")  # as `import` does, so `python -X importtime` lists it

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._registered:
            self._import(self._modules(name))
        return self._registered[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._registered[name] = command

    def __delitem__(self, name: str) -> None:
        del self._registered[name]

    def __iter__(self) -> Iterator[str]:
        self._import(self._modules())
        return iter(self._registered)

    def __len__(self) -> int:
        self._import(self._modules())
        return len(self._registered)


class CommandGroup(click.Group):
    """A group whose commands are registered by their modules when first looked up (see ModuleCommands)."""

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.commands = ModuleCommands(self.table_path())

    def table_path(self) -> str:
        """This group's path in COMMAND_MODULES: a subgroup's is its name."""
        return self.name or ""


class PurerGroup(CommandGroup):
    """The top-level group: turns user-facing errors into one line and an exit status; never a traceback."""

    group_class = CommandGroup

    def table_path(self) -> str:
        return ""

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


def bootstrap_options(what: str) -> Callable[[Any], Any]:
    """`--boot N` and `--seed S`: the resamples of a bootstrap interval (`what` they are for, for the help)."""

    def decorate(command: Any) -> Any:
        command = click.option(
            "--seed",
            type=click.IntRange(0),
            default=0,
            show_default=True,
            help=f"{what}the same seed, the same interval.",
        )(command)
        return click.option(
            "--boot",
            "replicates",
            type=click.IntRange(100, 100_000),
            default=1000,
            show_default=True,
            help=f"{what}resamples drawn.",
        )(command)

    return decorate


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
