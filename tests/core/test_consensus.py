"""The consensus: seeded with the turns two coders decided alike, its record of whom it settles, and its coverage."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.consensus import (
    consensus_coverage,
    consensus_file_problems,
    read_consensus_sources,
    record_consensus_sources,
    seed_consensus,
)
from purer_tui.core.errors import InvalidFileError
from purer_tui.core.study import load_study
from tests.conftest import write


def coded(path: Path, turns: dict[int, AnnotationRecord]) -> None:
    AnnotationFile.open(path).put_many(turns.values())


@pytest.fixture
def pair(tmp_path: Path) -> Path:
    """Six turns: ana and ben agree on 1, 2 and 4, differ on 3, ben flagged 5, only ana reviewed 6."""
    folder = tmp_path / "s"
    write(folder / "purer.toml", '[study]\nname = "s"\ncodebook = "c.toml"\ntranscripts = ["*.txt"]\n')
    write(
        folder / "c.toml",
        '[codebook]\nname = "c"\n[codes.p]\nlabel = "P"\ndefinition = "p"\n[codes.q]\nlabel = "Q"\ndefinition = "q"\n',
    )
    write(folder / "t.txt", "".join(f"{'AB'[n % 2]}: turn {n}\n" for n in range(1, 8)))
    coded(
        folder / "t.ana.jsonl",
        {
            1: AnnotationRecord(1, ("p",), "ana's note", "a1"),
            2: AnnotationRecord(2, (), anchor="a2"),
            3: AnnotationRecord(3, ("p",), anchor="a3"),
            4: AnnotationRecord(4, ("q",), anchor="a4"),
            5: AnnotationRecord(5, ("q",), anchor="a5"),
            6: AnnotationRecord(6, ("p",), anchor="a6"),
        },
    )
    coded(
        folder / "t.ben.jsonl",
        {
            1: AnnotationRecord(1, ("p",), anchor="a1"),
            2: AnnotationRecord(2, (), anchor="a2"),
            3: AnnotationRecord(3, ("q",), anchor="a3"),
            4: AnnotationRecord(4, ("q",), anchor="a4"),
            5: AnnotationRecord(5, ("q",), anchor="a5", flag=True),
            7: AnnotationRecord(7, (), "ben's note only", reviewed=False),
        },
    )
    return folder


def test_seeding_writes_the_agreed_turns_and_counts_the_one_sided(pair: Path) -> None:
    consensus = pair / "t.consensus.jsonl"
    coded(
        consensus,
        {
            4: AnnotationRecord(4, (), "settled earlier", "a4"),
            2: AnnotationRecord(2, (), "a memo to keep", reviewed=False),
        },
    )
    seeded = seed_consensus([pair / "t.txt"], "ana", "ben", "consensus")
    assert (seeded.added, seeded.agreed, seeded.one_sided) == (2, 3, 2)  # 5 (flagged by ben) and 6 (ana alone)
    records = AnnotationFile.open(consensus).records
    assert records[1] == AnnotationRecord(1, ("p",), "", "a1")  # the codes, not ana's memo
    assert records[2] == AnnotationRecord(
        2, (), "a memo to keep", "a2"
    )  # now reviewed; the consensus coder's memo stays
    assert records[4] == AnnotationRecord(4, (), "settled earlier", "a4")  # decided before: kept as it is
    assert set(records) == {1, 2, 4}
    again = seed_consensus([pair / "t.txt"], "ana", "ben", "consensus")
    assert again.added == 0 and again.agreed == 3


def test_seeding_never_settles_a_merge_conflict_nor_copies_a_turn_the_transcript_lacks(pair: Path) -> None:
    from purer_tui.core.annotation_records import Conflict

    theirs = AnnotationRecord(1, ("q",), "a colleague's adjudication", "a1").version
    conflicted = AnnotationRecord(
        1,
        (),
        "my note",
        "a1",
        Conflict(AnnotationRecord(1, (), "my note", "a1", reviewed=False).version, theirs),
        reviewed=False,
    )
    coded(pair / "t.consensus.jsonl", {1: conflicted})
    for coder in ("ana", "ben"):
        coded(pair / f"t.{coder}.jsonl", {99: AnnotationRecord(99, ("p",))})  # no turn 99 in the transcript
    seed_consensus([pair / "t.txt"], "ana", "ben", "consensus")
    records = AnnotationFile.open(pair / "t.consensus.jsonl").records
    assert records[1] == conflicted  # both sides kept for the coder to settle
    assert 99 not in records and set(records) == {1, 2, 4}


def test_coverage_counts_the_turns_both_decided(pair: Path) -> None:
    transcripts = [pair / "t.txt"]
    assert (
        consensus_coverage(transcripts, "consensus", ("ana", "ben")).phrase()
        == "0 of 4 turns both ana and ben reviewed"
    )
    seed_consensus(transcripts, "ana", "ben", "consensus")
    partial = consensus_coverage(transcripts, "consensus", ("ana", "ben"))
    assert (partial.covered, partial.total, partial.complete) == (3, 4, False)
    coded(pair / "t.consensus.jsonl", {3: AnnotationRecord(3, ("q",), flag=True)})  # flagged: not settled yet
    assert not consensus_coverage(transcripts, "consensus", ("ana", "ben")).complete
    coded(pair / "t.consensus.jsonl", {3: AnnotationRecord(3, ("q",))})
    complete = consensus_coverage(transcripts, "consensus", ("ana", "ben"))
    assert complete.describe() == "consensus: 4 of 4 turns both ana and ben reviewed" and complete.complete


def test_the_record_of_whom_a_consensus_settles(pair: Path) -> None:
    study = load_study(pair)
    assert read_consensus_sources(study) == {}
    record_consensus_sources(study, "consensus", ("ana", "ben"))
    record_consensus_sources(study, "consensus", ("ana", "cat"))  # a second pair adds to it
    record_consensus_sources(study, "final", ("ben", "cat"))
    assert read_consensus_sources(study) == {"consensus": ("ana", "ben", "cat"), "final": ("ben", "cat")}
    assert (pair / "consensus.toml").read_text().startswith("# Which coders each consensus coder settles")
    assert consensus_file_problems(study) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[consensus]\ncoders = ["ana"]\n', "consensus.coders: must list two or more different coder ids"),
        ('[consensus]\ncoders = ["ana", "consensus"]\n', "consensus.coders: must list two or more"),
        ('[consensus]\ncoders = ["ana", "../x"]\n', "consensus.coders: must list two or more"),
        ('[consensus]\npeople = ["ana", "ben"]\n', 'consensus: must be a table with only coders = ["ana", "ben"]'),
        ('["Bad Name"]\ncoders = ["ana", "ben"]\n', "Bad Name: is not a coder id"),
        ("[consensus\n", "TOML syntax error"),
    ],
)
def test_a_bad_consensus_file_is_one_line_each_and_refused(pair: Path, text: str, expected: str) -> None:
    write(pair / "consensus.toml", text)
    study = load_study(pair)
    problems = consensus_file_problems(study)
    assert problems and expected in str(problems[0]) and "consensus.toml:" in str(problems[0])
    with pytest.raises(InvalidFileError):
        read_consensus_sources(study)
    before = (pair / "consensus.toml").read_bytes()
    with pytest.raises(InvalidFileError):
        record_consensus_sources(study, "consensus", ("ana", "ben"))
    assert (pair / "consensus.toml").read_bytes() == before  # nothing that could not be read is overwritten


def test_names_no_annotation_file_backs_are_warnings(pair: Path) -> None:
    write(pair / "consensus.toml", '[ben]\ncoders = ["ana", "zed"]\n')  # planted or misspelt: ben is a real coder
    found = [str(problem).split(": ", 1)[1] for problem in consensus_file_problems(load_study(pair), ["ana", "ben"])]
    assert found == ["warning: ben.coders: zed coded nothing in the study; check the names"]
    write(pair / "consensus.toml", '[final]\ncoders = ["ana", "ben"]\n')
    found = [str(problem).split(": ", 1)[1] for problem in consensus_file_problems(load_study(pair), ["ana", "ben"])]
    assert found == ["warning: final: final has no annotation files in the study yet"]


def test_a_linked_or_huge_consensus_file_is_never_read(pair: Path, tmp_path: Path) -> None:
    outside = write(tmp_path / "outside.toml", '[consensus]\ncoders = ["ana", "ben"]\n')
    os.symlink(outside, pair / "consensus.toml")
    problems = consensus_file_problems(load_study(pair))
    assert "not a plain file (a link?)" in problems[0].message
    (pair / "consensus.toml").unlink()
    write(pair / "consensus.toml", "# " + "x" * 70_000 + "\n")
    assert "larger than 64 KiB" in consensus_file_problems(load_study(pair))[0].message


def test_seeding_keeps_a_suggested_mark_only_where_both_coders_took_the_code_from_a_suggestion(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    write(folder / "t.txt", "A: one\nB: two\n")
    coded(folder / "t.ana.jsonl", {1: AnnotationRecord(1, ("p", "q"), anchor="a1", suggested=("p", "q"))})
    coded(folder / "t.ben.jsonl", {1: AnnotationRecord(1, ("p", "q"), anchor="a1", suggested=("q",))})
    for first, second, consensus in (("ana", "ben", "c1"), ("ben", "ana", "c2")):
        seed_consensus([folder / "t.txt"], first, second, consensus)
        record = AnnotationFile.open(folder / f"t.{consensus}.jsonl").records[1]
        assert (record.codes, record.suggested) == (("p", "q"), ("q",)), (first, second)
