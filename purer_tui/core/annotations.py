"""The annotation store: one JSON Lines file per transcript and coder, beside the transcript.

`X.txt` coded by `ana` is stored in `X.ana.jsonl`: one line per turn the coder
has reviewed, sorted by turn, keys sorted, compact, no timestamps, so that git
diffs show exactly what changed and merges rarely meet:

    {"anchor":"3f2a9c01bd","codes":["phenomenology"],"memo":"...","turn":12}

A turn with no line has not been reviewed; a line with `"codes":[]` was
reviewed and nothing applies. Agreement statistics depend on that difference.
A line may also hold a memo or a flag on a turn not reviewed yet
(`"reviewed":false`): a note is never a coding decision.
Every change is written atomically and fsynced before the call returns, and a
file that could not be read, or that changed on disk since it was read, is
never overwritten.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, NamedTuple

from purer_tui.core.coders import CODER_PATTERN, validate_coder
from purer_tui.core.durable import atomic_write_text
from purer_tui.core.errors import InvalidFileError, Problem, PurerError
from purer_tui.core.journal import JournalWriter, journal_path, read_journal
from purer_tui.core.study_files import read_plain_file, transcript_beside

ANNOTATION_SUFFIX = ".jsonl"
_RECORD_FIELDS = frozenset({"turn", "codes", "memo", "anchor", "conflict", "reviewed", "flag"})
_VERSION_FIELDS = frozenset({"codes", "memo", "anchor", "reviewed", "flag"})
_CODE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_TURN = 10_000_000
#: Bounds that no real coding reaches: a file or memo beyond them is refused, never read into memory.
MAX_ANNOTATION_BYTES = 128 * 1024 * 1024
MAX_MEMO_CHARACTERS = 20_000


def annotation_path(transcript: Path, coder: str) -> Path:
    """Where `coder`'s annotations of `transcript` live: `X.txt` -> `X.<coder>.jsonl`."""
    return transcript.with_name(f"{transcript.stem}.{validate_coder(coder)}{ANNOTATION_SUFFIX}")


def annotation_index(folder: Path) -> dict[str, dict[str, Path]]:
    """Every annotation file in a folder, by transcript name (without its ending) and coder: one listing."""
    index: dict[str, dict[str, Path]] = {}
    try:
        names = sorted(entry.name for entry in folder.iterdir())
    except OSError:
        return {}
    for name in names:
        if not name.endswith(ANNOTATION_SUFFIX):
            continue
        stem, _, coder = name[: -len(ANNOTATION_SUFFIX)].rpartition(".")
        if stem and CODER_PATTERN.match(coder):
            index.setdefault(stem, {})[coder] = folder / name
    return index


class AnnotationFinder:
    """Finds the annotation files of many transcripts, listing each folder once (a study has thousands)."""

    def __init__(self) -> None:
        self._indexes: dict[Path, dict[str, dict[str, Path]]] = {}

    def files(self, transcript: Path) -> dict[str, Path]:
        folder = transcript.parent
        if folder not in self._indexes:
            self._indexes[folder] = annotation_index(folder)
        return self._indexes[folder].get(transcript.stem, {})


def annotation_files(transcript: Path) -> dict[str, Path]:
    """Every coder's annotation file of one transcript, by coder id."""
    return annotation_index(transcript.parent).get(transcript.stem, {})


@dataclass(frozen=True, slots=True)
class TurnVersion:
    """One side's state of a turn in a merge conflict: its codes, memo, anchor, review state and flag."""

    codes: tuple[str, ...] = ()
    memo: str = ""
    anchor: str | None = None
    reviewed: bool = True
    flag: bool = False

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"codes": list(self.codes)}
        _add_optional_fields(data, self.memo, self.anchor, self.reviewed, self.flag)
        return data


def describe_version(version: TurnVersion | None, name_of: Callable[[str], str] = str) -> str:
    """One side of a merge conflict in a few words: its codes, "no code" or "not reviewed", and a flag."""
    if version is None or not version.reviewed:
        text = "not reviewed"
    else:
        text = ", ".join(name_of(code) for code in version.codes) or "no code"
    return text + (" (flagged)" if version is not None and version.flag else "")


def _add_optional_fields(data: dict[str, object], memo: str, anchor: str | None, reviewed: bool, flag: bool) -> None:
    """The fields written only when they say something: an old reader sees an old file unchanged."""
    if memo:
        data["memo"] = memo
    if anchor:
        data["anchor"] = anchor
    if not reviewed:
        data["reviewed"] = False
    if flag:
        data["flag"] = True


