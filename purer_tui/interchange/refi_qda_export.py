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
from pathlib import Path

from purer_tui import __version__
from purer_tui.core.codebook import UNGROUPED, Code, Codebook, CodeGroup
from purer_tui.core.dataset import Dataset
from purer_tui.core.safe_text import visible_controls
from purer_tui.core.transcript import format_clock
from purer_tui.interchange.refi_qda_format import (
    CODEBOOK_NS,
    PROJECT_NS,
    DescribedItem,
    compose_description,
    stable_guid,
)

_XML_ILLEGAL = re.compile("[\ufffe\uffff]")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ExportIntegrityError(Exception):
    """The export broke one of its own promises: a bug, reported rather than written."""


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry: control characters become visible placeholders (as on screen)."""
    return _XML_ILLEGAL.sub("\ufffd", visible_controls(text))


def code_guid(codebook: Codebook, code_id: str) -> str:
    return stable_guid("code", codebook.info.name, code_id)


def group_guid(codebook: Codebook, group_id: str) -> str:
    return stable_guid("group", codebook.info.name, group_id)


def _code_description(code: Code) -> str:
    # "none" (never a key: keys are one character) keeps a code keyless through an import
    meta = {"id": code.id, "key": code.key or "none"}
    return compose_description(DescribedItem(code.definition, code.include, code.exclude, list(code.examples), meta))


def _group_description(group: CodeGroup) -> str:
    meta = {"id": group.id}
    if group.exclusive:
        meta["exclusive"] = ""
    if group.roles:
        meta["roles"] = ", ".join(group.roles)
    return compose_description(DescribedItem(group.description, meta=meta))


def _codes_element(codebook: Codebook, ns: str) -> ET.Element:
    """`<Codes>`: groups as non-codable parents, their codes inside; ungrouped codes at the top."""
    codes = ET.Element(f"{{{ns}}}Codes")
    for group in codebook.groups:
        members = codebook.codes_in(group.id)
        if not members:
            continue
        parent = codes
        if group.id != UNGROUPED:
            parent = ET.SubElement(
                codes,
                f"{{{ns}}}Code",
                guid=group_guid(codebook, group.id),
                name=xml_text(group.label),
                isCodable="false",
            )
            ET.SubElement(parent, f"{{{ns}}}Description").text = xml_text(_group_description(group))
        for code in members:
            attributes = {"guid": code_guid(codebook, code.id), "name": xml_text(code.label), "isCodable": "true"}
            if code.color:
                attributes["color"] = code.color
            element = ET.SubElement(parent, f"{{{ns}}}Code", attributes)
            ET.SubElement(element, f"{{{ns}}}Description").text = xml_text(_code_description(code))
    return codes


def _sets_element(codebook: Codebook, ns: str, member_tag: str) -> ET.Element | None:
    """Exclusive groups as sets (REFI-QDA has no mutually exclusive codes)."""
    exclusive = [g for g in codebook.groups if g.exclusive and codebook.codes_in(g.id)]
    if not exclusive:
        return None
    sets = ET.Element(f"{{{ns}}}Sets")
    for group in exclusive:
        element = ET.SubElement(
            sets, f"{{{ns}}}Set", guid=stable_guid("set", codebook.info.name, group.id), name=xml_text(group.label)
        )
        ET.SubElement(element, f"{{{ns}}}Description").text = "Exclusive group: at most one of these codes per turn."
        attribute = "guid" if member_tag == "MemberCode" and ns == CODEBOOK_NS else "targetGUID"
        for code in codebook.codes_in(group.id):
            ET.SubElement(element, f"{{{ns}}}{member_tag}", {attribute: code_guid(codebook, code.id)})
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
    sets = _sets_element(codebook, CODEBOOK_NS, "MemberCode")
    if sets is not None:
        root.append(sets)
    return _serialise(root, CODEBOOK_NS)


@dataclass
class ProjectExport:
    qde: bytes
    sources: dict[str, str]  # file name in sources/ -> text
    expected: dict[str, tuple[str, str]] = field(default_factory=dict)  # selection guid -> (source file, turn text)
    skipped_codes: int = 0  # code ids on turns that are not in the codebook


def project_document(data: Dataset) -> ProjectExport:
    ns = PROJECT_NS
    codebook = data.codebook
    study = data.study.name

    def tag(name: str) -> str:
        return f"{{{ns}}}{name}"

    root = ET.Element(tag("Project"), name=xml_text(study), origin=f"purer-tui {__version__}")
    coders = sorted({coded.coder for coded in data.coded})
    user_guid = {coder: stable_guid("user", study, coder) for coder in coders}
    if coders:
        users = ET.SubElement(root, tag("Users"))
        for coder in coders:
            ET.SubElement(users, tag("User"), guid=user_guid[coder], name=coder, id=coder)
    ET.SubElement(root, tag("CodeBook")).append(_codes_element(codebook, ns))
    variable_names = sorted({name for info in data.transcripts for name in info.fields})
    variable_guid = {name: stable_guid("variable", study, name) for name in variable_names}
    if variable_names:
        variables = ET.SubElement(root, tag("Variables"))
        for name in variable_names:
            ET.SubElement(variables, tag("Variable"), guid=variable_guid[name], name=name, typeOfVariable="Text")
    export = ProjectExport(b"", {})
    notes: list[ET.Element] = []
    sources = ET.SubElement(root, tag("Sources"))
    for info in data.transcripts:
        relative = info.path.relative_to(data.study.root).as_posix()
        source_guid = stable_guid("source", study, relative)
        file_name = f"{source_guid}.txt"
        text, spans = _source_text(data, info.path)
        export.sources[file_name] = text
        source = ET.SubElement(
            sources,
            tag("TextSource"),
            guid=source_guid,
            name=xml_text(info.name),
            plainTextPath=f"internal://{file_name}",
        )
        by_turn = sorted(
            (coded for coded in data.coded if coded.info.path == info.path and (coded.codes or coded.memo)),
            key=lambda coded: (coded.turn.number, coded.coder),
        )
        for coded in by_turn:
            start, end = spans[coded.turn.number]
            selection_guid = stable_guid("selection", study, relative, str(coded.turn.number), coded.coder)
            selection = ET.SubElement(
                source,
                tag("PlainTextSelection"),
                guid=selection_guid,
                name=xml_text(f"{info.name} turn {coded.turn.number}"),
                startPosition=str(start),
                endPosition=str(end),
                creatingUser=user_guid[coded.coder],
            )
            export.expected[selection_guid] = (file_name, xml_text(coded.turn.text))
            for code_id in coded.codes:
                if not codebook.has_code(code_id):
                    export.skipped_codes += 1
                    continue
                coding = ET.SubElement(
                    selection,
                    tag("Coding"),
                    guid=stable_guid("coding", selection_guid, code_id),
                    creatingUser=user_guid[coded.coder],
                )
                ET.SubElement(coding, tag("CodeRef"), targetGUID=code_guid(codebook, code_id))
            memo = coded.memo
            if memo:
                note_guid = stable_guid("note", selection_guid)
                ET.SubElement(selection, tag("NoteRef"), targetGUID=note_guid)
                note = ET.Element(
                    tag("Note"),
                    guid=note_guid,
                    name=xml_text(f"Memo on {info.name} turn {coded.turn.number} ({coded.coder})"),
                    creatingUser=user_guid[coded.coder],
                )
                ET.SubElement(note, tag("PlainTextContent")).text = xml_text(memo)
                notes.append(note)
        for name, value in sorted(info.fields.items()):
            variable_value = ET.SubElement(source, tag("VariableValue"))
            ET.SubElement(variable_value, tag("VariableRef"), targetGUID=variable_guid[name])
            ET.SubElement(variable_value, tag("TextValue")).text = xml_text(value)
    if not len(sources):
        root.remove(sources)
    if notes:
        ET.SubElement(root, tag("Notes")).extend(notes)
    sets = _sets_element(codebook, ns, "MemberCode")
    if sets is not None:
        root.append(sets)
    export.qde = _serialise(root, ns)
    verify_project(export.qde, export.sources, export.expected)
    return export


def _source_text(data: Dataset, path: Path) -> tuple[str, dict[int, tuple[int, int]]]:
    """The transcript as one text, a paragraph per turn, and where each turn's text lies in it."""
    parts: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    length = 0
    for turn in data.parsed[path].turns:
        prefix = f"[{format_clock(turn.start)}] " if turn.start is not None else ""
        if turn.speaker:
            prefix += f"{xml_text(turn.speaker)}: "
        body = xml_text(turn.text)
        spans[turn.number] = (length + len(prefix), length + len(prefix) + len(body))
        piece = prefix + body + "\n\n"
        parts.append(piece)
        length += len(piece)
    return "".join(parts), spans


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
