"""`purer-tui import qdpx`: a coded REFI-QDA project from NVivo, ATLAS.ti, MAXQDA or QualCoder as a new study.

Each text source becomes a transcript, its turns as our parser finds them in
the source's text (paragraphs when it names no speakers). Each user becomes a
coder. A coding is applied to every turn its selection overlaps, by its
coder: a selection inside part of a turn, or across several, is still applied
and listed. A selection's description and the notes it refers to become the
memo on those turns. What lands nowhere, and what the project holds that a
study cannot (PDF, pictures, audio, video, graphs, sets, cases), is counted
in the summary. The sources' variables become the transcripts' fields
(`[metadata]` of the study file), so session, group and date come along.

Everything is read, placed and checked in memory first; only then is the
study folder written, and a failure while writing removes what was written.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from purer_tui.core.annotation_parsing import MAX_MEMO_CHARACTERS
from purer_tui.core.annotation_paths import annotation_path
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.codebook import Codebook, load_codebook
from purer_tui.core.coders import CODER_PATTERN
from purer_tui.core.durable import atomic_write_text
from purer_tui.core.errors import InvalidFileError, Problem, UsageError
from purer_tui.core.study import METADATA_NAME_CHARACTERS, STUDY_FILE
from purer_tui.core.table_columns import FIXED_COLUMNS
from purer_tui.core.toml_files import MAX_TOML_BYTES
from purer_tui.core.transcript import Transcript, parse_transcript
from purer_tui.interchange.refi_qda_format import parse_selection_description
from purer_tui.interchange.refi_qda_import import ImportedCodebook, import_codebook
from purer_tui.interchange.refi_qda_project import ProjectContents, ProjectSelection, ProjectSource, read_project
from purer_tui.services.study_setup import init_study

#: Codes and memos put on turns, in all: a real project places a few per coded passage; a crafted one,
#: thousands of selections each spanning a whole long source, would take minutes.
MAX_PLACEMENTS = 2_000_000
#: A source variable's value as a transcript field (a date, a session, a site), and fields per transcript.
MAX_FIELD_CHARACTERS = 1_000
MAX_FIELDS = 64
#: Room left in the 4 MiB a TOML file may have for what `init` writes around the imported tables.
_STUDY_FILE_ROOM = 64 * 1024
#: Where notes that sit on no coded passage are saved, one text file each.
NOTES_FOLDER = "notes"
#: The coder of codings that name no user, in a project with no single user to give them to.
UNNAMED_CODER = "imported"
_NAME_CHARACTERS = 60
#: Bytes of a transcript's name: with `.<coder>.unplaced.jsonl` and a temporary file's suffix it stays under
#: the 255 bytes a file name may have.
_NAME_BYTES = 150
_WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)})
_SOURCE_SUFFIX = re.compile(r"\.(txt|text|docx?|rtf|odt|md|pdf|html?)$", re.IGNORECASE)
# A colon that ends a speaker label: followed by white space or the end of the line (not one inside a clock).
_LABEL_END = re.compile(r":(?=\s|$)", re.MULTILINE)

# Why a coding or a memo was not placed, as the summary says it.
UNKNOWN_CODE = "its code is not in the project's codebook"
NOT_CODABLE = "its code is a category that cannot be applied"
OUTSIDE_TEXT = "its positions lie outside the source's text"
NO_TURN = "it selects no turn's text (only blank space)"
NO_TEXT = "its source has no text the study could take"


@dataclass
class PlacedCoding:
    """A coding applied to more than the text it selected: part of a turn, or several turns."""

    transcript: str
    turns: tuple[int, ...]
    code: str
    coder: str


@dataclass
class SourceOutcome:
    name: str  # the source's name in the project
    transcript: str  # the transcript's path in the study, "" when none was written
    turns: int = 0
    paragraphs: bool = False  # no speakers found: each paragraph became a turn
    missing: str = ""  # why no transcript was written


@dataclass
class ImportOutcome:
    study_file: Path
    codebook: str  # its path in the study
    sources: list[SourceOutcome]
    coders: list[tuple[str, str]]  # the user's name -> coder id
    codings_placed: int = 0
    partial: list[PlacedCoding] = field(default_factory=list)
    spanning: list[PlacedCoding] = field(default_factory=list)
    trimmed: list[PlacedCoding] = field(default_factory=list)  # a turn a selection only grazed: not applied there
    memos: int = 0  # memos placed on turns (per turn and coder)
    unplaced: Counter[str] = field(default_factory=Counter)  # "coding: reason" or "memo: reason" -> how many
    not_carried: Counter[str] = field(default_factory=Counter)
    codebook_notes: list[str] = field(default_factory=list)
    memos_cut: list[tuple[str, int, str]] = field(default_factory=list)  # transcript, turn, coder
    clashes: list[tuple[str, int, str, str]] = field(default_factory=list)  # transcript, turn, coder, group label
    # turns a coder left uncoded in a source they coded in, counted as reviewed: transcript, coder, how many
    reviewed_uncoded: list[tuple[str, str, int]] = field(default_factory=list)
    notes_saved: list[str] = field(default_factory=list)  # notes on no passage, saved as files: their paths


@dataclass(slots=True)
class _TurnState:
    """A coder's turn as the import builds it (slots: a large project has a million of them)."""

    codes: set[str] = field(default_factory=set)
    memos: list[str] = field(default_factory=list)
    reviewed: bool = False
    flagged: bool = False
    _length: int = 0

    def add_memo(self, memo: str) -> None:
        """One more memo, in order, each text once; past the memo limit the rest would be cut anyway (and
        a turn's memos are few and short until then, so looking through them costs little)."""
        if self._length > MAX_MEMO_CHARACTERS:  # the joined memo is already cut: keep no more
            return
        if memo in self.memos:
            return
        self._length += len(memo) + (2 if self.memos else 0)  # the length of the memos joined by blank lines
        self.memos.append(memo)