@dataclass(frozen=True, slots=True)
class Conflict:
    """Both sides of a turn that two merged branches changed differently (None: that side had no line for it).

    `more` holds the versions of a conflict that was itself merged again before
    being settled (a side that already carried both versions of an earlier
    merge): none of them may be lost, so they wait here for the coder too.
    """

    ours: TurnVersion | None
    theirs: TurnVersion | None
    more: tuple[TurnVersion, ...] = ()

    @property
    def versions(self) -> list[TurnVersion]:
        """Every version this conflict keeps, ours first."""
        return [version for version in (self.ours, self.theirs, *self.more) if version is not None]

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "ours": self.ours.as_json() if self.ours else None,
            "theirs": self.theirs.as_json() if self.theirs else None,
        }
        if self.more:
            data["more"] = [version.as_json() for version in self.more]
        return data


class AnnotationRecord(NamedTuple):
    """One turn's line: its codes (codebook order), an optional memo, the turn's anchor, review state and flag.

    `reviewed` is False only on a line that holds a memo or a flag for a turn
    the coder has not reviewed yet (its codes are then empty); `flag` marks a
    turn to come back to, reviewed or not. `conflict` is set only by the merge
    driver, on a turn that two branches changed differently; the record's own
    fields are then ours (or theirs, when we had no line for the turn) until the
    coder settles it. A named tuple: as immutable as a frozen dataclass and much
    cheaper to build, which counts when a study is read (900,000 records).
    """

    turn: int
    codes: tuple[str, ...] = ()
    memo: str = ""
    anchor: str | None = None
    conflict: Conflict | None = None
    reviewed: bool = True
    flag: bool = False

    @property
    def version(self) -> TurnVersion:
        return TurnVersion(self.codes, self.memo, self.anchor, self.reviewed, self.flag)

    @classmethod
    def from_version(cls, turn: int, version: TurnVersion, conflict: Conflict | None = None) -> AnnotationRecord:
        return cls(turn, version.codes, version.memo, version.anchor, conflict, version.reviewed, version.flag)

    @property
    def settled_review(self) -> bool:
        """Reviewed, not flagged and not in a merge conflict: a decision agreement and consensus can count."""
        return self.reviewed and not self.flag and self.conflict is None

    def to_json_line(self) -> str:
        data: dict[str, object] = {"codes": list(self.codes), "turn": self.turn}
        _add_optional_fields(data, self.memo, self.anchor, self.reviewed, self.flag)
        if self.conflict:
            data["conflict"] = self.conflict.as_json()
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class ParsedAnnotations:
    records: dict[int, AnnotationRecord] = field(default_factory=dict)
    lines: dict[int, int] = field(default_factory=dict)  # turn -> line in the file
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]


def parse_annotations(text: str, path: Path) -> ParsedAnnotations:
    """Parse an annotation file's text, collecting every problem with its line.

    Checks only what needs no codebook or transcript (JSON, field types,
    duplicate turns); `check` adds the rest. Each line is decoded on its own,
    so a value can never run across lines.
    """
    parsed = ParsedAnnotations()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    numbered = []
    for number, line in enumerate(lines, start=1):  # blank lines are reported first
        if line.strip():
            numbered.append((number, line))
        else:
            parsed.problems.append(Problem(path, number, "blank line; remove it", "warning"))
    previous_turn = 0
    for number, line in numbered:
        record, problem = parse_record(line.rstrip("\r"))
        if record is None:
            parsed.problems.append(Problem(path, number, problem or "not a record"))
            continue
        if record.turn in parsed.records:
            parsed.problems.append(
                Problem(path, number, f"turn {record.turn} appears again (first at line {parsed.lines[record.turn]}); keep one line per turn")
            )
            continue
        if record.turn < previous_turn:
            parsed.problems.append(Problem(path, number, f"turn {record.turn} is out of order; the next save sorts the file", "warning"))
        previous_turn = max(previous_turn, record.turn)
        parsed.records[record.turn] = record
        parsed.lines[record.turn] = number
    return parsed


