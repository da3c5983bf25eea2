"""A REFI-QDA project (`.qdpx`) read into plain data: its users, text sources with their text, selections with
their codings and notes, and a count of everything else it holds that a study cannot carry.

The project is untrusted. Its XML is read by `read_refi_xml` (no DTDs, no entities, sizes bounded), and
source texts are read from the zip in memory, never extracted: only `internal://` entries of the archive
are read, each and all together bounded in size, and an entry name that climbs out of the archive is
refused. Paths to files outside the project (`relative://`, `file://`, absolute) are never followed: the
source is listed with the reason instead. GUIDs are lower-cased (NVivo writes them upper-case, QualCoder
lower-case), so every reference compares case-insensitively.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from purer_tui.core.annotation_parsing import MAX_MEMO_CHARACTERS
from purer_tui.core.errors import InvalidFileError, Problem
from purer_tui.core.study import ROLE_PATTERN
from purer_tui.interchange.refi_qda_format import CASE_VARIABLES, is_codebook_set, parse_roles_line
from purer_tui.interchange.refi_qda_import import read_refi_xml, regular_file_size, safe_entry_name

#: One source's text: a transcript larger than this is refused by the study too.
MAX_SOURCE_BYTES = 64 * 1024 * 1024
#: All source texts of one project together.
MAX_SOURCES_BYTES = 512 * 1024 * 1024
#: Speakers given a role from the cases of a purer-tui export.
MAX_ROLE_LABELS = 1_000
#: A note's text as kept: a memo longer than the core's limit is cut anyway.
_NOTE_CHARACTERS = MAX_MEMO_CHARACTERS + 1
#: Entries a project's zip may hold (a real project has a few per source).
MAX_ENTRIES = 100_000

#: Kinds of source a study cannot hold, by element name, as the summary names them.
OTHER_SOURCES = {
    "PDFSource": "PDF source",
    "PictureSource": "picture source",
    "AudioSource": "audio source",
    "VideoSource": "video source",
}
_INTERNAL = "internal://"


def _guid(value: str | None) -> str:
    """A GUID as compared everywhere: lower case, without the braces some programs add."""
    return (value or "").strip().strip("{}").lower()


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child) == name]


def _text_of(element: ET.Element, name: str) -> str:
    found = _children(element, name)
    return (found[0].text or "") if found else ""


@dataclass
class ProjectUser:
    guid: str
    name: str
    user_id: str  # the `id` attribute, "" when absent


@dataclass
class ProjectNote:
    guid: str
    text: str  # whole (the project's size limits bound it)
    creating_user: str  # a user's guid, "" when not said
    name: str = ""
    # Where in its source a note annotates, when it says (QualCoder writes annotations as notes holding a
    # <PlainTextSelection>, referred to from the source): start, end in code points.
    position: tuple[int | None, int | None] | None = None

    @property
    def memo(self) -> str:
        """The text as a memo on a turn: a memo longer than the core's limit is cut anyway, so no more is
        compared or joined (a crafted project refers to one huge note from thousands of selections)."""
        return self.text[:_NOTE_CHARACTERS]


@dataclass
class ProjectCoding:
    code_guid: str
    creating_user: str


@dataclass
class ProjectSelection:
    guid: str
    start: int | None  # code points, 0-based; None when not a whole number from 0
    end: int | None  # exclusive
    creating_user: str
    description: str
    codings: list[ProjectCoding] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)


@dataclass
class ProjectSource:
    guid: str
    name: str
    text: str | None  # None when it could not be read: `missing` says why
    missing: str = ""
    selections: list[ProjectSelection] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # its variables' values, by variable name


@dataclass
class ProjectContents:
    name: str
    users: list[ProjectUser]
    sources: list[ProjectSource]
    notes: dict[str, ProjectNote]
    codes: dict[str, bool]  # every <Code>'s guid -> whether it is codable
    not_carried: Counter[str] = field(default_factory=Counter)  # what a study cannot hold -> how many
    roles: dict[str, list[str]] = field(default_factory=dict)  # role -> speaker labels (from purer-tui's cases)
    origin: str = ""  # the program that wrote it (`origin` of <Project>)
    notes_left_out: list[ProjectNote] = field(default_factory=list)  # notes with text on no coded passage
    role_labels: dict[str, set[str]] = field(default_factory=dict)  # `roles`, as sets, to add each label once

    @property
    def from_purer_tui(self) -> bool:
        """Written by purer-tui: selections say which turns were reviewed, so nothing else is."""
        return self.origin.startswith("purer-tui")


def read_project(path: Path) -> ProjectContents:
    """Read a `.qdpx` project; an unusable file is an `InvalidFileError` naming it and why."""
    regular_file_size(path)
    if not zipfile.is_zipfile(path):
        raise _refuse(
            path,
            "is not a zip, so not a REFI-QDA project (.qdpx); for a codebook (.qdc) use `purer-tui codebook import`",
        )
    root = read_refi_xml(path)
    if _local(root) != "Project":
        raise _refuse(path, f"has a <{_local(root)}> root, not a REFI-QDA Project")
    users = [
        ProjectUser(_guid(user.get("guid")), (user.get("name") or "").strip(), (user.get("id") or "").strip())
        for users in _children(root, "Users")
        for user in _children(users, "User")
    ]
    codes = {
        _guid(code.get("guid")): (code.get("isCodable") or "true").strip().lower() == "true"
        for code in root.iter()
        if _local(code) == "Code" and code.get("guid")
    }
    contents = ProjectContents((root.get("name") or "").strip(), users, [], {}, codes)
    contents.origin = (root.get("origin") or "").strip()
    variables = {
        _guid(variable.get("guid")): (variable.get("name") or "").strip()
        for holder in _children(root, "Variables")
        for variable in _children(holder, "Variable")
    }
    source_notes: set[str] = set()
    selection_notes: set[str] = set()
    with _SourceReader(path) as reader:
        for notes in _children(root, "Notes"):
            for note in _children(notes, "Note"):
                guid = _guid(note.get("guid"))
                text = _note_text(note, reader).strip()
                name = (note.get("name") or "").strip()[:200]
                user = _guid(note.get("creatingUser") or note.get("modifyingUser"))
                inner = _children(note, "PlainTextSelection")[:1]
                position = (
                    (_position(inner[0].get("startPosition")), _position(inner[0].get("endPosition")))
                    if inner
                    else None
                )
                contents.notes[guid] = ProjectNote(guid, text, user, name, position)
        for sources in _children(root, "Sources"):
            for element in sources:
                kind = _local(element)
                if kind in OTHER_SOURCES:
                    contents.not_carried[OTHER_SOURCES[kind]] += 1
                    codings = sum(1 for e in element.iter() if _local(e) == "Coding")
                    if codings:
                        contents.not_carried[f"coding on a {OTHER_SOURCES[kind]}"] += codings
                    continue
                if kind != "TextSource":
                    continue
                source = _text_source(element, reader)
                _annotations_as_selections(element, source, contents.notes)
                source.fields, unnamed = _variable_values(element, variables)
                if unnamed:
                    contents.not_carried["value of an undeclared variable"] += unnamed
                contents.sources.append(source)
                selection_notes.update(note for s in source.selections for note in s.note_guids)
                source_notes.update(_guid(ref.get("targetGUID")) for ref in _children(element, "NoteRef"))
                if _text_of(element, "Description").strip():
                    contents.not_carried["description (memo) of a text source"] += 1
                if _children(element, "Coding"):
                    contents.not_carried["coding of a whole text source"] += len(_children(element, "Coding"))
    _count_the_rest(root, contents, variables, source_notes - selection_notes, selection_notes)
    return contents


def _annotations_as_selections(element: ET.Element, source: ProjectSource, notes: dict[str, ProjectNote]) -> None:
    """A note the source refers to that says where it sits (a QualCoder annotation) becomes a selection of
    that passage carrying the note, so it lands as a memo on the turns it annotates."""
    for ref in _children(element, "NoteRef"):
        note = notes.get(_guid(ref.get("targetGUID")))
        if note is not None and note.position is not None:
            start, end = note.position
            source.selections.append(ProjectSelection(note.guid, start, end, note.creating_user, "", [], [note.guid]))


def _count_the_rest(
    root: ET.Element, contents: ProjectContents, variables: dict[str, str], source_notes: set[str], used: set[str]
) -> None:
    counted = contents.not_carried
    exact_roles = parse_roles_line(_text_of(root, "Description"))
    for cases in _children(root, "Cases"):  # first: their variables are not "left out" when they give roles
        without_role = sum(1 for case in _children(cases, "Case") if not _speaker_role(case, variables, contents))
        if not contents.from_purer_tui:  # ours are worked out from the transcripts again: nothing is lost
            counted["case"] += without_role
    if exact_roles is not None:  # the study's own [roles], globs and all, beat the labels of its cases
        contents.roles = exact_roles
    elif _text_of(root, "Description").strip():
        counted["description (memo) of the project"] += 1
    fields = {name for source in contents.sources for name in source.fields}  # once: a project may hold many
    if contents.roles or contents.from_purer_tui:
        fields.update(CASE_VARIABLES)
    for element in root:
        kind = _local(element)
        if kind == "Graphs":
            counted["graph"] += len(_children(element, "Graph"))
        elif kind == "Links":
            counted["link"] += len(_children(element, "Link"))
        elif kind == "Variables":
            counted["variable not on a text source"] += sum(
                1 for v in _children(element, "Variable") if (v.get("name") or "").strip() not in fields
            )
        elif kind == "Sets":
            counted["set"] += sum(
                1 for s in _children(element, "Set") if not is_codebook_set(_text_of(s, "Description"))
            )
    # Notes on no coded passage (on a whole source, a code, a case or nothing) are saved as files, not lost.
    contents.notes_left_out = [note for guid, note in contents.notes.items() if guid not in used and note.text]
    for key in [key for key, count in counted.items() if not count]:
        del counted[key]


def _speaker_role(case: ET.Element, variables: dict[str, str], contents: ProjectContents) -> bool:
    """A case purer-tui exported for a speaker gives its role to the speaker's label; whether it did."""
    values, _ = _variable_values(case, variables)
    role, label = values.get("speaker role", ""), values.get("speaker label", "")
    if not ROLE_PATTERN.fullmatch(role) or not label or not label.isprintable() or len(label) > 200:
        return False
    # The label exactly, even when it holds glob characters ([roles] takes globs).
    exact = re.sub(r"([*?[])", r"[\1]", label)
    speakers = contents.roles.setdefault(role, [])
    known = contents.role_labels.setdefault(role, set())
    if exact not in known:
        if sum(len(labels) for labels in contents.role_labels.values()) >= MAX_ROLE_LABELS:
            return False  # a study's people, not a crafted crowd: the rest are counted as cases left out
        known.add(exact)
        speakers.append(exact)
    return True