@dataclass
class _Span:
    """Where a turn lies in its source: from its first line to its last character, and its text (after the label)."""

    start: int
    text_start: int
    end: int


def import_project(project_file: Path, folder: Path, coded_turns_only: bool = False) -> ImportOutcome:
    """Make a study in `folder` (absent, or an empty folder) from a `.qdpx` project.

    In a project from another program, a coder who coded anything in a source has reviewed all of it (what
    they left uncoded does not apply: NVivo and ATLAS.ti compare coders so); `coded_turns_only` counts
    only the turns they coded. A purer-tui project says which turns were reviewed.
    """
    folder = Path(os.path.abspath(folder))
    existed = _check_target(folder)
    contents = read_project(project_file)
    study_name = contents.name or project_file.stem
    imported = import_codebook(project_file)  # named as the codebook itself says, else as the project
    coder_of_user, coders = _coder_ids(contents)
    plan = _Plan(contents, imported, coder_of_user, coders, folder)
    plan.project_file = project_file
    plan.whole_sources = not coded_turns_only and not contents.from_purer_tui
    plan.place_all()
    if not any(source.transcript for source in plan.outcome.sources):
        missing = [source for source in plan.outcome.sources if source.missing]
        why = f" ({missing[0].name[:80]}: {missing[0].missing})" if missing else ""
        raise InvalidFileError(
            [
                Problem(
                    project_file,
                    None,
                    f"holds no text source whose text is inside the project{why}, so no transcript; nothing was "
                    "written (for its codebook alone: purer-tui codebook import)",
                )
            ]
        )
    made: list[Path] = []
    with _no_wider_than(project_file):
        if not existed:
            try:
                folder.mkdir()
            except FileExistsError:
                raise UsageError(f"{folder} appeared while the project was read; nothing was written") from None
        try:
            return plan.write(study_name, made)
        except BaseException:
            _undo(made, None if existed else folder)
            raise


@contextmanager
def _no_wider_than(project_file: Path) -> Iterator[None]:
    """Create files and folders no more readable than the project they come from (transcripts inside)."""
    try:
        mode = os.stat(project_file).st_mode
    except OSError:
        mode = 0o600
    closed = 0
    for shift in (3, 0):  # group, others: no read, nothing at all; read but no write, no write (folders keep x)
        bits = mode >> shift & 0o7
        closed |= (0o7 if not bits & 0o4 else 0 if bits & 0o2 else 0o2) << shift
    previous = os.umask(0o077)
    os.umask(previous | closed)
    try:
        yield
    finally:
        os.umask(previous)


def _check_target(folder: Path) -> bool:
    """Whether the folder exists (and is empty); refuses anything else."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise UsageError(f"{folder} is not a folder; choose a new folder for the study (nothing was written)")
    if folder.exists():
        if any(folder.iterdir()):
            raise UsageError(f"{folder} is not empty; choose a new or empty folder for the study (nothing was written)")
        return True
    if folder.parent.exists() and not folder.parent.is_dir():
        raise UsageError(f"{folder.parent} is not a folder; choose a folder for the study (nothing was written)")
    if not folder.parent.is_dir():
        raise UsageError(f"{folder.parent} does not exist; create it first (nothing was written)")
    return False


def coder_id_from(name: str) -> str:
    """A coder id from a person's name: ASCII letters and digits, lower case, `-` between words, at most 32."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9_]+", "-", ascii_name).strip("-_")[:32].strip("-_")


