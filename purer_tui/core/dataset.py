"""A study's coding, loaded once for the reports: every reviewed turn with its transcript, speaker role, case and coder.

Records with an unsettled merge conflict are left out (they are neither
side's yet), like in agreement, and so are lines that only hold a memo or a
flag on a turn not reviewed yet. Flagged turns are counted for `stats`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from purer_tui.core.annotation_paths import AnnotationFinder
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.bulk_loading import collector_paused
from purer_tui.core.case_metadata import (
    TranscriptInfo,
    case_of,
    speaker_role,
    transcript_info,
)
from purer_tui.core.codebook import Codebook
from purer_tui.core.study import Study
from purer_tui.core.study_coders import CoderChoice, choose_report_coders
from purer_tui.core.transcript import Transcript, Turn, load_transcript


class CodedTurn(NamedTuple):
    """One coder's decision on one turn. A named tuple: as immutable as a frozen dataclass and much cheaper to
    build, which counts when a study is read (900,000 records)."""

    info: TranscriptInfo
    turn: Turn
    role: str | None
    case: str
    coder: str
    codes: tuple[str, ...]
    memo: str = ""
    suggested: tuple[str, ...] = ()  # the codes applied from a suggestion (the record's "suggested")


#: Builds a coded turn from all its fields at once: the named tuple's own constructor is Python code, and a
#: study has 900,000 coded turns to build.
_new_coded = tuple.__new__


@dataclass
class Dataset:
    study: Study
    codebook: Codebook
    choice: CoderChoice  # the coders used, and the line that says which
    transcripts: list[TranscriptInfo]
    parsed: dict[Path, Transcript] = field(default_factory=dict)
    coded: list[CodedTurn] = field(default_factory=list)
    # (transcript, coder) -> turn number -> coded turn
    index: dict[tuple[Path, str], dict[int, CodedTurn]] = field(default_factory=dict)
    # (transcript, coder) -> turns flagged to come back to, reviewed or not
    flagged: dict[tuple[Path, str], int] = field(default_factory=dict)

    @property
    def coders(self) -> list[str]:
        return self.choice.coders

    @property
    def transcript_paths(self) -> list[Path]:
        """The transcripts read: a file written from this data is no more readable than any of them."""
        return [info.path for info in self.transcripts]

    def role(self, speaker: str) -> str | None:
        return speaker_role(self.study, speaker)


#: Shows how reading goes: called with the transcripts and the number of files, returns them to iterate over.
Progress = Callable[[list[TranscriptInfo], int], Iterable[TranscriptInfo]]


def load_dataset(
    study: Study, coders: Sequence[str] | None = None, every_coder: bool = False, progress: Progress | None = None
) -> Dataset:
    """The coding of the coders named (each must have files in the study), else of the default coders
    (`choose_report_coders`: the consensus when it is complete, else every coder; with `every_coder`, every coder)."""
    with collector_paused():
        return _load(study, coders, every_coder, progress)


def _load(study: Study, coders: Sequence[str] | None, every_coder: bool, progress: Progress | None) -> Dataset:
    paths = study.transcript_paths()
    finder = AnnotationFinder()
    choice = choose_report_coders(study, paths, coders, every_coder)
    chosen = choice.coders
    data = Dataset(study, study.load_codebook(), choice, [transcript_info(study, path) for path in paths])
    roles: dict[str, str | None] = {}  # per speaker, worked out once
    append = data.coded.append
    files_read = len(paths) * (1 + len(chosen))
    for info in progress(data.transcripts, files_read) if progress else data.transcripts:
        speakers: dict[str, tuple[str | None, str]] = {}  # per speaker within this transcript: role and case
        transcript = load_transcript(info.path)
        data.parsed[info.path] = transcript
        turns = transcript.turns
        count = len(turns)
        files = finder.files(info.path)
        for coder in chosen:
            if coder not in files:
                continue
            by_turn = data.index.setdefault((info.path, coder), {})
            flagged = 0
            for number, record in AnnotationFile.open(files[coder]).records.items():
                if record.conflict is not None or number > count:
                    continue
                flagged += record.flag
                if not record.reviewed:
                    continue
                turn = turns[number - 1]
                speaker = turn.speaker
                known = speakers.get(speaker)
                if known is None:
                    if speaker not in roles:
                        roles[speaker] = speaker_role(study, speaker)
                    known = speakers[speaker] = (roles[speaker], case_of(info, speaker))
                coded = _new_coded(CodedTurn, (info, turn, *known, coder, record.codes, record.memo, record.suggested))
                append(coded)
                by_turn[number] = coded
            if flagged:
                data.flagged[(info.path, coder)] = flagged
    return data
