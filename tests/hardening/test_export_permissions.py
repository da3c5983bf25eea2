"""Exports and pictures are never more readable than the transcripts they hold, nor imports than their project.

Every file a command writes with transcript text, coding, memos or speakers in it (export csv and qdpx,
progress --svg and --html) is made no more readable than the most private of the study's transcripts,
and never wider than the umask allows; a qdc, which holds only the codebook, no more readable than the
codebook; and a study `import qdpx` makes, no more readable than the project file. The commands run as
their own processes with the umask given, so this test's umask is never changed.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from purer_tui.core.durable import atomic_write_bytes, write_output

# Each command that writes a file holding transcript text or coding, with the file it writes ("OUT" is
# replaced by the output's path; the qdpx without -o is written in the current folder as <study>.qdpx).
WRITERS = {
    "qdpx": ("export", "qdpx", "-o", "OUT"),
    "qdpx-default": ("export", "qdpx"),
    "csv": ("export", "csv", "-o", "OUT"),
    "csv-wide": ("export", "csv", "--wide", "-o", "OUT"),
    "progress-svg": ("progress", "--svg", "OUT"),
    "progress-html": ("progress", "--html", "OUT"),
    "report": ("report", "--html", "OUT"),
}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(cwd: Path, *args: str, umask: int = 0o022) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "purer_tui", *args], cwd=cwd, capture_output=True, timeout=120, umask=umask
    )


def write_with(study: Path, writer: str, output: Path, umask: int = 0o022) -> Path:
    """Run `writer` on the study from its parent folder; returns the file it wrote."""
    args = [str(output) if arg == "OUT" else arg for arg in WRITERS[writer]]
    cwd = study.parent
    result = run(cwd, *args, str(study), umask=umask)
    assert result.returncode == 0, result.stderr
    return output if "OUT" in WRITERS[writer] else cwd / f"{study.name}.qdpx"


def set_transcripts(study: Path, transcript_mode: int) -> list[Path]:
    transcripts = sorted((study / "transcripts").glob("*.txt"))
    assert len(transcripts) > 1
    for transcript in transcripts:
        transcript.chmod(transcript_mode)
    (study / "transcripts").chmod(0o700)
    return transcripts


@pytest.mark.parametrize("writer", WRITERS)
def test_private_transcripts_make_a_private_export_under_a_permissive_umask(
    demo_study: Path, tmp_path: Path, writer: str
) -> None:
    """The reported case: transcripts 0600 in a 0700 folder, umask 022, the export was -rw-r--r--."""
    set_transcripts(demo_study, 0o600)
    written = write_with(demo_study, writer, tmp_path / f"out-{writer}")
    assert mode(written) == 0o600


@pytest.mark.parametrize("writer", WRITERS)
def test_shared_transcripts_make_an_export_as_the_umask_allows(demo_study: Path, tmp_path: Path, writer: str) -> None:
    set_transcripts(demo_study, 0o644)
    assert mode(write_with(demo_study, writer, tmp_path / f"022-{writer}", umask=0o022)) == 0o644
    (tmp_path / f"{demo_study.name}.qdpx").unlink(missing_ok=True)  # a new file again, for the default name too
    assert mode(write_with(demo_study, writer, tmp_path / f"077-{writer}", umask=0o077)) == 0o600


@pytest.mark.parametrize("writer", ["qdpx", "csv"])
def test_the_most_private_transcript_sets_the_limit(demo_study: Path, tmp_path: Path, writer: str) -> None:
    transcripts = set_transcripts(demo_study, 0o644)
    transcripts[0].chmod(0o640)  # the group may read this one, others may not
    transcripts[-1].chmod(0o604)  # others may read this one, the group may not
    assert mode(write_with(demo_study, writer, tmp_path / f"out-{writer}")) == 0o600


def test_a_codebook_export_is_no_more_readable_than_the_codebook(demo_study: Path, tmp_path: Path) -> None:
    codebook = demo_study / "codebooks" / "purer.toml"
    set_transcripts(demo_study, 0o600)
    assert run(demo_study, "export", "qdc", "-o", str(tmp_path / "shared.qdc")).returncode == 0
    assert mode(tmp_path / "shared.qdc") == 0o644  # it holds no transcript text
    codebook.chmod(0o600)
    assert run(demo_study, "export", "qdc", "-o", str(tmp_path / "private.qdc")).returncode == 0
    assert mode(tmp_path / "private.qdc") == 0o600


def test_an_existing_export_is_replaced_never_widened(demo_study: Path, tmp_path: Path) -> None:
    """Exporting again over an earlier export: its permissions are kept, narrowed to the transcripts'."""
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("old")
    earlier.chmod(0o644)  # made before exports were narrowed, or by hand
    set_transcripts(demo_study, 0o600)
    assert mode(write_with(demo_study, "csv", earlier)) == 0o600
    assert earlier.read_bytes().startswith(b"transcript,turn,")
    set_transcripts(demo_study, 0o644)
    assert mode(write_with(demo_study, "csv", earlier)) == 0o600  # never widened to the transcripts'
    kept = tmp_path / "kept.csv"
    kept.write_text("old")
    kept.chmod(0o640)
    assert mode(write_with(demo_study, "csv", kept)) == 0o640  # narrower than the transcripts: kept