class _Names:
    """Names given so far (compared case-blind), and the next number to try for each base, so that
    thousands of users or sources of one name are named in linear time."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken = {name.casefold() for name in taken or ()}
        self._next: dict[str, int] = {}

    def unique(self, base: str, limit: int) -> str:
        candidate, number = base, self._next.get(base.casefold(), 2)
        while candidate.casefold() in self.taken:
            suffix = f"-{number}"
            candidate = base[: limit - len(suffix)].rstrip("-_") + suffix
            number += 1
        self._next[base.casefold()] = number
        self.taken.add(candidate.casefold())
        return candidate


def _coder_ids(contents: ProjectContents) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Each user's coder id (by the user's guid), and the list "name -> coder id" in the project's order."""
    names = _Names()
    by_guid: dict[str, str] = {}
    listed: list[tuple[str, str]] = []
    for user in contents.users:
        if user.guid in by_guid:
            continue
        base = coder_id_from(user.name) or coder_id_from(user.user_id) or "coder"
        coder = names.unique(base, 32)
        assert CODER_PATTERN.match(coder)
        by_guid[user.guid] = coder
        listed.append((user.name or user.user_id or user.guid, coder))
    return by_guid, listed


def transcript_name(source_name: str, names: _Names) -> str:
    """A safe, unique file name (without `.txt`) from a source's name: no folders, no controls, no dots,
    short enough in bytes for any file system (with the coder's annotation file name beside it)."""
    name = _SOURCE_SUFFIX.sub("", unicodedata.normalize("NFC", source_name.strip()))
    name = re.sub(r"[^\w-]+", "-", name).strip("-_")[:_NAME_CHARACTERS].strip("-_")
    while len(name.encode("utf-8")) > _NAME_BYTES:
        name = name[:-1]
    name = name.strip("-_") or "source"
    if unicodedata.normalize("NFKC", name).casefold() in _WINDOWS_RESERVED:  # `com¹` is `com1` to Windows
        name += "-source"
    return names.unique(name, _NAME_CHARACTERS)


def turn_spans(text: str, transcript: Transcript) -> list[_Span]:
    """Where each turn lies in the text its transcript was parsed from, in code points."""
    line_starts = [0]
    for match in re.finditer(r"\r\n|\r|\n", text):
        line_starts.append(match.end())
    spans: list[_Span] = []
    turns = transcript.turns
    for index, turn in enumerate(turns):
        start = line_starts[min(turn.line - 1, len(line_starts) - 1)]
        following = turns[index + 1].line - 1 if index + 1 < len(turns) else None
        limit = line_starts[following] if following is not None and following < len(line_starts) else len(text)
        end = start + len(text[start:limit].rstrip())
        body = start
        if turn.speaker:
            named = text.find(turn.speaker, start, end)
            if named >= 0:
                line_end = text.find("\n", named, end)
                label_end = _LABEL_END.search(text, named + len(turn.speaker), end if line_end < 0 else line_end + 1)
                body = label_end.end() if label_end else named + len(turn.speaker)
        while body < end and text[body].isspace():
            body += 1
        spans.append(_Span(start, body, end))
    return spans


