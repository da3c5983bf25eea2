"""`purer-tui check`: every problem of a study, one line each, without stopping at the first.

Reads the study file, the codebook, every transcript and every annotation
file, and reports what a coder or a script would trip over later: bad JSON,
unknown codes, two codes of an exclusive group on one turn, turns that do
not exist, and anchors that no longer match their turn (the transcript was
edited after it was coded).
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

from purer_tui.core.annotation_parsing import parse_annotations, read_annotation_text
from purer_tui.core.annotation_paths import ANNOTATION_SUFFIX, UNPLACED_SUFFIX, AnnotationFinder
from purer_tui.core.annotation_records import AnnotationRecord, Conflict, describe_version
from purer_tui.core.annotations import replay_journal
from purer_tui.core.bulk_loading import collector_paused
from purer_tui.core.case_metadata import speaker_role
from purer_tui.core.codebook import Codebook, CodeGroup, build_codebook
from purer_tui.core.coders import CODER_PATTERN
from purer_tui.core.consensus import consensus_file_problems
from purer_tui.core.errors import InvalidFileError, Problem, display_path
from purer_tui.core.journal import journal_path
from purer_tui.core.safe_text import visible_controls
from purer_tui.core.study import Study, build_study, find_study_file
from purer_tui.core.table_columns import CODE_COLUMN_PREFIX, FIXED_COLUMNS
from purer_tui.core.toml_files import TomlDocument, read_toml
from purer_tui.core.transcript import Transcript, load_transcript

#: Annotation files as read, each with its journal replayed: what `AnnotationFile.open(path).records` gives.
ReadRecords = dict[Path, Mapping[int, AnnotationRecord]]


def check_study(start: Path, keep: ReadRecords | None = None) -> list[Problem]:
    """All problems of the study at or above `start` (raises `UsageError` when there is none).

    With `keep`, each annotation file read with no error is kept there, for a later step that needs the records."""
    with collector_paused():  # a bulk load of every file of the study (see bulk_loading)
        return _check_study(start, keep)


def _check_study(start: Path, keep: ReadRecords | None) -> list[Problem]:
    study_path = find_study_file(start)
    problems: list[Problem] = []
    try:
        study = build_study(read_toml(study_path, "study file", follow_links=False), problems)
    except InvalidFileError as error:
        return error.problems
    if study is None:
        return problems

    codebook, document = _check_codebook(study, problems)
    transcripts = _check_transcripts(study, problems)
    finder = AnnotationFinder()
    known = sorted({coder for transcript in transcripts for coder in finder.files(transcript.path)})
    problems.extend(consensus_file_problems(study, known))
    problems.extend(_check_metadata(study, transcripts, codebook))
    role_of = _cached(lambda speaker: speaker_role(study, speaker)) if study.roles else None
    carrying: dict[str, Counter[str]] = defaultdict(Counter)  # coder -> turns per split code
    for transcript in transcripts:
        for coder, path in finder.files(transcript.path).items():
            problems.extend(check_annotation_file(path, transcript, codebook, role_of, carrying[coder], keep))
    problems.extend(_orphan_annotation_files(transcripts))
    if codebook is not None and document is not None:
        problems.extend(_split_code_problems(codebook, document, carrying))
    return problems


def _split_code_problems(
    codebook: Codebook, document: TomlDocument, carrying: dict[str, Counter[str]]
) -> list[Problem]:
    """Turns still carrying a split code, once per code and coder; a split code no turn carries can go."""
    problems = []
    for code in codebook.codes:
        if not code.split_into:
            continue
        path = f"codes.{code.id}.split_into"
        counts = [(coder, tally[code.id]) for coder, tally in sorted(carrying.items()) if tally[code.id]]
        for coder, count in counts:
            problems.append(
                document.problem(
                    path,
                    f"{coder}: {count} turn(s) still carry split code {code.id}; "
                    f"recode them with purer-tui code --recheck {code.id} --coder {coder}",
                    "warning",
                )
            )
        if not counts:
            problems.append(
                document.problem(
                    path,
                    f"no turn carries split code {code.id} any more; its table can be deleted "
                    f"(and split_into lists naming it)",
                    "warning",
                )
            )
    return problems


def _check_codebook(study: Study, problems: list[Problem]) -> tuple[Codebook | None, TomlDocument | None]:
    try:
        study.check_codebook_inside()
        document = read_toml(study.codebook_path, "codebook")
    except InvalidFileError as error:
        if not study.codebook_path.exists():
            problems.append(
                Problem(
                    study.path,
                    None,
                    f"study.codebook: {study.settings.codebook} does not exist; fix the path or add the codebook",
                )
            )
        else:
            problems.extend(error.problems)
        return None, None
    codebook = build_codebook(document, problems, study.keymap)
    if codebook is not None:
        problems.extend(_column_name_ids(study, codebook, document))
    return codebook, document


def _check_transcripts(study: Study, problems: list[Problem]) -> list[Transcript]:
    for pattern in study.settings.transcripts:
        for folder in study.folders_matching(pattern):
            problems.append(Problem(folder, None, "is a folder, not a transcript file, so it is left out", "warning"))
        for link in study.links_outside(pattern):
            problems.append(
                Problem(
                    link,
                    None,
                    "is a link to a file outside the study, so it is left out; copy the file into the study",
                    "warning",
                )
            )
        if not study.matches(pattern):
            problems.append(Problem(study.path, None, f'study.transcripts: "{pattern}" matches no file', "warning"))
    transcripts = []
    by_stem: dict[tuple[Path, str], Path] = {}
    for path in study.transcript_paths():
        key = (path.parent, path.stem)
        if key in by_stem:
            problems.append(
                Problem(
                    path,
                    None,
                    f"has the same name as {by_stem[key].name} before the ending, "
                    "so both would share annotation files; rename one",
                )
            )
            continue
        by_stem[key] = path
        try:
            transcript = load_transcript(path)
        except InvalidFileError as error:
            problems.extend(error.problems)
            continue
        if not transcript.turns:
            problems.append(Problem(path, None, "has no turns (is it empty?)", "warning"))
        transcripts.append(transcript)
    return transcripts


def _cached(role_of: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """A speaker's role, worked out once per speaker (a study has thousands of turns, a few speakers)."""
    roles: dict[str, str | None] = {}

    def lookup(speaker: str) -> str | None:
        if speaker not in roles:
            roles[speaker] = role_of(speaker)
        return roles[speaker]

    return lookup