def test_an_output_through_a_link_or_to_a_folder_behaves_as_before(demo_study: Path, tmp_path: Path) -> None:
    """purer-tui does not change the permissions of a file it did not make: a link's target keeps its own;
    a folder named as the output is still refused with nothing written."""
    set_transcripts(demo_study, 0o600)
    target = tmp_path / "target.qdpx"
    target.write_text("old")
    target.chmod(0o644)
    link = tmp_path / "link.qdpx"
    link.symlink_to(target)
    write_with(demo_study, "qdpx", link)
    assert link.is_symlink() and mode(target) == 0o644 and target.read_bytes().startswith(b"PK")
    folder = tmp_path / "folder.qdpx"
    folder.mkdir()
    result = run(demo_study.parent, "export", "qdpx", "-o", str(folder), str(demo_study))
    assert result.returncode != 0 and "Traceback" not in result.stderr.decode()
    assert list(folder.iterdir()) == []


def test_a_pipe_is_written_through_with_its_mode_unchanged(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o666)
    before = mode(fifo)
    private = tmp_path / "private.txt"
    private.write_text("x")
    private.chmod(0o600)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_output(fifo, b"data", [private])
        assert os.read(reader, 16) == b"data"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and mode(fifo) == before


def test_several_references_narrow_a_new_file_to_the_bits_they_all_have(tmp_path: Path) -> None:
    references = []
    for name, bits in (("a", 0o660), ("b", 0o606), ("gone", None)):
        path = tmp_path / name
        if bits is not None:
            path.write_text(name)
            path.chmod(bits)
        references.append(path)  # one that is gone sets no limit
    old = os.umask(0o002)
    try:
        atomic_write_bytes(tmp_path / "new", b"x", references)
        atomic_write_bytes(tmp_path / "free", b"x", [])
    finally:
        os.umask(old)
    assert mode(tmp_path / "new") == 0o600
    assert mode(tmp_path / "free") == 0o644  # 0644 before the umask; nothing narrows it further


def test_a_study_imported_from_a_private_project_is_as_private(demo_study: Path, tmp_path: Path) -> None:
    """`import qdpx` makes transcripts (and so annotation files) no more readable than the project file."""
    project = tmp_path / "private.qdpx"
    assert run(demo_study, "export", "qdpx", "-o", str(project)).returncode == 0
    project.chmod(0o600)
    result = run(tmp_path, "import", "qdpx", str(project), "imported")
    assert result.returncode == 0, result.stderr
    made = sorted((tmp_path / "imported" / "transcripts").glob("*.txt"))
    coded = sorted((tmp_path / "imported" / "transcripts").glob("*.jsonl"))
    assert made and coded
    assert {mode(path) for path in made + coded} == {0o600}
    project.chmod(0o644)
    assert run(tmp_path, "import", "qdpx", str(project), "shared").returncode == 0
    assert {mode(path) for path in (tmp_path / "shared" / "transcripts").iterdir()} == {0o644}