#: The elements a variable's value may be in (REFI-QDA VariableValueType).
_VALUE_ELEMENTS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")


def _variable_values(element: ET.Element, variables: dict[str, str]) -> tuple[dict[str, str], int]:
    """A source's variable values by variable name, and how many name no declared variable."""
    values: dict[str, str] = {}
    unnamed = 0
    for holder in _children(element, "VariableValue"):
        refs = _children(holder, "VariableRef")
        name = variables.get(_guid(refs[0].get("targetGUID"))) if refs else None
        value = next((child.text or "" for child in holder if _local(child) in _VALUE_ELEMENTS), None)
        if not name or value is None:
            unnamed += 1
            continue
        values[name] = value.strip()
    return values, unnamed


def _note_text(note: ET.Element, reader: _SourceReader) -> str:
    inline = _children(note, "PlainTextContent")
    where = (note.get("plainTextPath") or "").strip()
    if inline or not where.startswith(_INTERNAL):
        return (inline[0].text or "") if inline else ""
    return reader.text(where.removeprefix(_INTERNAL))[0] or ""


def _text_source(element: ET.Element, reader: _SourceReader) -> ProjectSource:
    name = (element.get("name") or "").strip()
    source = ProjectSource(_guid(element.get("guid")), name, None)
    inline = _children(element, "PlainTextContent")
    where = (element.get("plainTextPath") or "").strip()
    if inline:
        source.text = (inline[0].text or "").removeprefix("\ufeff")
    elif where.startswith(_INTERNAL):
        source.text, source.missing = reader.text(where.removeprefix(_INTERNAL))
    elif where:
        source.missing = f'its text is a file outside the project ("{where[:80]}"), which is never followed'
    else:
        source.missing = "it has no text (no plainTextPath, no PlainTextContent)"
    for selection in _children(element, "PlainTextSelection"):
        source.selections.append(
            ProjectSelection(
                _guid(selection.get("guid")),
                _position(selection.get("startPosition")),
                _position(selection.get("endPosition")),
                _guid(selection.get("creatingUser")),
                _text_of(selection, "Description"),
                [
                    ProjectCoding(_guid(ref.get("targetGUID")), _guid(coding.get("creatingUser")))
                    for coding in _children(selection, "Coding")
                    for ref in _children(coding, "CodeRef")[:1]
                ],
                [_guid(ref.get("targetGUID")) for ref in _children(selection, "NoteRef")],
            )
        )
    return source