def _check_metadata(study: Study, transcripts: list[Transcript], codebook: Codebook | None) -> list[Problem]:
    problems = []
    stems = {transcript.path.stem for transcript in transcripts}
    for stem in study.metadata:
        if stem not in stems:
            problems.append(
                Problem(
                    study.path,
                    None,
                    f'metadata.{stem}: no transcript is named "{stem}" (the name without its ending)',
                    "warning",
                )
            )
    if codebook is not None and study.roles:
        for group in codebook.groups:
            for role in group.roles:
                if role not in study.roles:
                    problems.append(
                        Problem(
                            codebook.path,
                            None,
                            f'groups.{group.id}.roles: the study declares no role "{role}" '
                            f"(roles: {', '.join(study.roles)})",
                            "warning",
                        )
                    )
    return problems


def _column_name_ids(study: Study, codebook: Codebook, document: TomlDocument) -> list[Problem]:
    """Code ids that are also a column of the CSV export (a fixed column or a transcript field)."""
    pattern = study.settings.metadata_pattern
    fields = set(re.compile(pattern).groupindex) if pattern else set()
    fields.update(name for table in study.metadata.values() for name in table)
    problems = []
    for code in codebook.codes:
        if code.id in FIXED_COLUMNS or code.id in fields:
            kind = "a column" if code.id in FIXED_COLUMNS else "a transcript field and column"
            problems.append(
                document.problem(
                    f"codes.{code.id}",
                    f'"{code.id}" is also {kind} of the CSV export, so the wide CSV names this '
                    f'code\'s column "{CODE_COLUMN_PREFIX}{code.id}"; rename the code (e.g. "{code.id}-code") '
                    "to keep it plain",
                    "warning",
                )
            )
    return problems


