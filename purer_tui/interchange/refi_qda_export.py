"""REFI-QDA 1.0 exports: a QDPX project (NVivo, ATLAS.ti, MAXQDA, QualCoder read it) and a QDC codebook.

The project holds one `TextSource` per transcript. Its text is written as
`sources/<guid>.txt` (LF, UTF-8 without BOM) and built here from the turns,
one paragraph per turn (`[0:01:23] Speaker: text`), so that every selection
slices exactly its turn's text: positions are 0-based code points, the end
exclusive. Each (turn, coder) with codes or a memo is one `PlainTextSelection`
by that coder, with one `Coding` per code and the memo as a `Note`. Groups are
non-codable parent codes; exclusive groups are also `Sets`. Session, group
and date metadata become `Variables` of the sources.

GUIDs are derived from what they name and nothing volatile (no dates), and
the zip is written with fixed timestamps in a fixed order, so exporting the
same study twice gives the same bytes. `verify_project` re-reads the result
and checks what the schema cannot: every reference resolves and every
selection slices its source to its turn's text.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from purer_tui import __version__
from purer_tui.core.annotation_paths import AnnotationFinder
from purer_tui.core.annotation_records import AnnotationRecord
from purer_tui.core.annotations import AnnotationFile
from purer_tui.core.case_metadata import TranscriptInfo, case_of
from purer_tui.core.codebook import UNGROUPED, Code, Codebook, CodeGroup
from purer_tui.core.codebook_outline import place_labels
from purer_tui.core.dataset import Dataset
from purer_tui.core.journal import journal_path
from purer_tui.core.safe_text import visible_control_codes
from purer_tui.core.transcript import format_clock
from purer_tui.interchange.refi_qda_format import (
    CASE_VARIABLES,
    CODEBOOK_NS,
    EXCLUSIVE_SENTENCE,
    EXCLUSIVE_SET_DESCRIPTION,
    PROJECT_NS,
    CodebookBlock,
    DescribedItem,
    SelectionState,
    compose_codebook_block,
    compose_description,
    compose_roles_line,
    compose_selection_description,
    stable_guid,
)

_XML_ILLEGAL = re.compile("[\ufffe\uffff]")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ExportIntegrityError(Exception):
    """The export broke one of its own promises: a bug, reported rather than written."""


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry: control characters become visible placeholders (as on screen)."""
    return _XML_ILLEGAL.sub("\ufffd", visible_control_codes(text))


def code_guid(codebook: Codebook, code_id: str) -> str:
    return stable_guid("code", codebook.info.name, code_id)


def group_guid(codebook: Codebook, group_id: str) -> str:
    return stable_guid("group", codebook.info.name, group_id)


def _code_description(code: Code) -> str:
    return compose_description(DescribedItem(code.definition, code.include, code.exclude, list(code.examples)))


def _group_description(group: CodeGroup) -> str:
    paragraphs = [group.description.strip()] if group.description.strip() else []
    if group.exclusive:
        paragraphs.append(EXCLUSIVE_SENTENCE)
    return "\n\n".join(paragraphs)


def _exported_groups(codebook: Codebook) -> list[CodeGroup]:
    """The groups that hold a code at some depth (an empty group has nothing to export), depth first."""
    holding = {code.group for code in codebook.codes}
    for group in reversed(codebook.groups):  # depth first reversed: children before their parents
        if group.id in holding and group.parent:
            holding.add(group.parent)
    return [group for group in codebook.groups if group.id in holding and group.id != UNGROUPED]


