"""Paths from inputs stay inside the study: study-file paths, links, coder ids (zip entries: tests/interchange)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from purer_tui.core.check import check_study
from purer_tui.core.errors import InvalidFileError
from purer_tui.core.study import load_study
from tests.conftest import write


@pytest.mark.parametrize(
    "line",
    [
        'transcripts = ["../other-study/*.txt"]',
        'transcripts = ["/etc/*"]',
        'transcripts = ["transcripts/../../*.txt"]',
        'codebook = "../shared/codebook.toml"',
        'codebook = "~/codebook.toml"',
    ],
)
def test_study_file_paths_that_leave_the_study_are_refused(demo_study: Path, line: str) -> None:
    study_file = demo_study / "purer.toml"
    text = study_file.read_text()
    key = line.split(" =")[0]
    text = "\n".join(line if l.startswith(f"{key} =") else l for l in text.splitlines()) + "\n"
    study_file.write_text(text)
    with pytest.raises(InvalidFileError) as raised:
        load_study(demo_study)
    assert "reaches outside the study folder" in raised.value.message


def test_a_link_to_a_file_outside_the_study_is_left_out(demo_study: Path, tmp_path: Path) -> None:
    secret = write(tmp_path / "elsewhere" / "private.txt", "Someone: not part of this study\n")
    (demo_study / "transcripts" / "sneaky.txt").symlink_to(secret)
    study = load_study(demo_study)
    assert all(path.name != "sneaky.txt" for path in study.transcript_paths())
    [warning] = [p for p in check_study(demo_study) if p.path.name == "sneaky.txt"]
    assert warning.severity == "warning" and "outside the study" in warning.message


def test_a_study_folder_named_like_a_glob_pattern_still_finds_its_transcripts(tmp_path: Path, demo_study: Path) -> None:
    odd = tmp_path / "[draft] study"
    demo_study.rename(odd)
    assert len(load_study(odd).transcript_paths()) == 3


def test_coder_ids_from_the_command_line_cannot_name_other_paths(demo_study: Path) -> None:
    for coder in ("../../x", "a/b", ".hidden", "A"):
        result = subprocess.run([sys.executable, "-m", "purer_tui", "code", str(demo_study), "--coder", coder], capture_output=True, text=True)
        assert result.returncode == 2 and "not a valid coder id" in result.stderr
    assert sorted(p.name for p in (demo_study / "transcripts").iterdir() if "jsonl" in p.name) == [
        "grp1-s01.ana.jsonl", "grp1-s01.ben.jsonl", "grp1-s02.ana.jsonl", "grp1-s02.ben.jsonl", "grp1-s03.ana.jsonl",
    ]
