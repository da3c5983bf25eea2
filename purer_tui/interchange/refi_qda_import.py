"""`purer-tui codebook import`: a REFI-QDA codebook (`.qdc`, or the codebook inside a `.qdpx`) as a TOML codebook.

Top-level codes with children become groups; their children become codes;
deeper levels are kept as codes whose label is their path ("Coping / Breath");
top-level codes without children are codes of no group. Descriptions become
definitions (with include, exclude, examples and keys read back from
purer-tui's own exports), colours are kept, ids are made valid and unique,
and free keys are assigned. Everything that cannot be carried over is listed.

Files from outside are untrusted. XML with a DTD or entity declarations is
refused before parsing (no entity expansion, no external fetches), only UTF-8
is read, sizes are limited, and a project's zip is read in memory: nothing is
ever extracted, and entry names that climb out of the archive are refused.
"""

from __future__ import annotations

import re
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from purer_tui.core.codebook import ID_PATTERN, build_codebook
from purer_tui.core.errors import InvalidFileError, Problem
from purer_tui.core.keys import reserved_keys
from purer_tui.core.toml_files import TomlDocument
from purer_tui.interchange.refi_qda_format import parse_description

MAX_XML_BYTES = 64 * 1024 * 1024
MAX_CODEBOOK_FILE_BYTES = 64 * 1024 * 1024
_KEY_POOL = "abcdefhilopqrstuvwxyz0123456789"
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def _refuse(path: Path, message: str, line: int | None = None) -> InvalidFileError:
    return InvalidFileError([Problem(path, line, message)])