def _distinct(items: list[tuple[str, str, str]]) -> dict[str, str]:
    """(id, label, the label above it) -> id: a name no other item has. QualCoder keeps one code (and one
    category) per name and merges the rest into it, so a repeated label is qualified by what it sits under,
    "Other (Writing)", then numbered; the first keeps its label, and the codebook set keeps every label."""
    used = {label for _, label, _ in items}
    seen: set[str] = set()
    # The number each (label, above) got last: the names below it are taken (and stay taken), so the next
    # one with that label and place starts there, and thousands of one label cost no more than thousands
    # of different labels.
    last_number: dict[tuple[str, str], int] = {}
    names: dict[str, str] = {}

    def numbered(label: str, above: str, number: int) -> str:
        if number == 2:
            return f"{label} ({above})" if above else f"{label} (2)"
        return f"{label} ({above}, {number})" if above else f"{label} ({number})"

    for item_id, label, above in items:
        name = label
        if label in seen:
            number = last_number.get((label, above), 2)
            name = numbered(label, above, number)
            while name in used:
                number += 1
                name = numbered(label, above, number)
            last_number[label, above] = number
            used.add(name)
        seen.add(label)
        names[item_id] = name
    return names


def _exported_names(codebook: Codebook) -> tuple[dict[str, str], dict[str, str]]:
    """The names groups and codes get in the file, by id: their labels, made distinct where repeated."""
    groups = _exported_groups(codebook)
    # What a repeated label is qualified by is cut as a place is (`place_labels`): thousands of one label
    # under one long label must not each repeat it whole.
    label = dict(zip((group.id for group in groups), place_labels([group.label for group in groups]), strict=True))
    group_names = _distinct([(g.id, g.label, label.get(g.parent, "")) for g in groups])
    code_label = dict(zip((c.id for c in codebook.codes), place_labels([c.label for c in codebook.codes]), strict=True))
    code_names = _distinct(
        [(c.id, c.label, code_label[c.parent] if c.parent else label.get(c.group, "")) for c in codebook.codes]
    )
    return group_names, code_names


def _codes_element(codebook: Codebook, ns: str) -> ET.Element:
    """`<Codes>`: groups as non-codable parents, nested as they nest, each holding its codes (codes under
    codes nested too) before its subgroups; ungrouped codes at the top, after the groups."""
    group_names, code_names = _exported_names(codebook)
    subgroups: dict[str, list[CodeGroup]] = {}
    for group in _exported_groups(codebook):
        subgroups.setdefault(group.parent, []).append(group)
    # Codes directly in a group ("parent" absent), and codes directly under a code, in display order.
    in_group: dict[str, list[Code]] = {}
    under: dict[str, list[Code]] = {}
    for code in codebook.codes:
        if code.parent:
            under.setdefault(code.parent, []).append(code)
        else:
            in_group.setdefault(code.group, []).append(code)

    def add_node(parent: ET.Element, guid: str, name: str, codable: bool, color: str | None, text: str) -> ET.Element:
        attributes = {"guid": guid, "name": xml_text(name), "isCodable": "true" if codable else "false"}
        if color:
            attributes["color"] = color
        element = ET.SubElement(parent, f"{{{ns}}}Code", attributes)
        if text:
            ET.SubElement(element, f"{{{ns}}}Description").text = xml_text(text)
        return element

    def add_code(parent: ET.Element, code: Code) -> None:
        guid = code_guid(codebook, code.id)
        element = add_node(parent, guid, code_names[code.id], True, code.color, _code_description(code))
        for child in under.get(code.id, []):
            add_code(element, child)

    def add_group(parent: ET.Element, group: CodeGroup) -> None:
        guid = group_guid(codebook, group.id)
        element = add_node(parent, guid, group_names[group.id], False, group.color, _group_description(group))
        for code in in_group.get(group.id, []):
            add_code(element, code)
        for subgroup in subgroups.get(group.id, []):
            add_group(element, subgroup)

    codes = ET.Element(f"{{{ns}}}Codes")
    for group in subgroups.get("", []):
        add_group(codes, group)
    for code in in_group.get(UNGROUPED, []):
        add_code(codes, code)
    return codes