def parse_record(line: str) -> tuple[AnnotationRecord | None, str | None]:
    """One line of an annotation file: a record, or what is wrong with it."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg} at column {error.colno}); fix or remove the line"
    except RecursionError:
        return None, "JSON nested too deeply; remove the line"
    except ValueError:  # an integer of thousands of digits: Python refuses to read it
        return None, "holds a number far too long to be a turn; fix or remove the line"
    return record_from_json(data)


#: A record's codes, memo, anchor, review state and flag, checked: what a record and a conflict's side share.
_VersionFields = tuple[tuple[str, ...], str, str | None, bool, bool]


def record_from_json(data: object) -> tuple[AnnotationRecord | None, str | None]:
    """A decoded line as a record, or what is wrong with it."""
    if not isinstance(data, dict):
        return None, 'a line must be a JSON object like {"codes":[],"turn":1}'
    if not data.keys() <= _RECORD_FIELDS:
        unknown = min(data.keys() - _RECORD_FIELDS)
        return None, f'unknown field "{unknown}"; the fields are turn, codes, memo, anchor, reviewed, flag (and conflict, from a merge)'
    if "turn" not in data:
        return None, '"turn" is missing; add the 1-based turn number'
    turn = data["turn"]
    if type(turn) is not int or not 1 <= turn <= MAX_TURN:  # exactly an int: true and false are no turns
        return None, f'"turn" must be a whole number from 1, not {json.dumps(turn)[:40]}'
    if "codes" not in data:
        return None, '"codes" is missing; add "codes":[] for a turn reviewed with no code'
    fields, problem = _version_fields(data, "")
    if fields is None:
        return None, problem
    conflict = None
    if "conflict" in data:
        conflict, problem = _parse_conflict(data["conflict"])
        if conflict is None:
            return None, problem
    codes, memo, anchor, reviewed, flag = fields
    return AnnotationRecord(turn, codes, memo, anchor, conflict, reviewed, flag), None


def _version_fields(data: dict[str, object], where: str) -> tuple[_VersionFields | None, str | None]:
    """The codes, memo, anchor, review state and flag of a record (or of one side of a conflict, `where` naming it)."""
    codes = data["codes"]
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        return None, f'"{where}codes" must be a list of code ids, like ["reframing"]'
    for code in codes:
        if not _CODE_ID.match(code):
            return None, f'"{code[:40]}" is not a code id'
    if len(codes) > 1 and len(set(codes)) != len(codes):
        return None, f'"{where}codes" lists a code twice; keep one'
    memo = data.get("memo", "")
    if not isinstance(memo, str):
        return None, f'"{where}memo" must be a string'
    if len(memo) > MAX_MEMO_CHARACTERS:
        return None, f'"{where}memo" is {len(memo):,} characters; memos over {MAX_MEMO_CHARACTERS:,} are refused, shorten it'
    anchor = data.get("anchor")
    if anchor is not None and not isinstance(anchor, str):
        return None, f'"{where}anchor" must be a string'
    reviewed = data.get("reviewed", True)
    if not isinstance(reviewed, bool):
        return None, f'"{where}reviewed" must be true or false (false: a memo or flag on a turn not reviewed yet)'
    if not reviewed and codes:
        return None, f'"{where}reviewed" is false but the turn has codes; remove "reviewed" (applying a code reviews the turn) or the codes'
    flag = data.get("flag", False)
    if not isinstance(flag, bool):
        return None, f'"{where}flag" must be true or false'
    return (tuple(codes), memo, anchor, reviewed, flag), None


#: Versions a conflict may keep beyond ours and theirs (each further merge of an unsettled turn adds at most two).
MAX_MORE_VERSIONS = 50


def _parse_conflict(value: object) -> tuple[Conflict | None, str | None]:
    if not isinstance(value, dict) or not {"ours", "theirs"} <= set(value) <= {"ours", "theirs", "more"}:
        return None, '"conflict" must be {"ours": ..., "theirs": ...}, as the merge driver writes it'
    sides: dict[str, TurnVersion | None] = {}
    for side in ("ours", "theirs"):
        raw = value[side]
        if raw is None:
            sides[side] = None
            continue
        sides[side], problem = _parse_side(raw, f"conflict.{side}")
        if problem:
            return None, problem
    more_raw = value.get("more", [])
    if "more" in value and not (isinstance(more_raw, list) and 0 < len(more_raw) <= MAX_MORE_VERSIONS):
        return None, f'"conflict.more" must be a list of 1 to {MAX_MORE_VERSIONS} versions, as the merge driver writes it'
    more = []
    for index, raw in enumerate(more_raw):
        version, problem = _parse_side(raw, f"conflict.more.{index}")
        if problem or version is None:
            return None, problem
        more.append(version)
    return Conflict(sides["ours"], sides["theirs"], tuple(more)), None


def _parse_side(raw: object, where: str) -> tuple[TurnVersion | None, str | None]:
    if not isinstance(raw, dict) or not set(raw) <= _VERSION_FIELDS or "codes" not in raw:
        return None, f'"{where}" must be {{"codes": [...]}} with an optional memo, anchor, reviewed and flag'
    fields, problem = _version_fields(raw, f"{where}.")
    if fields is None:
        return None, problem
    return TurnVersion(*fields), None


def read_annotation_text(path: Path) -> str:
    """The text of an annotation file that is a plain file of the study: never read through a link or a pipe.

    A study is a repository teammates push to: a committed link could name a
    file anywhere on the server (another study's memos), which a reader would
    show and a writer would copy into this study.
    """
    try:
        data = read_plain_file(path, "annotation file", MAX_ANNOTATION_BYTES)
    except FileNotFoundError:
        raise InvalidFileError([Problem(path, None, "cannot be read: no such file (moved while being read?)")]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidFileError([Problem(path, line, "not valid UTF-8; annotation files are UTF-8 JSON Lines")]) from None


class SettledCodes(NamedTuple):
    """One coder's decisions in one file, as agreement and consensus count them."""

    codes: dict[int, frozenset[str]]  # each reviewed turn's codes, flagged and conflicted turns left out
    flagged: int  # reviewed turns left out because the coder flagged them to come back to


def read_settled_codes(path: Path) -> SettledCodes:
    """Each settled decision's codes, for readers of whole studies (agreement, consensus).

    Left out: turns not reviewed (a memo or flag only), turns the coder
    flagged (not final yet; counted) and unsettled merge conflicts.
    """
    return _settled(AnnotationFile.open(path).records.values())


def _settled(records: Iterable[AnnotationRecord]) -> SettledCodes:
    codes: dict[int, frozenset[str]] = {}
    flagged = 0
    for record in records:
        if record.settled_review:
            codes[record.turn] = frozenset(record.codes)
        elif record.flag and record.reviewed and record.conflict is None:
            flagged += 1
    return SettledCodes(codes, flagged)


class ChangedOnDiskError(PurerError):
    """The file changed under us (a `git pull`, another program): writing would lose that change."""


class AnnotationFile:
    """One coder's annotations of one transcript, kept durable on every change.

    Opened with `journaled=True` (the coding app), each change is appended to
    the journal and fsynced, and `compact()` folds the journal into the file.
    Otherwise each change rewrites the file atomically. Either way a change is
    on disk when the call returns.
    """

    def __init__(self, path: Path, records: Mapping[int, AnnotationRecord] | None = None, journaled: bool = False):
        self.path = path
        self._records: dict[int, AnnotationRecord] = dict(records or {})
        # Serialised lines, cached on the first write so a change re-encodes one record, not the file
        # (readers, which open thousands of files, never pay for it).
        self._cached_lines: dict[int, str] | None = None
        self._disk_signature = self._signature()
        self._journal = JournalWriter(journal_path(path), transcript_beside(path)) if journaled else None
        self._pending = False  # journal entries not yet folded into the file
        # What the file held when last read or written: the base of a three-way merge when a
        # `git pull` changes it under an open session (kept only by the coding app's journaled files).
        self._base: dict[int, AnnotationRecord] | None = dict(self._records) if journaled else None

    @classmethod
    def open(cls, path: Path, journaled: bool = False) -> AnnotationFile:
        """Load the file and replay its journal; a malformed file is refused.

        With `journaled=True`, a journal left by a crash is folded in at once.
        """
        records: dict[int, AnnotationRecord] = {}
        if path.exists() or path.is_symlink():
            parsed = parse_annotations(read_annotation_text(path), path)
            if parsed.errors:
                raise InvalidFileError(parsed.errors)
            records = parsed.records
        on_disk = dict(records) if journaled else None
        journal = journal_path(path)
        replayed = replay_journal(records, journal)
        annotation_file = cls(path, records, journaled)
        annotation_file._base = on_disk
        if replayed and journaled:
            annotation_file._pending = True
            annotation_file.compact()
        return annotation_file

    @property
    def records(self) -> Mapping[int, AnnotationRecord]:
        return self._records

    def get(self, turn: int) -> AnnotationRecord | None:
        return self._records.get(turn)

    def put(self, record: AnnotationRecord) -> None:
        """Store (or replace) the record of one turn, durably."""
        self.put_many([record])

    def put_many(self, records: Iterable[AnnotationRecord]) -> None:
        changes = {record.turn: record for record in records}
        self._apply(changes, removals=())

    def replace_all(self, records: Mapping[int, AnnotationRecord]) -> None:
        """Make the file hold exactly these records (re-anchoring, resolving), in one atomic write."""
        self._apply(dict(records), removals=[turn for turn in self._records if turn not in records])

    def remove(self, turn: int) -> None:
        """Forget a turn (back to not reviewed), durably."""
        if turn in self._records:
            self._apply({}, removals=(turn,))

    @property
    def _lines(self) -> dict[int, str]:
        if self._cached_lines is None:
            self._cached_lines = {turn: record.to_json_line() for turn, record in self._records.items()}
        return self._cached_lines

    def render(self) -> str:
        lines = self._lines
        return "".join(lines[turn] + "\n" for turn in sorted(lines))

    def compact(self) -> None:
        """Fold the journal into the annotation file (atomically), then drop the journal."""
        if self._journal is None or not self._pending:
            return
        self._write(self.render())
        self._journal.discard()
        self._pending = False

    def reload(self) -> list[int]:
        """Take the file as it is on disk now (after a `git pull`), merged turn by turn with this session's changes.

        The changes made here since the file was last read or written are kept
        for the turns only they touched, the pulled ones for the turns only the
        pull touched, and a turn changed on both sides becomes a conflict record
        keeping both versions: never an overwrite. Returns those turns.
        """
        from purer_tui.core.annotation_merge import (
            merge_records,  # it builds on this module
        )

        theirs: dict[int, AnnotationRecord] = {}
        if os.path.lexists(self.path):
            parsed = parse_annotations(read_annotation_text(self.path), self.path)
            if parsed.errors:
                raise InvalidFileError(parsed.errors)
            theirs = dict(parsed.records)
        merged = merge_records(self._base if self._base is not None else theirs, self._records, theirs)
        if merged.conflicts and self._journal is not None:
            # Journaled at once: were the process to die before the next fold-in, replaying the
            # journal over the pulled file must rebuild these conflicts, not put our side back alone.
            self._journal.append([{"put": json.loads(merged.records[turn].to_json_line())} for turn in merged.conflicts])
        self._records = merged.records
        self._cached_lines = None
        self._disk_signature = self._signature()
        self._base = theirs if self._journal is not None else None
        self._pending = self._journal is not None and self._journal.path.exists()
        return merged.conflicts

    def close(self) -> None:
        """Compact and release the journal; the object stays readable."""
        self.compact()
        if self._journal is not None:
            self._journal.close()

    def _apply(self, changes: Mapping[int, AnnotationRecord], removals: Iterable[int]) -> None:
        removals = [turn for turn in removals if turn in self._records]
        if self._journal is not None:
            entries: list[dict[str, object]] = [{"put": json.loads(record.to_json_line())} for record in changes.values()]
            entries += [{"remove": turn} for turn in removals]
            self._journal.append(entries)
            self._pending = True
            self._commit(changes, removals)
            return
        records, lines = dict(self._records), dict(self._lines)
        self._commit(changes, removals)
        try:
            self._write(self.render())
        except BaseException:
            self._records, self._cached_lines = records, lines
            raise

    def _commit(self, changes: Mapping[int, AnnotationRecord], removals: Iterable[int]) -> None:
        for turn, record in changes.items():
            self._records[turn] = record
            self._lines[turn] = record.to_json_line()
        for turn in removals:
            self._records.pop(turn, None)
            self._lines.pop(turn, None)

    def _write(self, text: str) -> None:
        if self._signature() != self._disk_signature:
            raise ChangedOnDiskError(
                "changed on disk since it was read (a git pull or another program?); reopen it to see the change",
                self.path,
            )
        atomic_write_text(self.path, text, transcript_beside(self.path))
        self._disk_signature = self._signature()
        if self._base is not None:
            self._base = dict(self._records)

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (status.st_mtime_ns, status.st_size, status.st_ino)


def replay_journal(records: dict[int, AnnotationRecord], journal: Path) -> bool:
    """Apply a coding journal's entries to `records`; True when there were any."""
    entries = read_journal(journal)
    for number, (kind, value) in enumerate(entries, start=1):
        if kind == "remove" and isinstance(value, int):
            records.pop(value, None)
            continue
        record, problem = parse_record(json.dumps(value)) if kind == "put" else (None, "bad entry")
        if problem or record is None:
            raise InvalidFileError([Problem(journal, number, f"the coding journal is damaged ({problem}); move it aside and reopen")])
        records[record.turn] = record
    return bool(entries)
