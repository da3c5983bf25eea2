"""Files changed by another process while coding: reloaded or refused, never overwritten blindly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.session import CodingSession, Reloaded, TranscriptChangedError
from purer_tui.core.study import load_study


def coding(demo_study: Path, coder: str = "ana") -> CodingSession:
    study = load_study(demo_study)
    session = CodingSession(study.transcript_paths(), study.load_codebook(), coder)
    session.resume()
    return session


def test_a_pulled_annotation_file_is_reloaded_with_our_changes_on_top(demo_study: Path) -> None:
    session = coding(demo_study)
    session.goto_turn(2)
    session.toggle_code("education")  # ours, in the journal, not yet folded in
    path = demo_study / "transcripts" / "grp1-s01.ana.jsonl"
    pulled = AnnotationFile.open(path)
    pulled.put(AnnotationRecord(9, ("stage-3",), "from the other clone", pulled.get(9).anchor))  # what git pull brought
    os.utime(path, ns=(1, 1))
    assert session.compact() == [Reloaded(path, ())]
    after = AnnotationFile.open(path).records
    assert after[9].codes == ("stage-3",) and after[9].memo == "from the other clone"  # theirs kept
    assert after[2].codes == ("phenomenology", "education")  # ours kept on top
    session.close()


def test_a_turn_changed_both_here_and_in_a_pull_keeps_both_versions(demo_study: Path) -> None:
    session = coding(demo_study)
    session.goto_turn(2)
    session.toggle_code("education")  # ours: phenomenology + education
    path = demo_study / "transcripts" / "grp1-s01.ana.jsonl"
    pulled = AnnotationFile.open(path)
    theirs = AnnotationRecord(2, ("reframing",), "the other clone's memo", pulled.get(2).anchor)
    pulled.put(theirs)
    os.utime(path, ns=(1, 1))
    [merge] = session.compact()
    assert merge.conflicts == (2,)
    record = AnnotationFile.open(path).get(2)
    assert record.conflict is not None and record.conflict.theirs == theirs.version  # the pulled side and its memo kept
    assert record.conflict.ours is not None and record.conflict.ours.codes == ("phenomenology", "education")
    assert session.current.needs_review(2)  # n stops there to settle it
    session.close()


def test_switching_transcript_after_a_pull_merges_rather_than_failing(demo_study: Path) -> None:
    session = coding(demo_study)
    session.goto_turn(3)
    session.toggle_code("stage-2a")
    path = demo_study / "transcripts" / "grp1-s01.ana.jsonl"
    pulled = AnnotationFile.open(path)
    pulled.put(pulled.get(9)._replace(memo="pulled"))
    os.utime(path, ns=(1, 1))
    assert session.switch_transcript(+1)  # used to fail: "changed on disk... reopen it"
    assert session.take_news() == [Reloaded(path, ())]
    after = AnnotationFile.open(path).records
    assert after[9].memo == "pulled" and after[3].codes == ("stage-2a",)
    session.close()


def test_a_crash_after_a_merge_rebuilds_the_conflict_from_the_journal(demo_study: Path) -> None:
    """The conflict is journaled before anything else: if the process dies before the fold-in, nothing is lost."""
    from purer_tui.core.annotations import ChangedOnDiskError

    session = coding(demo_study)
    session.goto_turn(2)
    session.toggle_code("education")
    path = demo_study / "transcripts" / "grp1-s01.ana.jsonl"
    pulled = AnnotationFile.open(path)
    pulled.put(AnnotationRecord(2, ("reframing",), "theirs", pulled.get(2).anchor))
    os.utime(path, ns=(1, 1))
    store = session.current.store
    with pytest.raises(ChangedOnDiskError):
        store.compact()
    store.reload()  # merged in memory and journaled; then the process dies before folding in
    reopened = AnnotationFile.open(path, journaled=True)
    record = reopened.get(2)
    assert (
        record.conflict is not None and record.conflict.theirs is not None and record.conflict.theirs.memo == "theirs"
    )
    reopened.close()


def test_a_transcript_replaced_on_disk_refuses_further_changes(demo_study: Path) -> None:
    session = coding(demo_study, "cal")
    session.toggle_code("phenomenology")
    transcript = demo_study / "transcripts" / "grp1-s01.txt"
    transcript.write_text("Facilitator: a new first turn\n" + transcript.read_text())
    with pytest.raises(TranscriptChangedError, match="changed on disk while it was open"):
        session.toggle_code("education")
    assert AnnotationFile.open(demo_study / "transcripts" / "grp1-s01.cal.jsonl").get(1).codes == ("phenomenology",)
    session.close()


@pytest.mark.parametrize(
    "args",
    [
        ["export", "csv", "-o", "out.csv"],
        ["export", "qdpx", "-o", "out.qdpx"],
        ["progress", "--svg", "out.svg"],
        ["report", "--html", "out.html", "--boot", "100"],
        ["codebook", "import", "codebooks/purer.qdc", "-o", "imported.toml"],
        ["init", "new-study"],
    ],
)
def test_a_full_disk_is_one_line_and_leaves_nothing_half_written(
    demo_study: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    from click.testing import CliRunner

    import purer_tui.core.durable as durable
    from purer_tui.cli import main

    if args[0] == "codebook":
        assert (
            CliRunner()
            .invoke(main, ["export", "qdc", str(demo_study), "-o", str(demo_study / "codebooks" / "purer.qdc")])
            .exit_code
            == 0
        )
    monkeypatch.chdir(demo_study)
    before = {path: path.read_bytes() for path in demo_study.rglob("*") if path.is_file()}
    real_write = os.write

    def full(descriptor: int, data: bytes) -> int:
        if os.fstat(descriptor).st_size or len(data) > 64:  # the disk fills as the output is written
            raise OSError(28, "No space left on device")
        return real_write(descriptor, data)

    monkeypatch.setattr(durable.os, "write", full)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.stderr and "internal error" not in result.stderr
    after = {path: path.read_bytes() for path in demo_study.rglob("*") if path.is_file()}
    assert after == before  # nothing half-written, no temporary file left behind
