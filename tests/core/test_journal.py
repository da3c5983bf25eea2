"""The coding journal: constant-time durable changes, folded in on compaction and replayed after a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.errors import InvalidFileError
from purer_tui.core.journal import journal_path


def test_journaled_changes_append_and_compaction_folds_them_in(tmp_path: Path) -> None:
    path = tmp_path / "s.ana.jsonl"
    store = AnnotationFile.open(path, journaled=True)
    store.put(AnnotationRecord(turn=2, codes=("a",)))
    store.put(AnnotationRecord(turn=1))
    store.remove(2)
    journal = journal_path(path)
    assert journal.name == ".s.ana.jsonl.journal"
    assert journal.read_text().splitlines() == [
        '{"was":{"record":null,"turn":2}}',  # what the file held for the turn, before its first change
        '{"put":{"codes":["a"],"turn":2}}',
        '{"was":{"record":null,"turn":1}}',
        '{"put":{"codes":[],"turn":1}}',
        '{"remove":2}',  # turn 2's base is noted already
    ]
    assert not path.exists()
    store.compact()
    assert path.read_text() == '{"codes":[],"turn":1}\n'
    assert not journal.exists()


def test_readers_see_the_journal_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "s.ana.jsonl"
    AnnotationFile.open(path, journaled=True).put(AnnotationRecord(turn=3, codes=("b",)))
    reader = AnnotationFile.open(path)
    assert reader.get(3) == AnnotationRecord(turn=3, codes=("b",))
    assert journal_path(path).exists() and not path.exists()


def test_a_crash_leaves_a_journal_that_the_next_coding_session_folds_in(tmp_path: Path) -> None:
    path = tmp_path / "s.ana.jsonl"
    crashed = AnnotationFile.open(path, journaled=True)
    crashed.put(AnnotationRecord(turn=1, codes=("a",)))
    # the process dies here: no compaction, no close
    with journal_path(path).open("a") as journal:
        journal.write('{"put":{"codes":["z"],"tu')  # a torn append, never acknowledged
    reopened = AnnotationFile.open(path, journaled=True)
    assert reopened.get(1) == AnnotationRecord(turn=1, codes=("a",))
    assert path.read_text() == '{"codes":["a"],"turn":1}\n'
    assert not journal_path(path).exists()


def test_replaying_a_journal_over_an_already_compacted_file_is_harmless(tmp_path: Path) -> None:
    path = tmp_path / "s.ana.jsonl"
    store = AnnotationFile.open(path, journaled=True)
    store.put(AnnotationRecord(turn=1, codes=("a",)))
    saved = journal_path(path).read_bytes()
    store.compact()  # a crash right after the rename, before the journal was removed:
    journal_path(path).write_bytes(saved)
    assert AnnotationFile.open(path, journaled=True).records == {1: AnnotationRecord(turn=1, codes=("a",))}


def test_a_damaged_journal_is_reported_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "s.ana.jsonl"
    journal_path(path).write_text('{"put":{"codes":[],"turn":1}}\nnonsense\n{"remove":1}\n')
    with pytest.raises(InvalidFileError) as raised:
        AnnotationFile.open(path, journaled=True)
    assert raised.value.line == 2 and "journal is damaged" in raised.value.message


def test_a_failed_append_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import purer_tui.core.journal as journal_module

    store = AnnotationFile.open(tmp_path / "s.ana.jsonl", journaled=True)
    store.put(AnnotationRecord(turn=1))

    def full_disk(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module.os, "fsync", full_disk)
    with pytest.raises(OSError):
        store.put(AnnotationRecord(turn=2))
    assert store.get(2) is None


def test_a_half_written_append_is_cut_off_so_later_appends_stay_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import purer_tui.core.journal as journal_module

    path = tmp_path / "s.ana.jsonl"
    store = AnnotationFile.open(path, journaled=True)
    store.put(AnnotationRecord(turn=1, codes=("a",)))
    real_write = os.write

    def half_then_full(descriptor: int, data: memoryview) -> int:
        real_write(descriptor, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_module.os, "write", half_then_full)
    with pytest.raises(OSError):
        store.put(AnnotationRecord(turn=2, codes=("b",)))
    monkeypatch.undo()
    store.put(AnnotationRecord(turn=3, codes=("c",)))  # the disk has room again
    reread = AnnotationFile.open(path)
    assert dict(reread.records) == {1: AnnotationRecord(1, ("a",)), 3: AnnotationRecord(3, ("c",))}


@pytest.mark.parametrize("character", ["é", "好", "🙂"])
def test_a_crash_inside_a_multibyte_character_loses_only_the_torn_change(tmp_path: Path, character: str) -> None:
    path = tmp_path / "s.ana.jsonl"
    AnnotationFile.open(path, journaled=True).put(AnnotationRecord(turn=1, codes=("a",), memo="kept"))
    torn = f'{{"put":{{"codes":[],"memo":"{character}","turn":2}}}}\n'.encode()
    cut = torn.index(character.encode()) + 1  # the crash lands inside the character's bytes
    with journal_path(path).open("ab") as journal:
        journal.write(torn[:cut])
    reopened = AnnotationFile.open(path, journaled=True)  # opens; the acknowledged change is there
    assert dict(reopened.records) == {1: AnnotationRecord(turn=1, codes=("a",), memo="kept")}


def test_a_link_named_like_a_journal_never_receives_a_change(tmp_path: Path) -> None:
    """A teammate commits `.X.ana.jsonl.journal` as a link to a world-readable place:
    the coder's memos must not go there."""
    leak = tmp_path / "elsewhere" / "leak.jsonl"
    leak.parent.mkdir()
    path = tmp_path / "study" / "s.ana.jsonl"
    path.parent.mkdir()
    journal_path(path).symlink_to(leak)  # dangling: the target does not exist yet
    with pytest.raises(InvalidFileError, match="is a link"):
        AnnotationFile.open(path, journaled=True)
    store = AnnotationFile(path, journaled=True)  # even a store that never read it cannot append through it
    with pytest.raises(InvalidFileError, match="is a link"):
        store.put(AnnotationRecord(turn=1, memo="a patient's words"))
    assert not leak.exists()