def codebook_set_description(codebook: Codebook) -> str:
    """The codebook set's description: the codebook's description, then the block of ids, keys and rules."""
    block = CodebookBlock(description=codebook.info.description, version=codebook.info.version)
    group_names, code_names = _exported_names(codebook)
    for group in _exported_groups(codebook):
        meta = {"id": group.id}
        if group.exclusive:
            meta["exclusive"] = ""
        if group.roles:
            meta["roles"] = ", ".join(group.roles)
        if group_names[group.id] != group.label:
            meta["label"] = group.label
        block.groups[group_guid(codebook, group.id)] = meta
    for code in codebook.codes:
        meta = {"id": code.id}
        if code_names[code.id] != code.label:
            meta["label"] = code.label
        # "none" (never a key: keys are one character) keeps a code keyless through an import
        meta["key"] = code.key or "none"
        block.codes[code_guid(codebook, code.id)] = meta
    return compose_codebook_block(block)


def _sets_element(codebook: Codebook, ns: str) -> ET.Element:
    """The codebook as one set of all its codes (name, description, and the block that brings back ids, keys
    and rules), then each exclusive group as a set (REFI-QDA has no mutually exclusive codes)."""
    # A .qdc's members name the code with `guid`, a project's with `targetGUID`.
    attribute = "guid" if ns == CODEBOOK_NS else "targetGUID"
    sets = ET.Element(f"{{{ns}}}Sets")
    whole = ET.SubElement(
        sets,
        f"{{{ns}}}Set",
        guid=stable_guid("codebook set", codebook.info.name),
        name=xml_text(codebook.info.name),
    )
    ET.SubElement(whole, f"{{{ns}}}Description").text = xml_text(codebook_set_description(codebook))
    for code in codebook.codes:
        ET.SubElement(whole, f"{{{ns}}}MemberCode", {attribute: code_guid(codebook, code.id)})
    for group in (g for g in codebook.groups if g.exclusive and codebook.codes_in(g.id)):
        element = ET.SubElement(
            sets, f"{{{ns}}}Set", guid=stable_guid("set", codebook.info.name, group.id), name=xml_text(group.label)
        )
        ET.SubElement(element, f"{{{ns}}}Description").text = EXCLUSIVE_SET_DESCRIPTION
        for code in codebook.codes_in(group.id):
            ET.SubElement(element, f"{{{ns}}}MemberCode", {attribute: code_guid(codebook, code.id)})
    return sets


def _serialise(root: ET.Element, ns: str) -> bytes:
    ET.register_namespace("", ns)
    ET.indent(root, space=" ")
    serialised: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return serialised + b"\n"


def codebook_document(codebook: Codebook) -> bytes:
    """The codebook as a REFI-QDA Codebook 1.0 (`.qdc`) document."""
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", origin=f"purer-tui {__version__}")
    root.append(_codes_element(codebook, CODEBOOK_NS))
    root.append(_sets_element(codebook, CODEBOOK_NS))
    return _serialise(root, CODEBOOK_NS)


@dataclass
class ProjectExport:
    qde: bytes
    sources: dict[str, str]  # file name in sources/ -> text
    expected: dict[str, tuple[str, str]] = field(default_factory=dict)  # selection guid -> (source file, turn text)
    skipped_codes: int = 0  # code ids on turns that are not in the codebook


# Beyond what xsd:dateTime and Python's datetime both take (a file dated in year 10000).
_LATEST_SECONDS = 253402300799


def date_time(seconds: float) -> str:
    """A file time as xsd:dateTime in UTC, to the second (`2026-05-01T09:30:00Z`)."""
    moment = datetime.fromtimestamp(min(max(int(seconds), 0), _LATEST_SECONDS), tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _changed_at(*paths: Path) -> str:
    """When the newest of these files last changed (the files hold no times of their own)."""
    times = []
    for path in paths:
        try:
            times.append(path.stat().st_mtime)
        except OSError:
            continue
    return date_time(max(times, default=0))


@dataclass(frozen=True)
class _CoderTurn:
    coder: str
    record: AnnotationRecord
    changed: str  # when the coder's annotation file (or its journal) last changed, as xsd:dateTime


def _coder_turns(data: Dataset, info: TranscriptInfo, finder: AnnotationFinder) -> list[_CoderTurn]:
    """Every line of the chosen coders' annotation files of a transcript: reviewed turns (coded or not),
    and the memos and flags on turns not reviewed yet (which `Dataset` leaves out); unsettled merge
    conflicts are left out, as everywhere. By turn, then coder."""
    files = finder.files(info.path)
    count = len(data.parsed[info.path].turns)
    found: list[_CoderTurn] = []
    for coder in data.coders:
        path = files.get(coder)
        if path is None:
            continue
        changed = _changed_at(path, journal_path(path))
        for number, record in AnnotationFile.open(path).records.items():
            if record.conflict is None and number <= count and (record.reviewed or record.memo or record.flag):
                found.append(_CoderTurn(coder, record, changed))
    return sorted(found, key=lambda turn: (turn.record.turn, turn.coder))


@dataclass
class _Person:
    label: str
    role: str | None
    group: str | None
    sessions: set[int] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)  # source guids, in study order


