"""Commands load their module only when used: COMMAND_MODULES says where each is, and the command line behaves as
if every module had been imported first (help, errors, suggestions, completion, --version)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

import purer_tui.cli
from purer_tui.cli import COMMAND_MODULES, main

REPOSITORY = Path(__file__).resolve().parents[2]

# Runs each case in a command line imported afresh, as a new process would: nothing but purer_tui.cli loaded first.
FRESH_RUNS = """
import json, sys
from click.testing import CliRunner
results = []
for args, env in json.load(sys.stdin):
    for name in [name for name in sys.modules if name == "purer_tui.cli" or name.startswith("purer_tui.cli.")]:
        del sys.modules[name]
    from purer_tui.cli import main
    result = CliRunner().invoke(main, args, prog_name="purer-tui", env=env)
    failure = None if result.exception is None or isinstance(result.exception, SystemExit) else repr(result.exception)
    loaded = sorted(name.rpartition(".")[2] for name in sys.modules if name.startswith("purer_tui.cli."))
    results.append([result.exit_code, result.stdout, result.stderr, failure, loaded])
print(json.dumps(results))
"""


def import_every_command_module() -> None:
    for module in pkgutil.iter_modules(purer_tui.cli.__path__):
        __import__(f"purer_tui.cli.{module.name}")


def registered(group: click.Group, parent: str = "") -> dict[str, str]:
    """Every command and subcommand registered on `group`, by path, and the module whose import registered it."""
    found: dict[str, str] = {}
    for name, command in group.commands.items():
        path = f"{parent} {name}".strip()
        assert command.callback is not None, path
        found[path] = command.callback.__module__.removeprefix("purer_tui.cli.")
        if isinstance(command, click.Group):
            found |= registered(command, path)
    return found


def cases(paths: list[str]) -> list[tuple[list[str], dict[str, str]]]:
    width = {"COLUMNS": "80"}
    complete = {"_PURER_TUI_COMPLETE": "bash_complete", **width}
    return [
        *[([*path.split(), "--help"], width) for path in ["", *paths]],
        ([], width),
        (["-V"], width),
        (["--version"], width),
        (["stat"], width),
        (["frobnicate", "--csv"], width),
        (["--bogus"], width),
        (["codebook", "shw"], width),
        (["codebook", "rename"], width),
        (["git", "instal"], width),
        (["import", "qdp"], width),
        ([], {**complete, "COMP_WORDS": "purer-tui co", "COMP_CWORD": "1"}),
        ([], {**complete, "COMP_WORDS": "purer-tui codebook ", "COMP_CWORD": "2"}),
        ([], {**complete, "COMP_WORDS": "purer-tui agree --", "COMP_CWORD": "2"}),
    ]


def test_the_table_lists_every_command_its_modules_register_and_no_other() -> None:
    import_every_command_module()
    assert registered(main) == COMMAND_MODULES


def test_a_command_line_loading_modules_on_use_says_what_one_loading_them_all_says() -> None:
    import_every_command_module()
    paths = sorted(registered(main))
    runs = cases(paths)
    fresh = json.loads(
        subprocess.run(
            [sys.executable, "-c", FRESH_RUNS],
            input=json.dumps(runs),
            capture_output=True,
            text=True,
            cwd=REPOSITORY,
            check=True,
            timeout=120,
        ).stdout
    )
    for (args, env), (exit_code, stdout, stderr, failure, loaded) in zip(runs, fresh, strict=True):
        result = CliRunner().invoke(main, args, prog_name="purer-tui", env=env)
        assert failure is None and isinstance(result.exception, SystemExit | None), (args, failure)
        assert (exit_code, stdout, stderr) == (result.exit_code, result.stdout, result.stderr), (args, env)
        assert stdout or stderr, args
        loaded_commands = set(loaded) & set(COMMAND_MODULES.values())
        if args in (["-V"], ["--version"]):
            assert loaded_commands == set(), args
        elif args[-1:] == ["--help"] and args[:-1]:
            assert loaded_commands == modules_needed(" ".join(args[:-1])), args


def modules_needed(path: str) -> set[str]:
    """The command modules `purer-tui PATH --help` needs: those defining PATH and the groups on its way, those of
    its subcommands (a group's help lists them), and those defining the groups these register on."""
    words = path.split()
    needed = {COMMAND_MODULES[" ".join(words[:end])] for end in range(1, len(words) + 1)}
    needed |= {module for command, module in COMMAND_MODULES.items() if command.startswith(f"{path} ")}
    for group in {command.rpartition(" ")[0] for command in COMMAND_MODULES} - {""}:
        if any(module in needed for command, module in COMMAND_MODULES.items() if command.startswith(f"{group} ")):
            needed.add(COMMAND_MODULES[group])
    return needed