def _position(value: str | None) -> int | None:
    text = (value or "").strip()
    # ASCII digits only: `isdigit` also takes "²", which `int` refuses
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _refuse(path: Path, message: str) -> InvalidFileError:
    return InvalidFileError([Problem(path, None, message)])


class _SourceReader:
    """The `sources/` entries of a project's zip, read in memory within bounds; never extracted."""

    def __init__(self, path: Path):
        self._path = path
        self._archive: zipfile.ZipFile | None = None
        self._entries: dict[str, zipfile.ZipInfo] = {}
        self._read = 0

    def __enter__(self) -> _SourceReader:
        try:
            self._archive = zipfile.ZipFile(self._path)
            infos = self._archive.infolist()
        except (zipfile.BadZipFile, OSError) as error:
            raise _refuse(self._path, f"is a damaged zip ({error})") from None
        if len(infos) > MAX_ENTRIES:
            raise _refuse(self._path, f"holds {len(infos):,} entries, more than any project; refused")
        for info in infos:
            if not safe_entry_name(info.filename):
                raise _refuse(
                    self._path, f'holds an unsafe entry name "{info.filename[:80]}"; it is not a project to trust'
                )
            self._entries.setdefault(info.filename.replace("\\", "/").lower(), info)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._archive is not None:
            self._archive.close()

    def text(self, name: str) -> tuple[str | None, str]:
        """A source's text by its `internal://` name, or None and why not."""
        shown = name[:80]
        if not name or not safe_entry_name(name):
            return None, f'its text "internal://{shown}" would lie outside the project; not read'
        wanted = name.replace("\\", "/").lower()
        info = self._entries.get(f"sources/{wanted}") or self._entries.get(wanted)
        if info is None or info.is_dir() or self._archive is None:
            return None, f'its text "internal://{shown}" is not in the project'
        if info.file_size > MAX_SOURCE_BYTES:
            return None, f"its text would unpack to {info.file_size // (1024 * 1024)} MiB, too large; not read"
        if self._read + info.file_size > MAX_SOURCES_BYTES:
            return None, f"the project's texts together exceed {MAX_SOURCES_BYTES // (1024 * 1024)} MiB; not read"
        try:
            with self._archive.open(info) as handle:
                data = handle.read(MAX_SOURCE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
            return None, f"its text could not be unpacked ({error})"
        if len(data) > info.file_size or len(data) > MAX_SOURCE_BYTES:
            return None, "its text unpacks to more than the archive claims; not read"
        self._read += len(data)
        if b"\x00" in data:
            return None, "its text holds NUL bytes, so it is not plain text; not read"
        try:
            return data.decode("utf-8-sig"), ""
        except UnicodeDecodeError:
            return None, "its text is not UTF-8 (REFI-QDA texts are UTF-8); not read"
