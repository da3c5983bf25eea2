"""Reading annotation files: their text, safely, and each line as a record or as what is wrong with it.

Checks only what needs no codebook or transcript (JSON, field types, bounds,
duplicate turns); `check` adds the rest. A study is a repository teammates
push to, so every field of every line is checked, and each line is decoded
on its own: a value never runs across lines, and a line reads here as
`git diff` shows it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from purer_tui.core.annotation_records import AnnotationRecord, Conflict, Rechecked, TurnVersion
from purer_tui.core.errors import InvalidFileError, Problem
from purer_tui.core.study_files import read_plain_file

MAX_TURN = 10_000_000
#: Bounds that no real coding reaches: a file or memo beyond them is refused, never read into memory.
MAX_ANNOTATION_BYTES = 128 * 1024 * 1024
MAX_MEMO_CHARACTERS = 20_000
_RECORD_FIELDS = frozenset(
    {"turn", "codes", "memo", "anchor", "conflict", "reviewed", "flag", "rechecked", "suggested"}
)
_VERSION_FIELDS = frozenset({"codes", "memo", "anchor", "reviewed", "flag", "rechecked", "suggested"})
_FINGERPRINT = re.compile(r"^[0-9a-f]{8}$")
#: Half of a UTF-16 pair, from a JSON escape with no partner: no file or terminal can be written with it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CODE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


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
    records = parsed.records
    line_of = parsed.lines
    blank: list[Problem] = []  # reported before every other problem
    problems: list[Problem] = []
    codes_seen: dict[str, tuple[str, ...]] = {}  # one tuple per distinct list of codes (a file has a few dozen)
    plain = _PLAIN_LINE.match
    previous_turn = 0
    for number, line in enumerate(lines, start=1):
        match = plain(line)
        if match is not None:
            anchor, listed, turn_text = match.groups()
            turn = int(turn_text)
            codes = codes_seen.get(listed)
            if codes is None:
                codes = tuple(listed[1:-1].split('","')) if listed else ()
                if len(codes) > 1 and len(set(codes)) != len(codes):
                    codes = None  # a code listed twice: the full reading below says so
                else:
                    codes_seen[listed] = codes
            if codes is not None and turn not in records and turn > previous_turn:
                records[turn] = _new_record(AnnotationRecord, (turn, codes, "", anchor, None, True, False, (), ()))
                line_of[turn] = number
                previous_turn = turn
                continue
        if not line.strip():
            blank.append(Problem(path, number, "blank line; remove it", "warning"))
            continue
        record, problem = parse_record(line.rstrip("\r"))
        if record is None:
            problems.append(Problem(path, number, problem or "not a record"))
            continue
        if record.turn in records:
            problems.append(
                Problem(
                    path,
                    number,
                    f"turn {record.turn} appears again (first at line {line_of[record.turn]}); keep one line per turn",
                )
            )
            continue
        if record.turn < previous_turn:
            problems.append(
                Problem(path, number, f"turn {record.turn} is out of order; the next save sorts the file", "warning")
            )
        previous_turn = max(previous_turn, record.turn)
        records[record.turn] = record
        line_of[record.turn] = number
    parsed.problems = blank + problems
    return parsed


#: The line the writer writes for a turn with an anchor and codes and nothing more, by far the commonest: read
#: with one match instead of a JSON decode and a check of every field. It is exactly a line that the full
#: reading takes as {"anchor", "codes", "turn"}, every field valid (an anchor of hex digits, code ids that need
#: no escape, a turn from 1 to 9,999,999), so both readings give the same record; anything else (a code listed
#: twice, a memo, a flag, spaces, a "\r") is read in full.
_PLAIN_LINE = re.compile(
    r'\{(?:"anchor":"([0-9a-f]*)",)?"codes":\[((?:"[a-z0-9][a-z0-9_-]{0,63}")(?:,"[a-z0-9][a-z0-9_-]{0,63}")*)?\],'
    r'"turn":([1-9][0-9]{0,6})\}\Z'
)


#: Builds a record from all its fields at once: the named tuple's own constructor is Python code that fills in
#: defaults, a fifth of the time of reading a plain line.
_new_record = tuple.__new__

#: Decodes one JSON value at the start of a string. For a line with no whitespace around its value this is
#: exactly what `json.loads` does, without its two wrappers: 13% of `check` at 900,000 records.
_decode_value = json.JSONDecoder().raw_decode


def parse_record(line: str) -> tuple[AnnotationRecord | None, str | None]:
    """One line of an annotation file: a record, or what is wrong with it."""
    try:
        data, end = _decode_value(line)
        if end == len(line):
            return record_from_json(data)
    except (ValueError, RecursionError):
        pass  # anything else is decoded again below, for json.loads' own answer and message
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
_VersionFields = tuple[tuple[str, ...], str, str | None, bool, bool, Rechecked, tuple[str, ...]]


def record_from_json(data: object) -> tuple[AnnotationRecord | None, str | None]:
    """A decoded line as a record, or what is wrong with it."""
    if not isinstance(data, dict):
        return None, 'a line must be a JSON object like {"codes":[],"turn":1}'
    if not data.keys() <= _RECORD_FIELDS:
        unknown = min(data.keys() - _RECORD_FIELDS)
        return (
            None,
            f'unknown field "{unknown}"; '
            "the fields are turn, codes, memo, anchor, reviewed, flag, rechecked, suggested "
            "(and conflict, from a merge)",
        )
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
    codes, memo, anchor, reviewed, flag, rechecked, suggested = fields
    return AnnotationRecord(turn, codes, memo, anchor, conflict, reviewed, flag, rechecked, suggested), None


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
        return (
            None,
            f'"{where}memo" is {len(memo):,} characters; memos over {MAX_MEMO_CHARACTERS:,} are refused, shorten it',
        )
    anchor = data.get("anchor")
    if anchor is not None and not isinstance(anchor, str):
        return None, f'"{where}anchor" must be a string'
    for name, text in (("memo", memo), ("anchor", anchor or "")):
        if _LONE_SURROGATE.search(text):
            return None, f'"{where}{name}" holds an escape like \\ud800 that is no character; fix or remove it'
    reviewed = data.get("reviewed", True)
    if not isinstance(reviewed, bool):
        return None, f'"{where}reviewed" must be true or false (false: a memo or flag on a turn not reviewed yet)'
    if not reviewed and codes:
        return (
            None,
            f'"{where}reviewed" is false but the turn has codes; '
            'remove "reviewed" (applying a code reviews the turn) or the codes',
        )
    flag = data.get("flag", False)
    if not isinstance(flag, bool):
        return None, f'"{where}flag" must be true or false'
    # The optional tables are checked only where present: 900,000 records are read at study scale.
    rechecked: Rechecked | None = ()
    if "rechecked" in data:
        rechecked, problem = _rechecked(data["rechecked"], codes, where)
        if rechecked is None:
            return None, problem
    suggested: tuple[str, ...] | None = ()
    if "suggested" in data:
        suggested, problem = _suggested(data["suggested"], codes, where)
        if suggested is None:
            return None, problem
    assert rechecked is not None and suggested is not None
    return (tuple(codes), memo, anchor, reviewed, flag, rechecked, suggested), None


def _rechecked(value: object, codes: list[str], where: str) -> tuple[Rechecked | None, str | None]:
    """`{"code": "<8 hex digits>"}` for codes on the turn only (so it is never longer than the codes)."""
    if not isinstance(value, dict):
        return None, f'"{where}rechecked" must be a table of code ids to definition fingerprints'
    carried = set(codes) if value else ()  # a set: a hostile line of 200,000 codes costs linear time, not square
    for code, fingerprint in value.items():
        if code not in carried:
            return None, f'"{where}rechecked" names "{code[:40]}", which the turn does not carry; remove it'
        if not isinstance(fingerprint, str) or not _FINGERPRINT.match(fingerprint):
            return None, f'"{where}rechecked.{code}" must be a definition fingerprint of 8 hex digits'
    return tuple(sorted(value.items())), None


def _suggested(value: object, codes: list[str], where: str) -> tuple[tuple[str, ...] | None, str | None]:
    """`["code", ...]`: codes on the turn only, each once (so it is never longer than the codes)."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        return None, f'"{where}suggested" must be a list of code ids the turn carries, like ["reframing"]'
    carried = set(codes) if value else ()  # a set: a hostile line of 200,000 codes costs linear time, not square
    for code in value:
        if code not in carried:
            return None, f'"{where}suggested" names "{code[:40]}", which the turn does not carry; remove it'
    if len(value) > 1 and len(set(value)) != len(value):
        return None, f'"{where}suggested" lists a code twice; keep one'
    marked = set(value)
    return tuple(code for code in codes if code in marked), None


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
        return (
            None,
            f'"conflict.more" must be a list of 1 to {MAX_MORE_VERSIONS} versions, as the merge driver writes it',
        )
    more = []
    for index, raw in enumerate(more_raw):
        version, problem = _parse_side(raw, f"conflict.more.{index}")
        if problem or version is None:
            return None, problem
        more.append(version)
    return Conflict(sides["ours"], sides["theirs"], tuple(more)), None


def _parse_side(raw: object, where: str) -> tuple[TurnVersion | None, str | None]:
    if not isinstance(raw, dict) or not set(raw) <= _VERSION_FIELDS or "codes" not in raw:
        return (
            None,
            f'"{where}" must be {{"codes": [...]}} '
            "with an optional memo, anchor, reviewed, flag, rechecked and suggested",
        )
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
        raise InvalidFileError(
            [Problem(path, None, "cannot be read: no such file (moved while being read?)")]
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidFileError(
            [Problem(path, line, "not valid UTF-8; annotation files are UTF-8 JSON Lines")]
        ) from None