def _people(data: Dataset, source_guids: dict[Path, str]) -> dict[str, _Person]:
    """Every person who speaks in the study (a case: `case_of`), by case name, sorted."""
    people: dict[str, _Person] = {}
    roles: dict[str, str | None] = {}
    for info in data.transcripts:
        for speaker in dict.fromkeys(turn.speaker for turn in data.parsed[info.path].turns if turn.speaker):
            if speaker not in roles:
                roles[speaker] = data.role(speaker)
            person = people.setdefault(case_of(info, speaker), _Person(speaker, roles[speaker], info.group))
            if info.session is not None:
                person.sessions.add(info.session)
            if source_guids[info.path] not in person.sources:
                person.sources.append(source_guids[info.path])
    return dict(sorted(people.items()))


def project_document(data: Dataset) -> ProjectExport:
    ns = PROJECT_NS
    codebook = data.codebook
    study = data.study.name

    def tag(name: str) -> str:
        return f"{{{ns}}}{name}"

    def text_value(parent: ET.Element, variable: str, value: str) -> None:
        variable_value = ET.SubElement(parent, tag("VariableValue"))
        ET.SubElement(variable_value, tag("VariableRef"), targetGUID=variable)
        ET.SubElement(variable_value, tag("TextValue")).text = xml_text(value)

    finder = AnnotationFinder()
    coder_turns = {info.path: _coder_turns(data, info, finder) for info in data.transcripts}
    relative = {info.path: info.path.relative_to(data.study.root).as_posix() for info in data.transcripts}
    source_guids = {info.path: stable_guid("source", study, relative[info.path]) for info in data.transcripts}
    people = _people(data, source_guids)

    root = ET.Element(tag("Project"), name=xml_text(study), origin=f"purer-tui {__version__}")
    coders = sorted({turn.coder for turns in coder_turns.values() for turn in turns})
    user_guid = {coder: stable_guid("user", study, coder) for coder in coders}
    if coders:
        users = ET.SubElement(root, tag("Users"))
        for coder in coders:
            ET.SubElement(users, tag("User"), guid=user_guid[coder], name=coder, id=coder)
    ET.SubElement(root, tag("CodeBook")).append(_codes_element(codebook, ns))
    variable_names = sorted({name for info in data.transcripts for name in info.fields})
    variable_guid = {name: stable_guid("variable", study, name) for name in variable_names}
    case_variable_guid = {name: stable_guid("case variable", study, name) for name in CASE_VARIABLES}
    if variable_names or people:
        variables = ET.SubElement(root, tag("Variables"))
        for name in variable_names:
            ET.SubElement(variables, tag("Variable"), guid=variable_guid[name], name=name, typeOfVariable="Text")
        for name in CASE_VARIABLES if people else ():
            ET.SubElement(variables, tag("Variable"), guid=case_variable_guid[name], name=name, typeOfVariable="Text")
    if people:
        cases = ET.SubElement(root, tag("Cases"))
        role, group, sessions, label = (case_variable_guid[name] for name in CASE_VARIABLES)
        for name, person in people.items():
            case = ET.SubElement(cases, tag("Case"), guid=stable_guid("case", study, name), name=xml_text(name))
            if person.role:
                text_value(case, role, person.role)
            if person.group:
                text_value(case, group, person.group)
            if person.sessions:
                text_value(case, sessions, ", ".join(str(number) for number in sorted(person.sessions)))
            text_value(case, label, person.label)
            for source_guid in person.sources:
                ET.SubElement(case, tag("SourceRef"), targetGUID=source_guid)
    export = ProjectExport(b"", {})
    notes: list[ET.Element] = []
    sources = ET.SubElement(root, tag("Sources"))
    for info in data.transcripts:
        source_guid = source_guids[info.path]
        file_name = f"{source_guid}.txt"
        text, spans, lines = _source_text(data, info.path)
        export.sources[file_name] = text
        transcript_changed = _changed_at(info.path)
        source = ET.SubElement(
            sources,
            tag("TextSource"),
            guid=source_guid,
            name=xml_text(info.name),
            plainTextPath=f"internal://{file_name}",
            creationDateTime=transcript_changed,
            modifiedDateTime=transcript_changed,
        )
        turns = data.parsed[info.path].turns
        for coder_turn in coder_turns[info.path]:
            record, coder, changed = coder_turn.record, coder_turn.coder, coder_turn.changed
            start, end = spans[record.turn]
            selection_guid = stable_guid("selection", study, relative[info.path], str(record.turn), coder)
            selection = ET.SubElement(
                source,
                tag("PlainTextSelection"),
                guid=selection_guid,
                # "line:N" first: qc (qualitative-coding) places a selection by the line its name gives
                name=xml_text(f"line:{lines[record.turn]} {info.name} turn {record.turn}"),
                startPosition=str(start),
                endPosition=str(end),
                creatingUser=user_guid[coder],
                creationDateTime=changed,
                modifiedDateTime=changed,
            )
            export.expected[selection_guid] = (file_name, xml_text(turns[record.turn - 1].text))
            known = [code_id for code_id in record.codes if codebook.has_code(code_id)]
            export.skipped_codes += len(record.codes) - len(known)
            # A selection with codings is reviewed; one without says so (and whether it is flagged) itself.
            state = SelectionState(record.memo, reviewed=record.reviewed and not known, flagged=record.flag)
            description = compose_selection_description(state)
            if description:
                ET.SubElement(selection, tag("Description")).text = xml_text(description)
            for code_id in known:
                coding = ET.SubElement(
                    selection,
                    tag("Coding"),
                    guid=stable_guid("coding", selection_guid, code_id),
                    creatingUser=user_guid[coder],
                    creationDateTime=changed,
                )
                ET.SubElement(coding, tag("CodeRef"), targetGUID=code_guid(codebook, code_id))
            if record.memo:
                note_guid = stable_guid("note", selection_guid)
                ET.SubElement(selection, tag("NoteRef"), targetGUID=note_guid)
                note = ET.Element(
                    tag("Note"),
                    guid=note_guid,
                    name=xml_text(f"Memo on {info.name} turn {record.turn} ({coder})"),
                    creatingUser=user_guid[coder],
                    creationDateTime=changed,
                    modifiedDateTime=changed,
                )
                ET.SubElement(note, tag("PlainTextContent")).text = xml_text(record.memo)
                notes.append(note)
        for name, value in sorted(info.fields.items()):
            text_value(source, variable_guid[name], value)
    if not len(sources):
        root.remove(sources)
    if notes:
        ET.SubElement(root, tag("Notes")).extend(notes)
    root.append(_sets_element(codebook, ns))
    if data.study.roles:
        roles = {role: list(speakers) for role, speakers in data.study.roles.items()}
        ET.SubElement(root, tag("Description")).text = xml_text(compose_roles_line(roles))
    export.qde = _serialise(root, ns)
    verify_project(export.qde, export.sources, export.expected)
    return export


