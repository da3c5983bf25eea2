"""The study index: counts without reading the study, kept in this clone's state, never trusted over the files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

import purer_tui.core.study_index as study_index_module
from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.study import load_study
from purer_tui.core.study_index import INDEX_FILE, CoderCounts, StudyIndex, anchor_digests, count_records
from purer_tui.core.transcript import load_transcript


def truth(transcript: Path, coder: str) -> tuple[int, CoderCounts]:
    """What the files say, counted without the index."""
    loaded = load_transcript(transcript)
    annotations = AnnotationFile.open(annotation_path(transcript, coder))
    return len(loaded.turns), count_records(annotations, len(loaded.turns), anchor_digests(loaded))


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    read: list[Path] = []
    real = study_index_module.load_transcript

    def load(path: Path):  # type: ignore[no-untyped-def]
        read.append(path)
        return real(path)

    monkeypatch.setattr(study_index_module, "load_transcript", load)
    return read


def test_counts_match_the_files_for_every_coder(demo_study: Path) -> None:
    paths = load_study(demo_study).transcript_paths()
    found = StudyIndex(demo_study).refresh(paths, ["eve"])
    for path in paths:
        turns, coders = found[path]
        assert set(coders) >= {"ana", "ben", "eve"} if path.name.startswith("grp1-s01") else "eve" in coders
        for coder, counts in coders.items():
            assert (turns, counts) == truth(path, coder)
    ben_s02 = found[paths[1]][1]["ben"]
    assert ben_s02.first_to_review == 9  # ben reviewed turns 1-8 of session 2
    assert found[paths[0]][1]["eve"] == CoderCounts(0, 0, 0, 1)


def test_a_second_opening_reads_no_transcript_until_one_changes(
    demo_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = load_study(demo_study).transcript_paths()
    StudyIndex(demo_study).refresh(paths)
    read = counting_reads(monkeypatch)
    again = StudyIndex(demo_study)
    assert again.counts(paths[1], "ben") == truth(paths[1], "ben")
    again.refresh(paths)
    assert read == []
    store = AnnotationFile.open(annotation_path(paths[1], "ben"))
    store.remove(9 - 1)  # ben takes back turn 8
    assert StudyIndex(demo_study).counts(paths[1], "ben") is None  # stale: its file changed
    assert StudyIndex(demo_study).refresh(paths)[paths[1]][1]["ben"].first_to_review == 8
    assert read == []  # only the annotation file was read again
    text = paths[2].read_text()
    paths[2].write_text(text.replace("WEBVTT", "WEBVTT\n", 1))
    StudyIndex(demo_study).refresh(paths)
    assert read == [paths[2]]


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"version": 99, "transcripts": {}}',
        '{"version": 1, "transcripts": {"transcripts/grp1-s01.txt": {"signature": [1, 2], "turns": 17, "coders": {}}}}',
        '{"version": 1, "transcripts": {"transcripts/grp1-s01.txt": '
        '{"signature": [1, 2, 3], "turns": -4, "coders": {}}}}',
        '{"version": 1, "transcripts": {"x": {"signature": [1, 2, 3], "turns": 3, "coders": {"../evil": {}}}}}',
        "[" * 100_000,
    ],
)
def test_a_damaged_or_foreign_cache_reads_as_empty(demo_study: Path, content: str) -> None:
    from purer_tui.core.user_state import private_key

    (demo_study / ".purer").mkdir()
    key = private_key()
    assert key is not None
    signed = f"purer-tui study index {study_index_module._signature_of(content, key)}\n{content}"  # as if ours, damaged
    (demo_study / ".purer" / INDEX_FILE).write_text(signed)
    paths = load_study(demo_study).transcript_paths()
    index = StudyIndex(demo_study)
    assert index.counts(paths[0], "ana") is None
    assert index.refresh(paths)[paths[0]][1]["ana"] == truth(paths[0], "ana")[1]


def test_an_index_this_user_did_not_write_is_never_believed(
    demo_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = load_study(demo_study).transcript_paths()
    StudyIndex(demo_study).refresh(paths)
    cache = demo_study / ".purer" / INDEX_FILE
    header, _, payload = cache.read_text().partition("\n")
    data = json.loads(payload)
    entry = data["transcripts"]["transcripts/grp1-s01.txt"]
    entry["coders"]["ana"]["counts"] = [0, 0, 0, 1]  # the file signatures stay right: only the counts lie
    cache.write_text(header + "\n" + json.dumps(data))
    assert StudyIndex(demo_study).counts(paths[0], "ana") is None
    assert StudyIndex(demo_study).refresh(paths)[paths[0]][1]["ana"].first_to_review is None
    signed = cache.read_text()
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "a-teammate"))  # another user's key: their index is not ours
    assert StudyIndex(demo_study).counts(paths[0], "ana") is None
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "a-teammate-too"))
    cache.write_text(signed)
    assert StudyIndex(demo_study).counts(paths[0], "ana") is None


def test_the_index_keeps_only_the_study_s_transcripts(demo_study: Path) -> None:
    paths = load_study(demo_study).transcript_paths()
    StudyIndex(demo_study).refresh(paths)
    StudyIndex(demo_study).refresh(paths[:1])
    payload = (demo_study / ".purer" / INDEX_FILE).read_text().partition("\n")[2]
    assert list(json.loads(payload)["transcripts"]) == ["transcripts/grp1-s01.txt"]


def test_the_cache_is_never_read_through_a_link_and_stays_out_of_git(demo_study: Path, tmp_path: Path) -> None:
    paths = load_study(demo_study).transcript_paths()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (demo_study / ".purer").symlink_to(elsewhere)
    StudyIndex(demo_study).refresh(paths)
    assert list(elsewhere.iterdir()) == []  # nothing written through the link
    (demo_study / ".purer").unlink()
    os.chmod(demo_study / "purer.toml", 0o600)
    StudyIndex(demo_study).refresh(paths)
    cache = demo_study / ".purer" / INDEX_FILE
    assert stat.S_IMODE(cache.stat().st_mode) & 0o077 == 0  # no more readable than the study file
    assert (demo_study / ".purer" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert "Participant" not in cache.read_text() and "pain" not in cache.read_text()  # counts, never text or names


def test_a_journal_left_by_a_crash_makes_the_entry_stale(demo_study: Path) -> None:
    from purer_tui.core.journal import journal_path

    paths = load_study(demo_study).transcript_paths()
    StudyIndex(demo_study).refresh(paths)
    annotations = annotation_path(paths[1], "ana")
    store = AnnotationFile.open(annotations, journaled=True)
    store.remove(3)  # journaled, not folded into the file: the process dies here
    assert journal_path(annotations).exists()
    assert StudyIndex(demo_study).counts(paths[1], "ana") is None
    counted = StudyIndex(demo_study).refresh(paths)[paths[1]][1]["ana"]
    assert counted.first_to_review == 3 and counted == truth(paths[1], "ana")[1]


def test_state_files_a_pull_brought_are_narrowed_when_rewritten(demo_study: Path) -> None:
    os.chmod(demo_study / "purer.toml", 0o600)
    state = demo_study / ".purer"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)  # as git makes it
    for name in (INDEX_FILE, ".gitignore"):
        (state / name).write_text("{}")
        os.chmod(state / name, 0o666)
    StudyIndex(demo_study).refresh(load_study(demo_study).transcript_paths())
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    for name in (INDEX_FILE, ".gitignore"):
        assert stat.S_IMODE((state / name).stat().st_mode) & 0o077 == 0, name


def test_swapping_the_state_folder_for_a_link_mid_write_sends_nothing_out(
    demo_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import purer_tui.core.clone_state as clone_state_module
    from purer_tui.core.clone_state import CloneState

    outside = tmp_path / "outside"
    outside.mkdir()
    state = CloneState(demo_study)
    assert state.write("position.ana.json", "{}\n")
    real = clone_state_module._read_at

    def swap_then_read(folder: int, name: str, limit: int):  # type: ignore[no-untyped-def]
        if not (demo_study / ".purer").is_symlink():  # the race: between opening the folder and writing in it
            (demo_study / ".purer").rename(demo_study / "moved-away")
            (demo_study / ".purer").symlink_to(outside)
        return real(folder, name, limit)

    monkeypatch.setattr(clone_state_module, "_read_at", swap_then_read)
    assert state.write("index.json", "data\n")
    assert list(outside.iterdir()) == []
    assert (demo_study / "moved-away" / "index.json").read_text() == "data\n"
    assert state.read("index.json", 100) is None  # and nothing is read through the link either


def test_conflicts_and_records_changed_since_coded_are_counted(
    demo_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from purer_tui.core.annotation_records import AnnotationRecord, Conflict, TurnVersion

    paths = load_study(demo_study).transcript_paths()
    StudyIndex(demo_study).refresh(paths, ["eve"])
    transcript = load_transcript(paths[0])
    store = AnnotationFile.open(annotation_path(paths[0], "eve"))
    store.put(AnnotationRecord(2, ("x",), anchor=transcript.turn(2).anchor))  # coded on this text: not changed
    store.put(AnnotationRecord(3, ("x",), anchor="0" * 10))  # coded on text the turn no longer has
    store.put(AnnotationRecord(4, ("x",), anchor=transcript.turn(4).anchor, conflict=Conflict(TurnVersion(), None)))
    read = counting_reads(monkeypatch)
    counted = StudyIndex(demo_study).refresh(paths)[paths[0]][1]["eve"]
    assert read == []  # the anchors' digests are in the index: only the annotation file is read again
    assert (counted.conflicts, counted.changed) == (1, 1)
    assert counted == count_records(store, len(transcript.turns), study_index_module.anchor_digests(transcript))
    assert StudyIndex(demo_study).counts(paths[0], "eve") == (len(transcript.turns), counted)  # as saved


def test_an_edited_transcript_makes_its_coded_turns_changed(demo_study: Path) -> None:
    paths = load_study(demo_study).transcript_paths()
    before = StudyIndex(demo_study).refresh(paths)[paths[1]][1]["ben"]
    assert before.changed == 0 and before.reviewed >= 2
    transcript = load_transcript(paths[1])
    edited = transcript.turn(2).text.split()[0]
    text = paths[1].read_text()
    paths[1].write_text(text.replace(edited, edited + "-edited", 1))
    after = StudyIndex(demo_study).refresh(paths)[paths[1]][1]["ben"]
    assert after.changed == 1


def test_an_index_of_the_first_version_is_counted_afresh(demo_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from purer_tui.core.user_state import private_key

    paths = load_study(demo_study).transcript_paths()
    StudyIndex(demo_study).refresh(paths)
    cache = demo_study / ".purer" / INDEX_FILE
    data = json.loads(cache.read_text().partition("\n")[2])
    data["version"] = 1  # as the earlier app wrote it: four counts, no anchors
    for entry in data["transcripts"].values():
        del entry["anchors"]
        for known in entry["coders"].values():
            known["counts"] = known["counts"][:4]
    payload = json.dumps(data) + "\n"
    key = private_key()
    assert key is not None
    cache.write_text(f"purer-tui study index {study_index_module._signature_of(payload, key)}\n{payload}")
    assert StudyIndex(demo_study).counts(paths[0], "ana") is None  # not believed: another version
    read = counting_reads(monkeypatch)
    assert StudyIndex(demo_study).refresh(paths)[paths[0]][1]["ana"] == truth(paths[0], "ana")[1]
    assert read == paths  # every transcript counted again, once
    assert json.loads(cache.read_text().partition("\n")[2])["version"] == study_index_module.INDEX_VERSION