def read_refi_xml(path: Path) -> ET.Element:
    """The XML of a `.qdc`, or the `.qde` inside a `.qdpx`, parsed safely."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise _refuse(path, f"cannot be read: {error.strerror or error}") from None
    if zipfile.is_zipfile(path):
        return _parse(_project_xml(path), path)
    if size > MAX_CODEBOOK_FILE_BYTES:
        raise _refuse(path, f"is {size // (1024 * 1024)} MiB, too large for a codebook")
    return _parse(path.read_bytes(), path)


def _project_xml(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            for info in infos:
                parts = info.filename.replace("\\", "/").split("/")
                if info.filename.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", info.filename):
                    raise _refuse(
                        path, f'holds an unsafe entry name "{info.filename[:80]}"; it is not a project to trust'
                    )
            projects = [info for info in infos if info.filename.lower().endswith(".qde")]
            if not projects:
                raise _refuse(path, "is a zip without a .qde file, so not a REFI-QDA project")
            chosen = next(
                (i for i in projects if i.filename.lower() == "project.qde"),
                min(projects, key=lambda i: i.filename.count("/")),
            )
            if chosen.file_size > MAX_XML_BYTES:
                raise _refuse(
                    path, f"{chosen.filename} would unpack to {chosen.file_size // (1024 * 1024)} MiB; refused"
                )
            with archive.open(chosen) as handle:
                data = handle.read(MAX_XML_BYTES + 1)
            if len(data) > MAX_XML_BYTES:
                raise _refuse(path, f"{chosen.filename} unpacks to more than it claims; refused")
            return data
    except zipfile.BadZipFile as error:
        raise _refuse(path, f"is a damaged zip ({error})") from None


def _parse(data: bytes, path: Path) -> ET.Element:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _refuse(path, "is not UTF-8 XML (REFI-QDA files are UTF-8)", line) from None
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise _refuse(
            path,
            "holds a DTD or entity declarations, which REFI-QDA files never need; "
            "refused (they can expand without limit or read other files)",
        )
    try:
        return ET.fromstring(text)
    except ET.ParseError as error:
        line = error.position[0] if error.position else None
        raise _refuse(path, f"is not well-formed XML ({error.msg if hasattr(error, 'msg') else error})", line) from None


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child) == name]


def _description(element: ET.Element) -> str:
    found = _children(element, "Description")
    return (found[0].text or "") if found else ""


@dataclass
class ImportedCodebook:
    data: dict[str, object]  # the TOML tables
    notes: list[str] = field(default_factory=list)  # what could not be carried over, or was changed
    code_ids: dict[str, str] = field(default_factory=dict)  # a codable <Code>'s guid -> the code id it became

    def toml(self) -> str:
        return tomli_w.dumps(self.data)

    def count(self, table: str) -> int:
        """How many entries a table holds (`codes`, `groups`)."""
        entries = self.data.get(table)
        return len(entries) if isinstance(entries, dict) else 0


def import_codebook(path: Path, name: str) -> ImportedCodebook:
    root = read_refi_xml(path)
    if _local(root) not in ("CodeBook", "Project"):
        raise _refuse(path, f"has a <{_local(root)}> root, not a REFI-QDA CodeBook or Project")
    codes_element = next((e for e in root.iter() if _local(e) == "Codes"), None)
    if codes_element is None or not _children(codes_element, "Code"):
        raise _refuse(path, "holds no codes")
    exclusive_sets = {
        (s.get("name") or "").strip()
        for s in root.iter()
        if _local(s) == "Set" and _description(s).startswith("Exclusive group")
    }
    other_sets = sum(1 for s in root.iter() if _local(s) == "Set") - len(exclusive_sets)
    converter = _Converter()
    try:
        for top in _children(codes_element, "Code"):
            children = _children(top, "Code")
            if children:
                converter.group(top, children, exclusive_sets)
            else:
                converter.code(top, group="", path=[])
    except RecursionError:
        raise _refuse(path, "nests codes too deeply (hundreds of levels) to be a codebook; refused") from None
    if not converter.codes:
        raise _refuse(path, "holds no codable codes")
    if other_sets > 0:
        converter.notes.append(f"{other_sets} set(s) of codes were not carried over (only exclusive groups are)")
    if any(_local(e) == "NoteRef" for top in _children(codes_element, "Code") for e in top.iter()):
        converter.notes.append("notes attached to codes were not carried over")
    converter.assign_keys()
    data: dict[str, object] = {"codebook": {"name": name, "version": "1"}}
    if converter.groups:
        data["groups"] = converter.groups
    data["codes"] = converter.codes
    imported = ImportedCodebook(data, converter.notes, converter.code_ids)
    problems: list[Problem] = []
    text = imported.toml()
    codebook = build_codebook(TomlDocument(path, text, tomllib.loads(text)), problems)
    if codebook is None:  # a conversion bug, not the user's: say so plainly
        raise InvalidFileError(
            [Problem(path, None, "could not be converted into a valid codebook: " + problems[0].message)]
        )
    return imported


class _Converter:
    def __init__(self) -> None:
        self.groups: dict[str, dict[str, object]] = {}
        self.codes: dict[str, dict[str, object]] = {}
        self.notes: list[str] = []
        self.code_ids: dict[str, str] = {}
        self._wanted_keys: dict[str, str] = {}
        # Ids given so far, and the next number to try for each base: a project of 100,000 codes
        # (many of one name) gets its ids in linear time.
        self._taken: set[str] = set()
        self._next_number: dict[str, int] = {}

    def _unique_id(self, wanted: str | None, name: str) -> str:
        if wanted and ID_PATTERN.match(wanted) and wanted not in self._taken:
            self._taken.add(wanted)
            return wanted
        base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-_")[:48] or "code"
        if not re.match(r"^[a-z0-9]", base):
            base = "c-" + base
        candidate, number = base, self._next_number.get(base, 2)
        if candidate in self._taken:
            candidate = f"{base}-{number}"
            while candidate in self._taken:
                number += 1
                candidate = f"{base}-{number}"
            self._next_number[base] = number + 1
        self._taken.add(candidate)
        return candidate

    def group(self, element: ET.Element, children: list[ET.Element], exclusive_sets: set[str]) -> None:
        name = (element.get("name") or "").strip() or "(unnamed group)"
        described = parse_description(_description(element))
        group_id = self._unique_id(described.meta.get("id"), name)
        table: dict[str, object] = {"label": name}
        table["exclusive"] = "exclusive" in described.meta or name in exclusive_sets
        if described.definition:
            table["description"] = described.definition
        roles = [r.strip() for r in described.meta.get("roles", "").split(",") if r.strip()]
        if roles:
            table["roles"] = roles
        self.groups[group_id] = table
        if element.get("isCodable", "false").lower() == "true":
            self._add_code(element, group_id, f"{name} (general)", from_meta=False)
            self.notes.append(
                f'"{name}" was both a code and a parent: it became group {group_id} and a code "{name} (general)" in it'
            )
        for child in children:
            self.code(child, group_id, path=[])

    def code(self, element: ET.Element, group: str, path: list[str]) -> None:
        """A code (when codable), then the codes under it, their label carrying the path."""
        name = (element.get("name") or "").strip() or "(unnamed code)"
        label = " / ".join([*path, name])
        below = _children(element, "Code")
        if element.get("isCodable", "true").lower() == "true":
            self._add_code(element, group, label, from_meta=True)
        elif not below:
            self.notes.append(f'"{label}" is neither codable nor has codes under it: skipped')
        if below and not path:
            self.notes.append(
                f'codes under "{label}" were kept with their path in the label (purer-tui groups are one level deep)'
            )
        for child in below:
            self.code(child, group, [*path, name])

    def _add_code(self, element: ET.Element, group: str, label: str, from_meta: bool) -> None:
        described = parse_description(_description(element))
        code_id = self._unique_id(described.meta.get("id") if from_meta else None, label)
        table: dict[str, object] = {}
        if group:
            table["group"] = group
        table["label"] = label
        table["definition"] = described.definition
        for field_name in ("include", "exclude"):
            if getattr(described, field_name):
                table[field_name] = getattr(described, field_name)
        if described.examples:
            table["examples"] = described.examples
        color = element.get("color")
        if color and _COLOR.match(color):
            table["color"] = color
        elif color:
            self.notes.append(f'"{label}": colour {color!r} is not #RRGGBB and was dropped')
        if from_meta and described.meta.get("key"):
            self._wanted_keys[code_id] = described.meta["key"]
        self.codes[code_id] = table
        guid = (element.get("guid") or "").strip().lower()
        if guid:
            self.code_ids[guid] = code_id

    def assign_keys(self) -> None:
        """Keys from our own exports where still free; others from the label's letters, then a pool;
        the rest have none."""
        reserved = reserved_keys()
        used: set[str] = set()
        keyless = {code_id for code_id, key in self._wanted_keys.items() if key == "none"}
        for code_id, key in self._wanted_keys.items():
            if len(key) == 1 and key not in reserved and key not in used:
                self.codes[code_id]["key"] = key
                used.add(key)
        without: list[str] = []
        for code_id, table in self.codes.items():
            if "key" in table or code_id in keyless:
                continue
            label = str(table["label"]).casefold()
            candidates = [ch for ch in label if ch.isalnum() and ch.isascii()] + list(_KEY_POOL)
            chosen = next((ch for ch in candidates if ch not in reserved and ch not in used), None)
            if chosen is None:
                without.append(code_id)
                continue
            table["key"] = chosen
            used.add(chosen)
        # keep the TOML's field order readable: key right after group
        for code_id, table in self.codes.items():
            if "key" in table:
                moved = table.pop("key")
                ordered = {k: v for k, v in table.items() if k == "group"}
                ordered["key"] = moved
                ordered.update({k: v for k, v in table.items() if k != "group"})
                self.codes[code_id] = ordered
        if without:
            self.notes.append(
                f"{len(without)} code(s) got no key (no free keys left): apply them with space in the coding app"
            )
