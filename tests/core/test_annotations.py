"""The annotation store: exact file format, durability, atomicity and refusal to overwrite what it could not read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from purer_tui.core import durable
from purer_tui.core.annotation_parsing import parse_annotations, parse_record
from purer_tui.core.annotation_paths import annotation_files, annotation_path
from purer_tui.core.annotation_records import AnnotationRecord, rechecked_for
from purer_tui.core.annotations import AnnotationFile, ChangedOnDiskError
from purer_tui.core.coders import default_coder, validate_coder
from purer_tui.core.errors import InvalidFileError, UsageError
from tests.conftest import write


def test_file_format_is_sorted_compact_and_stable(tmp_path: Path) -> None:
    store = AnnotationFile.open(tmp_path / "s1.ana.jsonl")
    store.put(AnnotationRecord(turn=12, codes=("phenomenology", "reframing"), memo="Ça va — 好", anchor="3f2a9c01bd"))
    store.put(AnnotationRecord(turn=2, codes=()))
    assert (tmp_path / "s1.ana.jsonl").read_bytes().decode("utf-8") == (
        '{"codes":[],"turn":2}\n'
        '{"anchor":"3f2a9c01bd","codes":["phenomenology","reframing"],"memo":"Ça va — 好","turn":12}\n'
    )


def test_round_trip_and_reload(tmp_path: Path) -> None:
    path = tmp_path / "s1.ana.jsonl"
    store = AnnotationFile.open(path)
    records = [
        AnnotationRecord(turn=n, codes=("a",) if n % 2 else (), memo="line one\nline two" if n == 3 else "")
        for n in range(1, 8)
    ]
    store.put_many(records)
    store.remove(4)
    reloaded = AnnotationFile.open(path)
    assert dict(reloaded.records) == {r.turn: r for r in records if r.turn != 4}
    assert reloaded.render() == path.read_text(encoding="utf-8")


def test_reviewed_with_no_code_differs_from_not_reviewed(tmp_path: Path) -> None:
    store = AnnotationFile.open(tmp_path / "x.ana.jsonl")
    store.put(AnnotationRecord(turn=1))
    reloaded = AnnotationFile.open(tmp_path / "x.ana.jsonl")
    assert reloaded.get(1) == AnnotationRecord(turn=1, codes=())
    assert reloaded.get(2) is None


def test_records_without_anchor_or_memo_are_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "x.ana.jsonl", '{"turn": 3, "codes": ["a"]}\r\n{"codes":[],"turn":5}')
    assert AnnotationFile.open(path).get(3) == AnnotationRecord(turn=3, codes=("a",))


@pytest.mark.parametrize(
    "line, words",
    [
        ('{"turn":1,"codes":["a"]', "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"codes":[]}', '"turn" is missing'),
        ('{"turn":1}', '"codes" is missing'),
        ('{"turn":"1","codes":[]}', '"turn" must be a whole number'),
        ('{"turn":0,"codes":[]}', '"turn" must be a whole number'),
        ('{"turn":-4,"codes":[]}', '"turn" must be a whole number'),
        ('{"turn":true,"codes":[]}', '"turn" must be a whole number'),
        ('{"turn":99999999999,"codes":[]}', '"turn" must be a whole number'),
        ('{"turn":1,"codes":"a"}', '"codes" must be a list'),
        ('{"turn":1,"codes":[1]}', '"codes" must be a list'),
        ('{"turn":1,"codes":["Bad Code"]}', "is not a code id"),
        ('{"turn":1,"codes":["a","a"]}', "lists a code twice"),
        ('{"turn":1,"codes":[],"memo":5}', '"memo" must be a string'),
        ('{"turn":1,"codes":[],"anchor":5}', '"anchor" must be a string'),
        ('{"turn":1,"codes":[],"when":"now"}', 'unknown field "when"'),
        ('{"turn":1,"codes":["a"],"rechecked":["a"]}', '"rechecked" must be a table'),
        ('{"turn":1,"codes":["a"],"rechecked":{"b":"0123abcd"}}', "the turn does not carry"),
        ('{"turn":1,"codes":["a"],"rechecked":{"a":"old"}}', "fingerprint of 8 hex digits"),
        ("[" * 50_000 + "]" * 50_000, "JSON"),
    ],
)
def test_each_malformed_line_is_reported_with_its_line(tmp_path: Path, line: str, words: str) -> None:
    text = '{"codes":[],"turn":1}\n' + line + "\n"
    parsed = parse_annotations(text, tmp_path / "x.ana.jsonl")
    assert [(p.line, words in p.message) for p in parsed.errors] == [(2, True)], parsed.problems


def test_duplicate_turns_are_an_error(tmp_path: Path) -> None:
    parsed = parse_annotations('{"codes":[],"turn":4}\n{"codes":["a"],"turn":4}\n', tmp_path / "x.jsonl")
    assert [(p.line, p.message) for p in parsed.errors] == [
        (2, "turn 4 appears again (first at line 1); keep one line per turn")
    ]


def test_unsorted_lines_and_blank_lines_are_warnings(tmp_path: Path) -> None:
    parsed = parse_annotations('{"codes":[],"turn":4}\n\n{"codes":[],"turn":2}\n', tmp_path / "x.jsonl")
    assert not parsed.errors
    assert [(p.line, p.severity) for p in parsed.problems] == [(2, "warning"), (3, "warning")]


def test_a_file_that_could_not_be_read_is_never_overwritten(tmp_path: Path) -> None:
    path = write(tmp_path / "x.ana.jsonl", '{"codes":[],"turn":1}\n{"codes":[],"turn":2\n')
    before = path.read_bytes()
    with pytest.raises(InvalidFileError) as raised:
        AnnotationFile.open(path)
    assert raised.value.line == 2
    assert path.read_bytes() == before


def test_a_file_changed_on_disk_since_reading_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "x.ana.jsonl"
    store = AnnotationFile.open(path)
    store.put(AnnotationRecord(turn=1, codes=("a",)))
    pulled = '{"codes":["b"],"turn":1}\n{"codes":[],"turn":2}\n'
    write(path, pulled)
    os.utime(path, ns=(1, 1))  # make sure the signature differs even on coarse clocks
    with pytest.raises(ChangedOnDiskError, match="changed on disk"):
        store.put(AnnotationRecord(turn=3, codes=()))
    assert path.read_text() == pulled
    assert store.get(3) is None


def test_an_injected_failure_mid_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.ana.jsonl"
    store = AnnotationFile.open(path)
    store.put(AnnotationRecord(turn=1, codes=("a",)))
    before = path.read_bytes()

    real_write = os.write

    def failing_write(descriptor: int, data: memoryview) -> int:
        real_write(descriptor, bytes(data[: len(data) // 2]))  # half the new file reaches the disk...
        raise OSError(28, "No space left on device")  # ...then the disk is full

    monkeypatch.setattr(durable.os, "write", failing_write)
    with pytest.raises(OSError):
        store.put(AnnotationRecord(turn=2, codes=("b",)))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.ana.jsonl"]  # no temporary file left behind
    assert store.get(2) is None  # memory agrees with disk
    store.put(AnnotationRecord(turn=2, codes=("b",)))  # and the store still works afterwards
    assert AnnotationFile.open(path).get(2) == AnnotationRecord(turn=2, codes=("b",))


def test_a_failed_rename_leaves_the_old_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.ana.jsonl"
    AnnotationFile.open(path).put(AnnotationRecord(turn=1, codes=("a",)))
    before = path.read_bytes()
    store = AnnotationFile.open(path)

    def failing_replace(source: object, target: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(durable.os, "replace", failing_replace)
    with pytest.raises(OSError):
        store.put(AnnotationRecord(turn=2, codes=()))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.ana.jsonl"]


def test_writes_are_fsynced_and_temporary_files_stay_in_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    synced: list[int] = []
    real_open, real_fsync = os.open, os.fsync

    def spy_open(path, flags, *args):  # type: ignore[no-untyped-def]
        opened.append(os.fspath(path))
        return real_open(path, flags, *args)

    def spy_fsync(descriptor: int) -> None:
        synced.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(durable.os, "open", spy_open)
    monkeypatch.setattr(durable.os, "fsync", spy_fsync)
    AnnotationFile.open(tmp_path / "x.ana.jsonl").put(AnnotationRecord(turn=1))
    assert opened and all(Path(name).parent == tmp_path or Path(name) == tmp_path for name in opened)
    assert len(synced) >= 2  # the file, then the folder holding the rename


def test_the_file_mode_is_kept_across_saves(tmp_path: Path) -> None:
    path = tmp_path / "x.ana.jsonl"
    store = AnnotationFile.open(path)
    store.put(AnnotationRecord(turn=1))
    path.chmod(0o600)
    store = AnnotationFile.open(path)
    store.put(AnnotationRecord(turn=2))
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("coder", ["ana", "b0b", "coder_2", "x-y", "a" * 32])
def test_valid_coder_ids(coder: str) -> None:
    assert validate_coder(coder) == coder


@pytest.mark.parametrize("coder", ["", "Ana", "../x", "a/b", ".hidden", "-x", "a" * 33, "ana.jsonl", "a b", "é"])
def test_coder_ids_that_could_escape_or_confuse_are_refused(coder: str) -> None:
    with pytest.raises(UsageError, match="not a valid coder id"):
        validate_coder(coder)


def test_annotation_paths_sit_beside_the_transcript(tmp_path: Path) -> None:
    assert annotation_path(tmp_path / "grp1-s01.txt", "ana") == tmp_path / "grp1-s01.ana.jsonl"
    assert annotation_path(tmp_path / "p01.s03.vtt", "ben") == tmp_path / "p01.s03.ben.jsonl"


def test_annotation_files_are_found_by_coder(tmp_path: Path) -> None:
    for name in ["s1.txt", "s1.ana.jsonl", "s1.ben.jsonl", "s1.2.ana.jsonl", "s1.Bad.jsonl", "s10.ana.jsonl"]:
        write(tmp_path / name, "")
    assert {coder: path.name for coder, path in annotation_files(tmp_path / "s1.txt").items()} == {
        "ana": "s1.ana.jsonl",
        "ben": "s1.ben.jsonl",
    }


def test_default_coder_comes_from_the_environment_then_the_login() -> None:
    assert default_coder({"PURER_CODER": "ben"}) == "ben"
    with pytest.raises(UsageError):
        default_coder({"PURER_CODER": "../etc"})
    assert validate_coder(default_coder({}))


def test_the_bulk_code_reader_agrees_with_the_full_parser(tmp_path: Path) -> None:
    from purer_tui.core.annotation_records import Conflict, TurnVersion
    from purer_tui.core.coded_units import read_settled_codes

    path = tmp_path / "s.ana.jsonl"
    store = AnnotationFile.open(path)
    store.put_many(
        [AnnotationRecord(1, ("a", "b")), AnnotationRecord(2), AnnotationRecord(3, ("c",), "memo", "0123456789")]
    )
    assert read_settled_codes(path).codes == {1: frozenset({"a", "b"}), 2: frozenset(), 3: frozenset({"c"})}
    store.put(AnnotationRecord(2, ("a",), conflict=Conflict(TurnVersion(("a",)), TurnVersion(("b",)))))
    assert read_settled_codes(path).codes == {1: frozenset({"a", "b"}), 3: frozenset({"c"})}  # unsettled: left out
    store.put_many(
        [
            AnnotationRecord(5, (), "a note", reviewed=False),
            AnnotationRecord(6, ("a",), flag=True),
            AnnotationRecord(7, reviewed=False, flag=True),
        ]
    )
    settled = read_settled_codes(path)  # a memo or a flag alone is no decision; a flagged decision is not final
    assert set(settled.codes) == {1, 3} and settled.flagged == 1
    journaled = AnnotationFile.open(path, journaled=True)
    journaled.put(AnnotationRecord(4, ("d",)))
    assert read_settled_codes(path).codes[4] == frozenset({"d"})  # the journal is replayed
    journaled.close()
    write(path, '{"codes":["a"],"turn":1}\n{"codes":["A"],"turn":2}\n')
    with pytest.raises(InvalidFileError) as raised:
        read_settled_codes(path)
    assert raised.value.line == 2


def test_review_state_and_flag_are_written_only_when_they_say_something(tmp_path: Path) -> None:
    path = tmp_path / "s.ana.jsonl"
    store = AnnotationFile.open(path)
    store.put_many(
        [
            AnnotationRecord(1, ("a",)),
            AnnotationRecord(2, (), "come back", reviewed=False),
            AnnotationRecord(3, ("a",), flag=True),
            AnnotationRecord(4, reviewed=False, flag=True),
        ]
    )
    assert path.read_text().splitlines() == [
        '{"codes":["a"],"turn":1}',  # an old reader sees the lines it always saw
        '{"codes":[],"memo":"come back","reviewed":false,"turn":2}',
        '{"codes":["a"],"flag":true,"turn":3}',
        '{"codes":[],"flag":true,"reviewed":false,"turn":4}',
    ]
    reopened = AnnotationFile.open(path).records
    assert reopened[2].reviewed is False and reopened[3].flag is True and reopened[1].reviewed is True
    assert [record.settled_review for record in reopened.values()] == [True, False, False, False]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"codes":["a"],"reviewed":false,"turn":1}', '"reviewed" is false but the turn has codes'),
        ('{"codes":[],"reviewed":"no","turn":1}', '"reviewed" must be true or false'),
        ('{"codes":[],"flag":1,"turn":1}', '"flag" must be true or false'),
        (
            '{"codes":[],"conflict":{"ours":{"codes":["a"],"reviewed":false},"theirs":null},"turn":1}',
            '"conflict.ours.reviewed" is false',
        ),
    ],
)
def test_bad_review_state_and_flag_are_refused_with_the_line(tmp_path: Path, line: str, message: str) -> None:
    parsed = parse_annotations(line + "\n", tmp_path / "x.ana.jsonl")
    assert [problem.line for problem in parsed.errors] == [1]
    assert message in parsed.errors[0].message


def test_lines_that_only_parse_when_joined_are_still_refused(tmp_path: Path) -> None:
    """A value may not run across lines: every line must be a JSON object on its own."""
    crafted = '{"codes":[],"turn":1,"memo":"\n"}\n'  # a memo string broken over two lines
    parsed = parse_annotations(crafted, tmp_path / "x.jsonl")
    assert [p.line for p in parsed.errors] == [1, 2]
    from purer_tui.core.coded_units import read_settled_codes

    with pytest.raises(InvalidFileError):
        read_settled_codes(write(tmp_path / "y.ana.jsonl", crafted))


def test_lines_that_each_look_like_an_object_but_only_parse_together_are_refused(tmp_path: Path) -> None:
    """Two records on one line and one record over two lines: every line opens and closes braces, and the
    lines decode as one JSON array, but each is refused on its own, as `git diff` (textconv) shows it."""
    crafted = (
        '{"codes":["a"],"turn":1},{"codes":["b"],"turn":2}\n'
        '{"codes":[],"turn":3,"conflict":{"ours":null,"theirs":null,"more":[{"codes":["x"]}\n'
        '{"codes":["y"]}]}}\n'
    )
    parsed = parse_annotations(crafted, tmp_path / "x.jsonl")
    assert [p.line for p in parsed.errors] == [1, 2, 3] and not parsed.records
    from purer_tui.core.coded_units import read_settled_codes

    with pytest.raises(InvalidFileError):
        read_settled_codes(write(tmp_path / "y.ana.jsonl", crafted))


def test_a_line_is_read_exactly_as_json_reads_it_whatever_path_it_takes() -> None:
    from purer_tui.core.annotation_parsing import parse_record

    assert parse_record('{"codes":[],"turn":1}')[0] == parse_record('  {"codes":[],"turn":1}  ')[0] is not None
    record, problem = parse_record('{"codes":[],"turn":1} {"codes":[],"turn":2}')
    assert record is None and problem is not None and problem.startswith("not valid JSON (Extra data")
    record, problem = parse_record('{"codes":[],"turn":1')
    assert record is None and problem is not None and problem.startswith("not valid JSON (Expecting")
    assert parse_record("[" * 100_000 + "]" * 100_000) == (None, "JSON nested too deeply; remove the line")


def test_a_recheck_confirmation_round_trips_and_is_written_only_when_there_is_one(tmp_path: Path) -> None:
    line = '{"codes":["a","b"],"rechecked":{"b":"0123abcd"},"turn":3}'
    parsed = parse_annotations(line + "\n", tmp_path / "x.ana.jsonl")
    record = parsed.records[3]
    assert record.rechecked == (("b", "0123abcd"),)
    assert record.to_json_line() == line
    assert AnnotationRecord.from_version(3, record.version) == record
    assert "rechecked" not in AnnotationRecord(3, ("a",)).to_json_line()


def test_a_line_with_a_huge_rechecked_table_is_read_in_one_pass(tmp_path: Path) -> None:
    """A pushed line of 20,000 codes, each confirmed: read in linear time (a list lookup per entry took minutes
    at 200,000), and every entry kept."""
    count = 20_000
    codes = [f"c{i}" for i in range(count)]
    line = json.dumps({"codes": codes, "rechecked": dict.fromkeys(codes, "0123abcd"), "turn": 1})
    record = parse_annotations(line + "\n", tmp_path / "x.ana.jsonl").records[1]
    assert len(record.rechecked) == count
    assert rechecked_for(record.rechecked, record.codes[:10]) == tuple(sorted((c, "0123abcd") for c in codes[:10]))


def test_suggested_codes_round_trip_in_the_turns_order_and_are_written_only_when_there_are_some(tmp_path: Path) -> None:
    line = '{"codes":["a","b","c"],"suggested":["a","c"],"turn":3}'
    record = parse_annotations(line + "\n", tmp_path / "x.ana.jsonl").records[3]
    assert record.suggested == ("a", "c") and record.to_json_line() == line
    assert AnnotationRecord.from_version(3, record.version) == record
    assert "suggested" not in AnnotationRecord(3, ("a",)).to_json_line()
    reordered = parse_record('{"codes":["a","b","c"],"suggested":["c","a"],"turn":3}')[0]
    assert reordered is not None and reordered.suggested == ("a", "c")  # written back in the codes' order
    side = '{"codes":["x"],"conflict":{"ours":{"codes":["x"],"suggested":["x"]},"theirs":null},"turn":1}'
    with_conflict = parse_record(side)[0]
    assert with_conflict is not None and with_conflict.conflict is not None
    assert with_conflict.conflict.ours is not None and with_conflict.conflict.ours.suggested == ("x",)
    assert with_conflict.to_json_line() == side


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"codes":["a"],"suggested":["b"],"turn":1}', '"suggested" names "b", which the turn does not carry'),
        ('{"codes":["a"],"suggested":"a","turn":1}', '"suggested" must be a list of code ids'),
        ('{"codes":["a"],"suggested":["a","a"],"turn":1}', '"suggested" lists a code twice'),
        ('{"codes":["a"],"suggested":[1],"turn":1}', '"suggested" must be a list of code ids'),
    ],
)
def test_a_bad_suggested_list_is_refused_with_the_fix(line: str, problem: str) -> None:
    record, said = parse_record(line)
    assert record is None and said is not None and problem in said
