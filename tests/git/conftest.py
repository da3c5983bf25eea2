"""Real git repositories in temporary folders, isolated from the user's own git config."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for variable in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(variable, "Test Coder")
    for variable in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(variable, "coder@example.invalid")
    monkeypatch.setenv("GIT_MERGE_AUTOEDIT", "no")


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stdout}{result.stderr}")
    return result


def purer(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "purer_tui", *args], cwd=repo, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if check and result.returncode != 0:
        raise AssertionError(f"purer-tui {' '.join(args)} failed ({result.returncode}): {result.stdout}{result.stderr}")
    return result


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A shared study repository: the demo study, committed on main, drivers installed."""
    repo = tmp_path / "origin"
    shutil.copytree(REPO / "examples" / "demo", repo)
    git(repo, "init", "-q", "-b", "main")
    purer(repo, "git", "install")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "demo study")
    return repo


def clone(origin: Path, name: str, install: bool = True) -> Path:
    target = origin.parent / name
    git(origin.parent, "clone", "-q", str(origin), name)
    if install:
        purer(target, "git", "install")  # git does not carry driver config into clones
    return target