def _source_clock(seconds: float) -> str:
    """A turn's start as the source text writes it: `0:01:23`, with milliseconds when it has them
    (`0:00:47.5`, from a caption file), so an import reads the same start back."""
    milliseconds = round(seconds * 1000)
    clock = format_clock(milliseconds // 1000)
    fraction = milliseconds % 1000
    return f"{clock}.{fraction:03d}".rstrip("0") if fraction else clock


def _source_text(data: Dataset, path: Path) -> tuple[str, dict[int, tuple[int, int]], dict[int, int]]:
    """The transcript as one text, a paragraph per turn; where each turn's text lies in it; and the line
    (0-based) each turn starts on."""
    parts: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    lines: dict[int, int] = {}
    length = line = 0
    for turn in data.parsed[path].turns:
        prefix = f"[{_source_clock(turn.start)}] " if turn.start is not None else ""
        if turn.speaker:
            prefix += f"{xml_text(turn.speaker)}: "
        body = xml_text(turn.text)
        spans[turn.number] = (length + len(prefix), length + len(prefix) + len(body))
        piece = prefix + body + "\n\n"
        parts.append(piece)
        lines[turn.number] = line
        length += len(piece)
        line += piece.count("\n")
    return "".join(parts), spans, lines


def write_qdpx(export: ProjectExport) -> bytes:
    """The project as a zip: project.qde and sources/, with fixed timestamps and order (same input, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = [("project.qde", export.qde)] + [
            (f"sources/{name}", text.encode("utf-8")) for name, text in sorted(export.sources.items())
        ]
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def verify_project(qde: bytes, sources: dict[str, str], expected: dict[str, tuple[str, str]] | None = None) -> None:
    """Check what the XSD cannot: references resolve, positions are in range, selections slice their turn's text."""
    root = ET.fromstring(qde)

    def local(element: ET.Element) -> str:
        return element.tag.rsplit("}", 1)[-1]

    elements = list(root.iter())
    guids: dict[str, set[str | None]] = {local(e): set() for e in elements}
    for element in elements:
        if "guid" in element.attrib:
            guids[local(element)].add(element.get("guid"))
    users = guids.get("User", set())
    codes = guids.get("Code", set())
    notes = guids.get("Note", set())
    variables = guids.get("Variable", set())
    sources_by_guid = guids.get("TextSource", set())
    problems: list[str] = []
    for element in elements:
        name = local(element)
        target = element.get("targetGUID")
        if name == "CodeRef" and target not in codes:
            problems.append(f"CodeRef to unknown code {target}")
        if name in ("NoteRef", "MemberNote") and target not in notes:
            problems.append(f"NoteRef to unknown note {target}")
        if name == "MemberCode" and (target or element.get("guid")) not in codes:
            problems.append(f"MemberCode to unknown code {target}")
        if name == "VariableRef" and target not in variables:
            problems.append(f"VariableRef to unknown variable {target}")
        if name == "SourceRef" and target not in sources_by_guid:
            problems.append(f"SourceRef to unknown source {target}")
        if name in ("Note", "PlainTextSelection") and not element.get("creationDateTime"):
            problems.append(f"{name} {element.get('guid')} has no creationDateTime (QualCoder needs one)")
        if "creatingUser" in element.attrib and element.get("creatingUser") not in users:
            problems.append(f"{name} created by unknown user {element.get('creatingUser')}")
    for source in (e for e in elements if local(e) == "TextSource"):
        file_name = (source.get("plainTextPath") or "").removeprefix("internal://")
        text = sources.get(file_name)
        if text is None:
            problems.append(f"TextSource {source.get('guid')} has no source file {file_name}")
            continue
        for selection in (e for e in source if local(e) == "PlainTextSelection"):
            start, end = int(selection.get("startPosition", -1)), int(selection.get("endPosition", -1))
            if not 0 <= start <= end <= len(text):
                problems.append(f"selection {selection.get('guid')} [{start}, {end}) is outside its source")
            elif expected is not None:
                want = expected.get(selection.get("guid", ""))
                if want is not None and (want[0] != file_name or text[start:end] != want[1]):
                    problems.append(f"selection {selection.get('guid')} does not slice its turn's text")
    if problems:
        raise ExportIntegrityError("; ".join(problems[:5]))
