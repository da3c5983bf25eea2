"""Starting a study: `purer-tui init` and `purer-tui demo`, and the files the package ships for them.

The bundled codebooks and the demo study live at the top of the source tree
(`codebooks/`, `examples/demo/`); the wheel carries copies under
`purer_tui/_bundled/`. Both places are looked up, so a source checkout and an
installed package behave the same.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from purer_tui.core.codebook import load_codebook
from purer_tui.core.errors import UsageError
from purer_tui.core.study import (
    DEFAULT_TRANSCRIPT_PATTERNS,
    STUDY_FILE,
    study_settings,
    write_study_file,
)
from purer_tui.gitwork.setup import ensure_gitignore

_PACKAGE = Path(__file__).resolve().parent.parent  # the purer_tui package


def bundled_path(*parts: str) -> Path:
    """A file the package ships: `bundled_path("codebooks", "purer.toml")`."""
    installed = _PACKAGE.joinpath("_bundled", *parts)
    if installed.exists():
        return installed
    source_tree = _PACKAGE.parent
    if parts[0] == "demo":
        return source_tree.joinpath("examples", *parts)
    return source_tree.joinpath(*parts)


def bundled_codebooks() -> dict[str, Path]:
    """The codebooks that ship with purer-tui, by name."""
    return {path.stem: path for path in sorted(bundled_path("codebooks").glob("*.toml"))}


def init_study(folder: Path, name: str | None, codebook: str, patterns: list[str]) -> Path:
    """Write a study file in `folder` with a codebook: a bundled one by name, or a file.

    A codebook file outside the folder is copied in, so the study stays one
    folder that moves and clones as a whole. Everything is checked before
    anything is written: a refused init leaves the folder as it was.
    """
    folder = Path(os.path.abspath(folder))
    if (folder / STUDY_FILE).exists():
        raise UsageError(f"{folder / STUDY_FILE} already exists; edit it, or start the study in another folder")
    bundled = bundled_codebooks()
    source = bundled.get(codebook) or Path(codebook)
    if not source.is_file():
        raise UsageError(f'no codebook "{codebook}": give a TOML file or one of {", ".join(bundled)}')
    source = Path(os.path.abspath(source))  # `..` resolved: "../cb.toml" is outside the folder, to be copied in
    checked = load_codebook(source)  # a codebook with problems is refused before anything is written
    roles = list(dict.fromkeys(role for group in checked.groups for role in group.roles))
    copy_to = None
    if source.is_relative_to(folder):
        reference = source.relative_to(folder).as_posix()
    else:
        copy_to = folder / "codebooks" / source.name
        if copy_to.exists():
            raise UsageError(f"{copy_to} already exists; pass it as --codebook {copy_to}")
        reference = f"codebooks/{source.name}"
    settings = study_settings(name or folder.name, reference, patterns or list(DEFAULT_TRANSCRIPT_PATTERNS))
    made: list[Path] = []  # what this init created, undone if it cannot finish (a full disk)
    gitignore = folder / ".gitignore"
    gitignore_before = gitignore.read_bytes() if gitignore.is_file() else None
    try:
        for new_folder in [folder, folder / "transcripts", *([copy_to.parent] if copy_to else [])]:
            if not new_folder.exists():
                new_folder.mkdir(parents=True)
                made.append(new_folder)
        if copy_to is not None:
            made.append(copy_to)
            shutil.copyfile(source, copy_to)
        ensure_gitignore(folder)
        return write_study_file(folder, settings, roles)
    except BaseException:
        if gitignore_before is None:
            gitignore.unlink(missing_ok=True)
        elif gitignore.read_bytes() != gitignore_before:
            gitignore.write_bytes(gitignore_before)
        for path in reversed(made):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise


def write_demo(folder: Path) -> Path:
    """Copy the demo study to `folder`, which must not exist or be empty; returns its study file."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder} already exists and is not empty; choose another folder (nothing was written)")
    source = bundled_path("demo")
    if not (source / STUDY_FILE).is_file():
        raise UsageError("the demo study is missing from this installation; reinstall purer-tui")
    shutil.copytree(source, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.lock", ".*"))
    ensure_gitignore(folder)
    return folder / STUDY_FILE
