"""`purer-tui reanchor`: moving a study's codes along with transcript corrections.

For every annotation file whose anchors no longer match its transcript, find
the version it was coded on (in git history, or a file the coder names),
plan where each record goes (`core.reanchor`), and, once the coder confirms,
rewrite the file. Records that cannot be placed are never dropped: they go
to `X.<coder>.unplaced.jsonl` beside the file, which `check` reports until the
coder re-applies them and deletes it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from purer_tui.core.annotation_parsing import read_annotation_text
from purer_tui.core.annotation_paths import AnnotationFinder, unplaced_path
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.durable import atomic_write_text
from purer_tui.core.errors import PurerError
from purer_tui.core.lock import CoderLocks
from purer_tui.core.reanchor import ReanchorPlan, coded_on, is_stale, plan_reanchor
from purer_tui.core.study_files import transcript_beside
from purer_tui.core.transcript import Transcript, load_transcript
from purer_tui.gitwork.history import earlier_versions


@dataclass
class FilePlan:
    path: Path
    coder: str
    transcript: Transcript
    records: dict[int, AnnotationRecord]
    plan: ReanchorPlan
    old_source: str | None  # where the coded-on version came from


def plan_transcript(path: Path, old_file: Path | None = None, finder: AnnotationFinder | None = None) -> list[FilePlan]:
    """Plans for every coder's annotations of one transcript that no longer match it."""
    transcript = load_transcript(path)
    plans = []
    for coder, annotation_path in (finder or AnnotationFinder()).files(path).items():
        records = dict(AnnotationFile.open(annotation_path).records)
        if not any(is_stale(record, transcript) for record in records.values()):
            continue
        old, source = _coded_on_version(path, records, old_file)
        plans.append(
            FilePlan(annotation_path, coder, transcript, records, plan_reanchor(records, transcript, old), source)
        )
    return plans


def _coded_on_version(
    path: Path, records: dict[int, AnnotationRecord], old_file: Path | None
) -> tuple[Transcript | None, str | None]:
    if old_file is not None:
        old = load_transcript(old_file)
        return (old, str(old_file)) if coded_on(records, old) else (None, None)
    for version in earlier_versions(path):
        if coded_on(records, version):
            return version, "git history"
    return None, None


def apply(plans: list[FilePlan]) -> None:
    """Rewrite each planned file (under its coder lock); unplaced records go to the sidecar."""
    locks = CoderLocks()
    try:
        for file_plan in plans:
            locks.acquire(file_plan.path)
            AnnotationFile.open(file_plan.path, journaled=True).close()  # fold in a crashed session's journal
            store = AnnotationFile.open(file_plan.path)
            if dict(store.records) != file_plan.records:
                raise PurerError("changed since the plan was made; run reanchor again", file_plan.path)
            unplaced = [placement.record for placement in file_plan.plan.unplaced]
            if unplaced:
                _add_unplaced(file_plan.path, unplaced)
            store.replace_all(file_plan.plan.new_records(file_plan.transcript))
    finally:
        locks.release()


def _add_unplaced(annotation_path: Path, records: list[AnnotationRecord]) -> None:
    sidecar = unplaced_path(annotation_path)
    existing = read_annotation_text(sidecar) if os.path.lexists(sidecar) else ""  # a link is refused, never read
    atomic_write_text(
        sidecar,
        existing + "".join(record.to_json_line() + "\n" for record in records),
        transcript_beside(annotation_path),
    )
