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
    text = "\n".join(line if existing.startswith(f"{key} =") else existing for existing in text.splitlines()) + "\n"
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
        result = subprocess.run(
            [sys.executable, "-m", "purer_tui", "code", str(demo_study), "--coder", coder],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2 and "not a valid coder id" in result.stderr
    assert sorted(p.name for p in (demo_study / "transcripts").iterdir() if "jsonl" in p.name) == [
        "grp1-s01.ana.jsonl",
        "grp1-s01.ben.jsonl",
        "grp1-s02.ana.jsonl",
        "grp1-s02.ben.jsonl",
        "grp1-s03.ana.jsonl",
    ]


def run(study: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "purer_tui", *args],
        cwd=study,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_a_linked_annotation_file_is_never_read_nor_copied_into_the_study(demo_study: Path, tmp_path: Path) -> None:
    """A teammate commits a link named like the consensus file, to another study's memos on the same server."""
    other = write(
        tmp_path / "other-study" / "grp1-s01.consensus.jsonl",
        '{"codes":[],"memo":"OTHER STUDY SECRET","reviewed":false,"turn":5}\n',
    )
    before = other.read_bytes()
    link = demo_study / "transcripts" / "grp1-s01.consensus.jsonl"
    link.symlink_to(other)
    for args in (["stats", "--coder", "consensus"], ["export", "csv"], ["code", "--adjudicate", "ana,ben"]):
        result = run(demo_study, *args)
        assert (
            result.returncode == 1 and "is a link; annotation files must be plain files of the study" in result.stderr
        ), args
        assert "OTHER STUDY SECRET" not in result.stdout + result.stderr
    assert link.is_symlink() and other.read_bytes() == before  # still a link: nothing copied into the study
    assert not (demo_study / "transcripts" / "grp1-s02.consensus.jsonl").exists()  # nothing seeded before the refusal


def test_a_failed_adjudication_writes_nothing(demo_study: Path) -> None:
    (demo_study / "consensus.toml").mkdir()  # not a file: refused before any consensus is written
    result = run(demo_study, "code", "--adjudicate", "ana,ben", "--as", "final")
    assert result.returncode == 1 and "consensus.toml: is not a plain file" in result.stderr
    assert not list((demo_study / "transcripts").glob("*.final.jsonl"))


def test_adjudicating_into_an_ordinary_coder_is_refused(demo_study: Path) -> None:
    write(
        demo_study / "transcripts" / "grp1-s01.eve.jsonl",
        '{"codes":[],"memo":"eve not sure yet","reviewed":false,"turn":2}\n',
    )
    before = (demo_study / "transcripts" / "grp1-s01.eve.jsonl").read_bytes()
    result = run(demo_study, "code", "--adjudicate", "ana,ben", "--as", "eve")
    assert result.returncode == 2 and "eve is a coder of this study, not a consensus" in result.stderr
    assert (demo_study / "transcripts" / "grp1-s01.eve.jsonl").read_bytes() == before and not (
        demo_study / "consensus.toml"
    ).exists()


def test_a_consensus_file_made_to_backtrack_is_read_at_once(demo_study: Path) -> None:
    """Locating a problem's line once took time growing with the cube of a line's length (minutes here)."""
    (demo_study / "consensus.toml").write_text('x = """\n[' + " " * 20_000 + '\n"""\n')
    result = run(demo_study, "check", timeout=30)
    assert result.returncode == 1 and "consensus.toml:1: x: must be a table" in result.stdout


def test_names_and_keys_from_the_study_cannot_write_to_the_terminal(demo_study: Path) -> None:
    (demo_study / "consensus.toml").write_text('"\\u001b]52;c;ZWNobyBwd25lZAo=\\u0007\\nok: no errors\\u009b2K" = 1\n')
    checked = run(demo_study, "check")
    assert checked.returncode == 1 and checked.stdout.count("\n") == 1  # one line: no forged "ok" line
    assert "␛]52" in checked.stdout and "\x1b" not in checked.stdout and "\x9b" not in checked.stdout
    stats = run(demo_study, "stats")
    assert stats.returncode == 1 and "\x1b" not in stats.stderr and stats.stderr.count("\n") == 1
    (demo_study / "consensus.toml").unlink()
    odd = demo_study / "transcripts" / "grp1-s0\x1b]0;pwned\x079.txt"
    odd.write_text("Therapist: Hello there.\n")
    write(demo_study / "transcripts" / "grp1-s0\x1b]0;pwned\x079.ana.jsonl", '{"codes":["phenomenology"],"turn":1}\n')
    listed = run(demo_study, "disagreements", "--one-sided")
    assert listed.returncode == 0 and "grp1-s0␛]0;pwned␇9.txt turn 1" in listed.stdout and "\x1b" not in listed.stdout


def test_a_codebook_folder_linked_outside_the_study_is_refused(demo_study: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (demo_study / "codebooks").rename(outside)  # the real codebook now lives elsewhere...
    (demo_study / "codebooks").symlink_to(outside)  # ...and a committed link leads there
    for args in (["check"], ["codebook", "show"], ["stats"]):
        result = run(demo_study, *args)
        assert (
            result.returncode == 1
            and "study.codebook: codebooks/purer.toml leads outside the study" in result.stdout + result.stderr
        ), args
        assert "Phenomenology" not in result.stdout  # nothing of the outside file is printed


def test_a_linked_study_file_is_refused(demo_study: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    (demo_study / "purer.toml").rename(outside)
    (demo_study / "purer.toml").symlink_to(outside)
    result = run(demo_study, "check")
    assert (
        result.returncode == 1
        and "purer.toml: is a link; study files must be plain files of the study" in result.stdout + result.stderr
    )


def test_an_unplaced_sidecar_linked_outside_is_never_read_into_the_study(demo_study: Path, tmp_path: Path) -> None:
    from purer_tui.core.annotation_paths import unplaced_path
    from purer_tui.core.annotation_records import AnnotationRecord
    from purer_tui.services.reanchoring import _add_unplaced

    secret = write(tmp_path / "other" / "memos.jsonl", '{"codes":[],"memo":"OTHER STUDY SECRET","turn":1}\n')
    annotation = demo_study / "transcripts" / "grp1-s01.ana.jsonl"
    unplaced_path(annotation).symlink_to(secret)
    with pytest.raises(InvalidFileError, match="is a link"):
        _add_unplaced(annotation, [AnnotationRecord(3, ("stage-1",))])
    assert unplaced_path(annotation).is_symlink() and "SECRET" in secret.read_text()
    checked = run(demo_study, "check")
    assert "grp1-s01.ana.unplaced.jsonl: is a link; annotation files must be plain files" in checked.stdout


def test_check_names_links_where_journals_and_locks_belong(demo_study: Path, tmp_path: Path) -> None:
    (demo_study / "transcripts" / ".grp1-s02.ana.jsonl.journal").symlink_to(tmp_path / "leak.jsonl")  # dangling
    (demo_study / "transcripts" / ".grp1-s01.ben.lock").symlink_to(tmp_path / "lock")
    found = sorted((p.path.name, p.severity) for p in check_study(demo_study))
    assert (".grp1-s01.ben.lock", "error") in found and (".grp1-s02.ana.jsonl.journal", "error") in found


@pytest.mark.parametrize("where", ["purer.toml", "codebooks/purer.toml", "consensus.toml"])
def test_a_number_too_long_to_read_in_a_toml_file_is_one_line(demo_study: Path, where: str) -> None:
    path = demo_study / where
    text = path.read_text() if path.exists() else ""
    addition = (
        '\n[metadata."grp1-s01"]\nsession = ' + "9" * 5000 + "\n"
        if where == "purer.toml"
        else "\n[extra]\nn = " + "9" * 5000 + "\n"
    )
    if where == "purer.toml":
        text = text.replace('[metadata."grp1-s01"]\ndate = "2024-03-04"\n', "")
    path.write_text(text + addition)
    for args in (["check"], ["stats"]):
        result = run(demo_study, *args)
        assert result.returncode == 1 and "holds a number far too long to read" in result.stdout + result.stderr, (
            args,
            result.stderr,
        )