def check_annotation_file(
    path: Path,
    transcript: Transcript | None,
    codebook: Codebook | None,
    role_of: Callable[[str], str | None] | None = None,
    carrying: Counter[str] | None = None,
    keep: ReadRecords | None = None,
) -> list[Problem]:
    """Problems of one annotation file against its transcript and the codebook, when known.

    `carrying`, when given, counts the turns carrying each split code (for one warning per code and coder).
    `keep`, when given, takes the file's records when it reads as `AnnotationFile.open` would read it (no
    error, its journal replayed or none)."""
    try:
        parsed = parse_annotations(read_annotation_text(path), path)
    except InvalidFileError as error:
        return error.problems
    problems = list(parsed.problems)
    journal = journal_path(path)
    pending = journal.exists()
    if pending:
        try:
            replay_journal(parsed.records, journal)
        except InvalidFileError as error:
            return problems + error.problems
        problems.append(
            Problem(
                journal,
                None,
                "changes of an open or interrupted coding session; "
                "they are folded in when it closes or the coder reopens it",
                "warning",
            )
        )
    if keep is not None and not parsed.errors and (pending or not os.path.lexists(journal)):
        keep[path] = parsed.records  # a journal that is a broken link is left to the reader's own answer
    # Looked up once per file, not once per record (a study has hundreds of thousands of records); what
    # depends only on a turn's codes (and its speaker) is worked out once per distinct list of codes.
    group_of = {code.id: codebook.group(code.group) for code in codebook.codes} if codebook is not None else {}
    split = {code.id for code in codebook.codes if code.split_into} if codebook is not None else set()
    of_codes: dict[tuple[str, ...], tuple[list[str], list[tuple[CodeGroup, list[str]]]]] = {}
    of_speaker: dict[tuple[str, tuple[str, ...]], list[tuple[str, CodeGroup, str | None]]] = {}
    turns = transcript.turns if transcript is not None else ()
    line_of = parsed.lines
    drifted: list[tuple[int, int | None]] = []  # (turn, line) of records whose turn's text changed since coding
    for turn, record in parsed.records.items():
        line = line_of.get(turn)
        codes = record.codes
        if record.conflict is not None:
            problems.append(
                Problem(
                    path,
                    line,
                    f"turn {turn}: merge conflict ({describe_conflict(record.conflict)}); "
                    "settle it with `purer-tui git resolve` or in `purer-tui code`",
                )
            )
        if split and carrying is not None:
            for code_id in codes:
                if code_id in split:
                    carrying[code_id] += 1
        if codebook is not None and codes:
            found = of_codes.get(codes)
            if found is None:
                unknown = [code_id for code_id in codes if code_id not in group_of]
                found = of_codes[codes] = (unknown, codebook.exclusive_conflicts(codes))
            unknown, clashes = found
            for code_id in unknown:
                problems.append(
                    Problem(path, line, f'turn {turn}: unknown code "{code_id}"; add it to the codebook or remove it')
                )
            for group, members in clashes:
                problems.append(
                    Problem(
                        path,
                        line,
                        f"turn {turn}: {' and '.join(members)} are both in exclusive group {group.id}; keep one",
                    )
                )
        if transcript is None:
            continue
        if turn > len(turns):
            problems.append(
                Problem(path, line, f"turn {turn} does not exist; {transcript.path.name} has {len(turns)} turns")
            )
            continue
        spoken = turns[turn - 1]
        if role_of is not None and codes:
            key = (spoken.speaker, codes)
            misplaced = of_speaker.get(key)
            if misplaced is None:
                role = role_of(spoken.speaker)
                misplaced = of_speaker[key] = [
                    (code_id, owner, role)
                    for code_id in codes
                    if (owner := group_of.get(code_id)) is not None and not owner.applies_to(role)
                ]
            for code_id, owner, role in misplaced:
                problems.append(
                    Problem(
                        path,
                        line,
                        f"turn {turn}: {code_id} is for {', '.join(owner.roles)} turns, but {spoken.speaker} is {role}",
                        "warning",
                    )
                )
        if record.anchor and record.anchor != spoken.anchor:
            drifted.append((turn, line))
    if drifted and transcript is not None:
        problems.append(_drift_problem(path, transcript, drifted))
    return problems


