"""Files changed by another process while coding: reloaded or refused, never overwritten blindly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from purer_tui.core.annotations import AnnotationFile, AnnotationRecord
from purer_tui.core.session import CodingSession, TranscriptChangedError
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
    assert session.compact() == [path]
    after = AnnotationFile.open(path).records
    assert after[9].codes == ("stage-3",) and after[9].memo == "from the other clone"  # theirs kept
    assert after[2].codes == ("phenomenology", "education")  # ours kept on top
    session.close()


def test_a_transcript_replaced_on_disk_refuses_further_changes(demo_study: Path) -> None:
    session = coding(demo_study, "cal")
    session.toggle_code("phenomenology")
    transcript = demo_study / "transcripts" / "grp1-s01.txt"
    transcript.write_text("Facilitator: a new first turn\n" + transcript.read_text())
    with pytest.raises(TranscriptChangedError, match="changed on disk while it was open"):
        session.toggle_code("education")
    assert AnnotationFile.open(demo_study / "transcripts" / "grp1-s01.cal.jsonl").get(1).codes == ("phenomenology",)
    session.close()