def test_a_replay_after_a_crash_merges_with_a_pull_that_came_meanwhile(tmp_path: Path) -> None:
    from purer_tui.core.annotation_records import AnnotationRecord

    path = tmp_path / "x.ben.jsonl"
    path.write_text('{"codes":["a"],"turn":1}\n{"codes":["b"],"turn":2}\n{"codes":["c"],"turn":3}\n')
    store = AnnotationFile.open(path, journaled=True)
    store.put(AnnotationRecord(turn=1, codes=("p",)))  # the coder's change, journaled...
    store.put(AnnotationRecord(turn=3, codes=("c",), memo="same"))
    # ...then the process dies, and a pull replaces the file: turn 1 changed there too, turn 2 only there
    path.write_text(
        '{"codes":["e"],"memo":"laptop memo","turn":1}\n{"codes":["z"],"turn":2}\n{"codes":["c"],"turn":3}\n'
    )
    records = AnnotationFile.open(path, journaled=True).records
    assert records[1].conflict is not None  # both versions kept, never an overwrite
    kept = {(version.codes, version.memo) for version in records[1].conflict.versions}
    assert kept == {(("p",), ""), (("e",), "laptop memo")}
    assert records[2].codes == ("z",)  # only the pull changed it
    assert records[3].memo == "same" and records[3].conflict is None  # only the coder changed it
    assert not journal_path(path).exists()


def test_a_replay_over_an_unchanged_file_applies_the_journal_and_old_journals_still_replay(tmp_path: Path) -> None:
    from purer_tui.core.annotation_records import AnnotationRecord

    path = tmp_path / "x.ben.jsonl"
    path.write_text('{"codes":["a"],"turn":1}\n')
    store = AnnotationFile.open(path, journaled=True)
    store.put(AnnotationRecord(turn=1, codes=("p",)))
    store.remove(1)
    store.put(AnnotationRecord(turn=2, codes=("q",)))
    assert AnnotationFile.open(path).records == {2: AnnotationRecord(turn=2, codes=("q",))}
    journal_path(path).write_text('{"put":{"codes":["r"],"turn":1}}\n')  # written before bases were noted
    assert AnnotationFile.open(path).records[1].codes == ("r",)