def test_a_link_in_the_study_or_a_study_file_is_never_written_through(demo_study: Path, tmp_path: Path) -> None:
    """A teammate can push `out.svg -> ../victim`, `figures -> ..`, `report.csv -> transcripts/x.ana.jsonl` or
    `out.svg -> .git/config`: an output through any link in the study, or onto the study's own files, is refused
    with nothing written; a new file, or a link outside the study, is written as before."""
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (demo_study / "out.svg").symlink_to(victim)
    (demo_study / "figures").symlink_to(tmp_path)
    (demo_study / "report.svg").symlink_to(demo_study / "transcripts" / "grp1-s01.ana.jsonl")
    (demo_study / ".git").mkdir()
    (demo_study / ".git" / "config").write_text("[core]\n")
    ana = (demo_study / "transcripts" / "grp1-s01.ana.jsonl").read_bytes()
    refused = [
        "out.svg",
        "figures/new.svg",
        "figures/../victim",
        "report.svg",
        ".git/config",
        "transcripts/grp1-s01.ana.jsonl",
        "codebooks/purer.toml",
    ]
    for name in refused:
        result = run(demo_study, "progress", "--svg", name)  # every output goes through the same write_output
        assert result.returncode == 1 and b"nothing was written" in result.stderr, (name, result.stderr)
    assert victim.read_text() == "keep me" and not (tmp_path / "new.svg").exists()
    assert (demo_study / "transcripts" / "grp1-s01.ana.jsonl").read_bytes() == ana
    assert (demo_study / ".git" / "config").read_text() == "[core]\n"
    assert run(demo_study, "progress", "--svg", "charts.svg").returncode == 0 and (demo_study / "charts.svg").exists()


def test_agreement_history_svg_refuses_a_link_out_of_the_study(demo_study: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    subprocess.run(["git", "init", "-q"], cwd=demo_study, check=True)
    subprocess.run(["git", "add", "-A"], cwd=demo_study, check=True)
    identity = ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *identity, "commit", "-qm", "x"], cwd=demo_study, check=True)
    (demo_study / "reframing.svg").symlink_to(victim)
    result = run(demo_study, "agree", "--history", "--svg", "reframing.svg")
    assert result.returncode == 1 and b"reframing.svg is a link in the study" in result.stderr
    assert victim.read_text() == "keep me"
    transcript = (demo_study / "transcripts" / "grp1-s01.txt").read_bytes()
    result = run(demo_study, "agree", "--history", "--svg", "transcripts/grp1-s01.txt")
    assert result.returncode == 1 and b"one of the study's own files" in result.stderr
    assert (demo_study / "transcripts" / "grp1-s01.txt").read_bytes() == transcript


def test_a_link_anywhere_in_the_study_s_repository_or_a_transcript_is_never_written(
    demo_study: Path, tmp_path: Path
) -> None:
    """The study in a subfolder of a repository: a pushed `purer.qdc -> ../victim` at the repository's top (the
    default name of `export qdc` run from there) is refused too; a chart over a transcript as well."""
    repo = tmp_path / "repo"
    repo.mkdir()
    study = repo / "study"
    demo_study.rename(study)
    (repo / ".git").mkdir()  # where the work tree begins is all that matters here
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (repo / "purer.qdc").symlink_to(victim)
    result = run(repo, "export", "qdc", "study")
    assert result.returncode == 1 and b"a link in the study's repository" in result.stderr, result.stderr
    assert victim.read_text() == "keep me"
    transcript = study / "transcripts" / "grp1-s01.txt"
    before = transcript.read_bytes()
    result = run(study, "progress", "--svg", "transcripts/grp1-s01.txt")
    assert result.returncode == 1 and b"one of the study's own files" in result.stderr
    assert transcript.read_bytes() == before