#: At most this many turn numbers are named in a line about a transcript's anchor drift.
TURNS_NAMED = 10


def _drift_problem(path: Path, transcript: Transcript, drifted: list[tuple[int, int | None]]) -> Problem:
    """One line per file: which coded turns no longer match their text, and the command that moves them."""
    drifted.sort()
    named = ", ".join(str(turn) for turn, _ in drifted[:TURNS_NAMED]) + (", ..." if len(drifted) > TURNS_NAMED else "")
    shown = visible_controls(display_path(transcript.path))
    return Problem(
        path,
        drifted[0][1],
        f"{len(drifted)} coded turn(s) no longer match {visible_controls(transcript.path.name)} (turn {named}): "
        f"it was edited after coding; run `purer-tui reanchor {shown}` to move the codes with their text",
    )


def _unplaced_problems(sidecar: Path) -> list[Problem]:
    try:
        text = read_annotation_text(sidecar)
    except InvalidFileError as error:
        return error.problems
    turns = [line for line in text.split("\n") if line.strip()]
    if not turns:
        return []
    return [
        Problem(
            sidecar,
            None,
            f"{len(turns)} coded turn(s) could not be placed after the transcript changed; "
            "re-apply them where they belong, then delete this file",
            "warning",
        )
    ]


def describe_conflict(conflict: Conflict) -> str:
    also = "".join(f"; also: {describe_version(version)}" for version in conflict.more)
    return f"ours: {describe_version(conflict.ours)}; theirs: {describe_version(conflict.theirs)}{also}"


#: The temporary file of an atomic save (`purer_tui.core.durable`): `.<target>.<pid>-<8 hex digits>.tmp`.
_INTERRUPTED_SAVE = re.compile(r"^\.(?P<target>.+)\.\d+-[0-9a-f]{8}\.tmp$")


def _interrupted_saves(folder: Path) -> list[Problem]:
    """Hidden files of purer-tui's own that are wrong: links where journals and locks belong (the app refuses
    to code beside them), and temporary files a crash left mid-save (they can hold memos, to be deleted)."""
    try:
        entries = sorted((entry.name, entry.is_symlink()) for entry in os.scandir(folder) if entry.name.startswith("."))
    except OSError:
        return []
    problems = []
    for name, is_link in entries:
        if is_link and name.endswith((".journal", ".lock")):
            problems.append(
                Problem(
                    folder / name,
                    None,
                    "is a link where purer-tui keeps a coding journal or lock; "
                    "remove it (coding refuses to start beside it)",
                )
            )
    names = [name for name, _ in entries if name.endswith(".tmp")]
    for name in names:
        match = _INTERRUPTED_SAVE.match(name)
        if match:
            problems.append(
                Problem(
                    folder / name,
                    None,
                    f"left by an interrupted save of {visible_controls(match.group('target'))} "
                    "(what it held is still there, or in its journal); delete it, and keep it out of git",
                    "warning",
                )
            )
    return problems


def _orphan_annotation_files(transcripts: list[Transcript]) -> list[Problem]:
    """`.jsonl` files beside the transcripts that belong to none of them."""
    stems_by_folder: dict[Path, set[str]] = defaultdict(set)
    for transcript in transcripts:
        stems_by_folder[transcript.path.parent].add(transcript.path.stem)
    problems = []
    for folder, stems in stems_by_folder.items():
        problems.extend(_interrupted_saves(folder))
        for entry in sorted(folder.glob(f"*{ANNOTATION_SUFFIX}")):
            if entry.name.endswith(UNPLACED_SUFFIX):
                problems.extend(_unplaced_problems(entry))
                continue
            stem, _, coder = entry.name[: -len(ANNOTATION_SUFFIX)].rpartition(".")
            if stem in stems and CODER_PATTERN.match(coder):
                continue
            if stem in stems:
                problems.append(
                    Problem(
                        entry, None, f'"{coder}" is not a valid coder id, so this file is ignored; rename it', "warning"
                    )
                )
            else:
                problems.append(
                    Problem(entry, None, "belongs to no transcript of the study, so it is ignored", "warning")
                )
    return problems
