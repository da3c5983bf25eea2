"""`purer-tui git install` and `git status`: wiring the diff and merge drivers into git.

Git does not carry driver configuration in a clone, and when a driver named
in `.gitattributes` is not configured it silently falls back to a line merge.
So the attributes (committed, shared) and the config (per clone or global)
are installed together and checked together, and `check` warns when a study
in a git repository lacks them.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.durable import atomic_write_text
from purer_tui.core.errors import Problem, UsageError
from purer_tui.core.study_files import read_plain_file
from purer_tui.gitwork.repository import git, work_tree_of

ATTRIBUTES_LINE = "*.jsonl diff=purer merge=purer text eol=lf"


#: What a study's git repository should never track: a coding session's transient files.
GITIGNORE_LINES = (
    "# purer-tui: locks and journals of open coding sessions (transient, never shared)",
    ".*.lock",
    ".*.journal",
    "# purer-tui: a save interrupted by a crash (its content is still in the file it was saving)",
    ".*.tmp",
)


def ensure_gitignore(folder: Path) -> bool:
    """Add purer-tui's transient files to the study's .gitignore, keeping what is there; True when it added any."""
    path = folder / ".gitignore"
    try:
        existing = read_plain_file(path, "git ignore file", MAX_GITIGNORE_BYTES).decode("utf-8", errors="replace")
    except FileNotFoundError:
        existing = ""
    missing = [line for line in GITIGNORE_LINES if line not in existing.splitlines()]
    if missing:
        prefix = existing if not existing or existing.endswith("\n") else existing + "\n"
        atomic_write_text(path, prefix + "\n".join(missing) + "\n")
    return bool(missing)


MAX_GITIGNORE_BYTES = 1024 * 1024


def launcher() -> str:
    """How git should start purer-tui: this interpreter, so it works without the venv on PATH."""
    return f"{shlex.quote(sys.executable)} -m purer_tui"


def driver_config() -> dict[str, str]:
    return {
        "diff.purer.textconv": f"{launcher()} git textconv",
        "merge.purer.name": "purer-tui annotation merge, keyed by turn",
        "merge.purer.driver": f"{launcher()} git merge-driver %O %A %B %P",
    }


@dataclass(frozen=True)
class Check:
    ok: bool
    message: str


def install(start: Path, global_config: bool) -> list[str]:
    """Write the attributes line (in a repository) and the driver config; idempotent."""
    top = work_tree_of(start)
    done = []
    if top is None and not global_config:
        raise UsageError(f"{start.absolute()} is not in a git repository; run `git init` first, or use --global")
    if top is not None:
        if ensure_gitignore(top):
            done.append(
                f"added purer-tui's transient files (locks, journals, interrupted saves) to {top / '.gitignore'}"
            )
        attributes = top / ".gitattributes"
        existing = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
        if ATTRIBUTES_LINE not in existing.splitlines():
            prefix = existing if not existing or existing.endswith("\n") else existing + "\n"
            atomic_write_text(attributes, prefix + ATTRIBUTES_LINE + "\n")
            done.append(f"added `{ATTRIBUTES_LINE}` to {attributes} (commit it: it travels with the study)")
        else:
            done.append(f"{attributes} already has the purer attributes")
    scope = ["--global"] if global_config else ["--local"]
    for key, value in driver_config().items():
        git(["config", *scope, key, value], cwd=top or start)
    done.append(f"set {', '.join(driver_config())} in the {'global' if global_config else 'repository'} git config")
    return done


def status(start: Path) -> list[Check]:
    """Whether the attributes and the driver config are in place for the repository at `start`."""
    top = work_tree_of(start)
    if top is None:
        return [Check(False, f"{start.absolute()} is not in a git repository")]
    checks = []
    # One git process per question (`check` asks them all): it lists which of the names it ignores.
    names = (".x.ana.jsonl.journal", ".x.ana.lock", ".x.ana.jsonl.1-00000000.tmp")
    ignored = git(["check-ignore", "--no-index", "--", *names], cwd=top, check=False).stdout.splitlines()
    all_ignored = set(ignored) == set(names)
    checks.append(
        Check(
            all_ignored,
            ".gitignore keeps locks, journals and interrupted saves out of git"
            if all_ignored
            else ".gitignore does not keep purer-tui's locks, journals and interrupted saves out of git",
        )
    )
    attributes = git(["check-attr", "diff", "merge", "--", "x.ana.jsonl"], cwd=top).stdout
    has_attributes = "diff: purer" in attributes and "merge: purer" in attributes
    checks.append(
        Check(
            has_attributes,
            ".gitattributes routes *.jsonl to the purer diff and merge drivers"
            if has_attributes
            else ".gitattributes does not route *.jsonl to the purer drivers",
        )
    )
    configured: dict[str, str] = {}
    found = git(["config", "--get-regexp", r"^(diff|merge)\.purer\."], cwd=top, check=False).stdout
    for line in found.splitlines():  # "key value"; a key set twice counts as git reads it, the last one
        key, _, value = line.partition(" ")
        configured[key] = value.strip()
    for key in driver_config():
        value = configured.get(key, "")
        checks.append(Check(bool(value), f"{key} = {value}" if value else f"{key} is not set"))
    return checks


def setup_problems(study_file: Path) -> list[Problem]:
    """`check`'s warnings about a study's git repository: without the drivers, or tracking `.purer/` (one line each)."""
    if work_tree_of(study_file.parent) is None:
        return []
    problems = _tracked_state(study_file)
    try:
        missing = [check for check in status(study_file.parent) if not check.ok]
    except UsageError:
        return problems
    except Exception:  # git missing or failing: not this check's business
        return problems
    if missing:
        problems.append(
            Problem(
                study_file,
                None,
                "this study is a git repository without purer-tui's git set-up ("
                + "; ".join(check.message for check in missing)
                + "); "
                "run `purer-tui git install` in each clone",
                "warning",
            )
        )
    return problems


def _tracked_state(study_file: Path) -> list[Problem]:
    """A warning when git tracks the `.purer/` folder (someone forced it in): each clone's own state would travel."""
    from purer_tui.core.clone_state import STATE_FOLDER

    try:
        tracked = git(["ls-files", "-z", "--", STATE_FOLDER], study_file.parent, check=False).stdout.strip("\0")
    except Exception:  # git missing or failing: not this check's business
        return []
    if not tracked:
        return []
    return [
        Problem(
            study_file.parent / STATE_FOLDER,
            None,
            "is tracked by git, but holds this clone's own state (positions, the study index), which purer-tui never "
            f"shares; run `git rm -r --cached {STATE_FOLDER}` and commit",
            "warning",
        )
    ]