class _Plan:
    """What the study will hold, worked out in memory before anything is written."""

    def __init__(
        self,
        contents: ProjectContents,
        imported: ImportedCodebook,
        coder_of_user: dict[str, str],
        coders: list[tuple[str, str]],
        folder: Path,
    ):
        self.contents = contents
        self.imported = imported
        self.coder_of_user = coder_of_user
        self.coders = coders
        self.folder = folder
        self.transcripts: list[tuple[Path, str, Transcript]] = []
        self.metadata: dict[str, dict[str, str]] = {}  # transcript name -> its sources' variable values
        self.states: dict[tuple[int, str], dict[int, _TurnState]] = {}  # (transcript index, coder) -> turn -> state
        self.outcome = ImportOutcome(folder, "", [], coders)
        self.outcome.not_carried.update(contents.not_carried)
        self._names = _Names()
        self._unnamed: str | None = None
        self._codable = {guid for guid, codable in contents.codes.items() if codable}
        self.whole_sources = False  # a coder who coded in a source reviewed all its turns
        self.project_file = Path()
        self._placements = 0  # codes and memos put on turns so far, against MAX_PLACEMENTS
        self._coded_in: dict[int, set[str]] = {}  # transcript index -> the coders who coded in it

    def coder(self, *users: str) -> str:
        """The first of these users that the project knows, else its only user, else `imported`."""
        for user in users:
            if user and user in self.coder_of_user:
                return self.coder_of_user[user]
        if len(self.coder_of_user) == 1:
            return next(iter(self.coder_of_user.values()))
        if self._unnamed is None:
            self._unnamed = _Names({coder for _, coder in self.coders}).unique(UNNAMED_CODER, 32)
            self.coders.append(("(codings that name no user)", self._unnamed))
        return self._unnamed

    def place_all(self) -> None:
        for source in self.contents.sources:
            self.place_source(source)

    def place_source(self, source: ProjectSource) -> None:
        shown = source.name or source.guid or "(unnamed source)"
        if source.text is None:
            self.outcome.sources.append(SourceOutcome(shown, "", missing=source.missing))
            for selection in source.selections:
                self._unplaced(selection, NO_TEXT)
            return
        name = transcript_name(source.name or "source", self._names)
        relative = f"transcripts/{name}.txt"
        transcript = parse_transcript(source.text, self.folder / relative)
        index = len(self.transcripts)
        self.transcripts.append((self.folder / relative, source.text, transcript))
        fields = {field: value for field, value in source.fields.items() if self._field_fits(field, value)}
        if len(fields) > MAX_FIELDS:
            self.outcome.not_carried[f"variable value past the first {MAX_FIELDS} of a source"] += (
                len(fields) - MAX_FIELDS
            )
            fields = dict(list(fields.items())[:MAX_FIELDS])
        if fields:
            self.metadata[name] = fields
        self.outcome.sources.append(
            SourceOutcome(
                shown, relative, len(transcript.turns), paragraphs=bool(transcript.turns) and not transcript.speakers
            )
        )
        spans = turn_spans(source.text, transcript)
        starts = [span.start for span in spans]
        for selection in source.selections:
            self.place_selection(selection, index, relative, source.text, spans, starts)
        if self.whole_sources:
            self._review_whole_source(index, relative, len(transcript.turns))

    def _field_fits(self, name: str, value: str) -> bool:
        """A variable value that can be a transcript field: a short printable name that is not a fixed
        column, and a value of reasonable length."""
        if name in FIXED_COLUMNS or not name.isprintable() or len(name) > METADATA_NAME_CHARACTERS:
            self.outcome.not_carried["variable value named like a fixed column or unprintable"] += 1
            return False
        if len(value) > MAX_FIELD_CHARACTERS:
            self.outcome.not_carried[f"variable value over {MAX_FIELD_CHARACTERS:,} characters"] += 1
            return False
        return True

    def place_selection(
        self, selection: ProjectSelection, index: int, relative: str, text: str, spans: list[_Span], starts: list[int]
    ) -> None:
        start, end = selection.start, selection.end
        if start is None or end is None or start > end or end > len(text):
            self._unplaced(selection, OUTSIDE_TEXT)
            return
        first = max(bisect.bisect_right(starts, start) - 1, 0)
        turns: list[int] = []  # 0-based indexes into spans
        for number in range(first, len(spans)):
            span = spans[number]
            if span.start >= max(end, start + 1):
                break
            if start < span.end and max(end, start + 1) > span.start:
                turns.append(number)
        if not turns:
            self._unplaced(selection, NO_TURN)
            return
        # A selection across turns that only grazes the first or last (a mouse overshooting into the next
        # turn's first letter) is not applied there; the summary lists each such edge.
        for edge in (turns[0], turns[-1]) if len(turns) > 1 else ():
            if len(turns) > 1 and _grazes(text, spans[edge], start, end):
                turns.remove(edge)
                codes = [self.imported.code_ids.get(coding.code_guid, "?") for coding in selection.codings]
                coder = self.coder(*(c.creating_user for c in selection.codings[:1]), selection.creating_user)
                self.outcome.trimmed.append(PlacedCoding(relative, (edge + 1,), ", ".join(codes) or "(memo)", coder))
        partial = any(start > spans[n].text_start or end < spans[n].end for n in turns)
        numbers = tuple(n + 1 for n in turns)
        self._count_placements(len(numbers) * (len(selection.codings) + 1))
        for coding in selection.codings:
            if coding.code_guid not in self.contents.codes or (
                coding.code_guid in self._codable and coding.code_guid not in self.imported.code_ids
            ):
                self.outcome.unplaced[f"coding: {UNKNOWN_CODE}"] += 1
                continue
            if coding.code_guid not in self._codable:
                self.outcome.unplaced[f"coding: {NOT_CODABLE}"] += 1
                continue
            code = self.imported.code_ids[coding.code_guid]
            coder = self.coder(coding.creating_user, selection.creating_user)
            self._coded_in.setdefault(index, set()).add(coder)
            for number in numbers:
                state = self._state(index, coder, number)
                state.codes.add(code)
                state.reviewed = True
            self.outcome.codings_placed += 1
            placed = PlacedCoding(relative, numbers, code, coder)
            if partial:
                self.outcome.partial.append(placed)
            if len(numbers) > 1:
                self.outcome.spanning.append(placed)
        described = parse_selection_description(selection.description)
        if not (described.memo or described.reviewed or described.flagged or selection.note_guids):
            return
        selection_coder = self.coder(selection.creating_user)
        memos: list[tuple[str, str]] = []  # (coder, text) in document order
        if described.memo:
            memos.append((selection_coder, described.memo))
        for note_guid in selection.note_guids:
            note = self.contents.notes.get(note_guid)
            if note is None:
                self.outcome.unplaced["note: its selection refers to a note the project does not hold"] += 1
                continue
            text_of_note = note.memo
            if text_of_note and text_of_note != described.memo:
                memos.append((self.coder(note.creating_user, selection.creating_user), text_of_note))
        for number in numbers:
            for coder, memo in memos:
                self._state(index, coder, number).add_memo(memo)
            if described.reviewed or described.flagged:
                state = self._state(index, selection_coder, number)
                state.reviewed |= described.reviewed
                state.flagged |= described.flagged

    def _review_whole_source(self, index: int, relative: str, turns: int) -> None:
        """Every turn of the source reviewed by each coder who coded in it (no code where they coded none)."""
        for coder in sorted(self._coded_in.get(index, ())):
            self._count_placements(turns)
            added = 0
            for number in range(1, turns + 1):
                state = self._state(index, coder, number)
                added += not state.reviewed
                state.reviewed = True
            if added:
                self.outcome.reviewed_uncoded.append((relative, coder, added))

    def _count_placements(self, count: int) -> None:
        """Refuse a project that would put more codes, memos and review marks on turns than is reasonable."""
        self._placements += count
        if self._placements > MAX_PLACEMENTS:
            raise InvalidFileError(
                [
                    Problem(
                        self.project_file,
                        None,
                        f"places more than {MAX_PLACEMENTS:,} codes and memos on turns (selections spanning whole "
                        "sources, many times over); nothing was written",
                    )
                ]
            )

    def _state(self, index: int, coder: str, number: int) -> _TurnState:
        return self.states.setdefault((index, coder), {}).setdefault(number, _TurnState())

    def _unplaced(self, selection: ProjectSelection, reason: str) -> None:
        if selection.codings:
            self.outcome.unplaced[f"coding: {reason}"] += len(selection.codings)
        memos = bool(parse_selection_description(selection.description).memo) + len(selection.note_guids)
        if memos:
            self.outcome.unplaced[f"memo: {reason}"] += memos

    def records(self, codebook: Codebook) -> dict[Path, dict[int, AnnotationRecord]]:
        """Each annotation file's records, by its path; memos cut to the core's limit, clashes listed."""
        files: dict[Path, dict[int, AnnotationRecord]] = {}
        for (index, coder), turns in sorted(self.states.items()):
            path, _, transcript = self.transcripts[index]
            relative = path.relative_to(self.folder).as_posix()
            records: dict[int, AnnotationRecord] = {}
            for number, state in sorted(turns.items()):
                memo = "\n\n".join(state.memos)
                if len(memo) > MAX_MEMO_CHARACTERS:
                    memo = memo[:MAX_MEMO_CHARACTERS]
                    self.outcome.memos_cut.append((relative, number, coder))
                if not (state.reviewed or memo or state.flagged):
                    continue
                codes = tuple(codebook.in_codebook_order(state.codes))
                self.outcome.memos += bool(memo)
                for group, _ in codebook.exclusive_conflicts(codes):
                    self.outcome.clashes.append((relative, number, coder, group.label))
                turn = transcript.turn(number)
                records[number] = AnnotationRecord(
                    number, codes, memo, turn.anchor, reviewed=state.reviewed, flag=state.flagged
                )
            if records:
                files[annotation_path(path, coder)] = records
        return files

    def write(self, study_name: str, made: list[Path]) -> ImportOutcome:
        """Write the study, recording in `made` each file and folder as it is created (to undo a failure)."""
        info = self.imported.data.get("codebook")
        slug = coder_id_from(str(info.get("name", "")) if isinstance(info, dict) else "") or "codebook"
        codebook_file = self.folder / "codebooks" / f"{slug}.toml"
        codebook_text = self.imported.toml()
        # The sources' variables as each transcript's fields (session, group, date: the reports use them), and
        # the speakers' roles, in place of the commented example.
        tables: dict[str, object] = {}
        if self.contents.roles:
            tables["roles"] = self.contents.roles
        if self.metadata:
            tables["metadata"] = self.metadata
        tables_text = tomli_w.dumps(tables) if tables else ""
        for what, text in (("its codebook", codebook_text), ("the study file", tables_text)):
            if len(text.encode("utf-8")) > MAX_TOML_BYTES - _STUDY_FILE_ROOM:
                raise InvalidFileError(
                    [
                        Problem(
                            self.project_file,
                            None,
                            f"{what} would be over {MAX_TOML_BYTES // (1024 * 1024)} MiB, more than purer-tui reads; "
                            "nothing was written",
                        )
                    ]
                )
        made.append(codebook_file.parent)
        codebook_file.parent.mkdir()
        made.append(codebook_file)
        atomic_write_text(codebook_file, codebook_text)
        self.outcome.codebook = codebook_file.relative_to(self.folder).as_posix()
        self.outcome.codebook_notes = list(self.imported.notes)
        made += [self.folder / "transcripts", self.folder / ".gitignore", self.folder / STUDY_FILE]
        self.outcome.study_file = init_study(self.folder, study_name, str(codebook_file), ["transcripts/*.txt"])
        if tables_text:
            study_text = self.outcome.study_file.read_text(encoding="utf-8")
            if self.contents.roles:
                study_text = _without_roles_example(study_text)
            atomic_write_text(self.outcome.study_file, f"{study_text.rstrip()}\n\n{tables_text}")
        codebook = load_codebook(codebook_file)
        for path, text, _ in self.transcripts:
            made.append(path)
            atomic_write_text(path, text)
        for path, records in self.records(codebook).items():
            made.append(path)
            AnnotationFile(path).replace_all(records)
        self._save_notes(made)
        return self.outcome

    def _save_notes(self, made: list[Path]) -> None:
        """Notes on no coded passage (journals, project and code memos) as text files in `notes/`, so that
        nothing the team wrote stays behind in the other program."""
        if not self.contents.notes_left_out:
            return
        folder = self.folder / NOTES_FOLDER
        made.append(folder)
        folder.mkdir()
        names = _Names()
        for note in self.contents.notes_left_out:
            title = note.name or note.text.split("\n", 1)[0][:60]
            path = folder / f"{transcript_name(title or 'note', names)}.txt"
            made.append(path)
            heading = f"{note.name}\n\n" if note.name else ""
            atomic_write_text(path, f"{heading}{note.text}\n")
            self.outcome.notes_saved.append(path.relative_to(self.folder).as_posix())


def _undo(made: list[Path], created_folder: Path | None) -> None:
    """Remove what an import created, newest first: only those files, and folders only when empty, so
    nothing anyone else put there is ever removed (never a whole tree)."""
    for path in reversed(made):
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        except OSError:
            continue
    if created_folder is not None:
        try:
            created_folder.rmdir()
        except OSError:
            pass


#: At most this many characters of a turn's text inside a selection that goes on into another turn, and
#: under a tenth of the turn, count as a selection overshooting, not as coding that turn.
GRAZE_CHARACTERS = 3


def _grazes(text: str, span: _Span, start: int, end: int) -> bool:
    """Whether a selection touches this turn's text by only a few characters (or none at all)."""
    touched = text[max(start, span.text_start) : min(end, span.end)].strip()
    return len(touched) <= GRAZE_CHARACTERS and len(touched) * 10 < max(span.end - span.text_start, 1)


def _without_roles_example(study_text: str) -> str:
    """The new study file without its commented `[roles]` example (the real table follows)."""
    lines = study_text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("# Who speaks in which role"))
    except StopIteration:
        return study_text
    end = start
    while end < len(lines) and lines[end].startswith("#"):
        end += 1
    return "\n".join(lines[:start] + lines[end:]) + "\n"
