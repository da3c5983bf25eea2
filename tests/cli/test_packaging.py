"""The wheel a user installs carries the bundled codebooks and the demo, and works from its installed layout."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


def test_the_demo_study_carries_the_bundled_purer_codebook_unchanged() -> None:
    assert filecmp.cmp(
        REPO / "codebooks" / "purer.toml", REPO / "examples" / "demo" / "codebooks" / "purer.toml", shallow=False
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [built] = out.glob("purer_tui-*.whl")
    return built


def test_the_wheel_holds_the_bundled_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in [
        "purer_tui/_bundled/codebooks/purer.toml",
        "purer_tui/_bundled/codebooks/interview.toml",
        "purer_tui/_bundled/demo/purer.toml",
        "purer_tui/_bundled/demo/transcripts/grp1-s03.vtt",
        "purer_tui/_bundled/demo/transcripts/grp1-s01.ana.jsonl",
    ]:
        assert expected in names


def test_the_installed_layout_writes_and_checks_the_demo(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import purer_tui; print(purer_tui.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(site))
    for args in (["demo", "try"], ["check", "try"], ["init", "fresh", "--codebook", "interview"]):
        result = subprocess.run(
            [sys.executable, "-m", "purer_tui", *args], capture_output=True, text=True, env=env, cwd=tmp_path
        )
        assert result.returncode == 0, (args, result.stderr)
