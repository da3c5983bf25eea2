"""`purer-tui codebook import`: a REFI-QDA codebook (`.qdc`, or the codebook inside a `.qdpx`) as a TOML codebook.

The tree is kept: non-codable nodes become groups (nested with `parent`),
codable nodes codes, and a codable node with nodes under it a code whose
children sit under it (`parent`), as NVivo allows. Ids are readable: the
code's own name, with the names above it added only as far as needed to be
unique, never a column name of the CSV exports. Identical sibling names get
distinct labels. Descriptions become definitions; ids, keys, roles,
exclusivity and the codebook's name, description and version come back from
purer-tui's own exports (the codebook set, see refi_qda_format.py, or the
older per-description lines); colours are kept, and free keys assigned.
Everything that cannot be carried over, or was changed, is listed.

Files from outside are untrusted. XML with a DTD or entity declarations is
refused before parsing (no entity expansion, no external fetches), only UTF-8
is read, sizes are limited, and a project's zip is read in memory: nothing is
ever extracted, and entry names that climb out of the archive are refused.
"""

from __future__ import annotations

import re
import stat
import tomllib
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from purer_tui.core.codebook import ID_PATTERN, MAX_DEPTH, build_codebook
from purer_tui.core.errors import InvalidFileError, Problem
from purer_tui.core.keys import reserved_keys
from purer_tui.core.table_columns import FIXED_COLUMNS
from purer_tui.core.toml_files import TomlDocument
from purer_tui.interchange.refi_qda_format import (
    EXCLUSIVE_SENTENCE,
    CodebookBlock,
    DescribedItem,
    parse_codebook_block,
    parse_description,
)

MAX_XML_BYTES = 64 * 1024 * 1024
MAX_CODEBOOK_FILE_BYTES = 64 * 1024 * 1024
_KEY_POOL = "abcdefhilopqrstuvwxyz0123456789"
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
ID_LENGTH = 64  # as ID_PATTERN allows


def _refuse(path: Path, message: str, line: int | None = None) -> InvalidFileError:
    return InvalidFileError([Problem(path, line, message)])


def regular_file_size(path: Path) -> int:
    """The size of a file from elsewhere, refused unless it is a regular file (a pipe or a device would
    block or never end)."""
    try:
        status = path.stat()
    except OSError as error:
        raise _refuse(path, f"cannot be read: {error.strerror or error}") from None
    if not stat.S_ISREG(status.st_mode):
        raise _refuse(path, "is not a regular file; give the .qdc or .qdpx file itself")
    return status.st_size


def read_refi_xml(path: Path) -> ET.Element:
    """The XML of a `.qdc`, or the `.qde` inside a `.qdpx`, parsed safely."""
    size = regular_file_size(path)
    if zipfile.is_zipfile(path):
        return _parse(_project_xml(path), path)
    if size > MAX_CODEBOOK_FILE_BYTES:
        raise _refuse(path, f"is {size // (1024 * 1024)} MiB, too large for a codebook")
    return _parse(path.read_bytes(), path)


def safe_entry_name(name: str) -> bool:
    """An archive entry name that stays inside the archive: relative, no `..`, no drive, no NUL."""
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name) or "\x00" in name)


def _project_xml(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            for info in infos:
                if not safe_entry_name(info.filename):
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
    # a codable <Code>'s guid, lower-cased (with and without braces) -> the code id it became
    code_ids: dict[str, str] = field(default_factory=dict)

    def toml(self) -> str:
        return tomli_w.dumps(self.data)

    def count(self, table: str) -> int:
        """How many entries a table holds (`codes`, `groups`)."""
        entries = self.data.get(table)
        return len(entries) if isinstance(entries, dict) else 0


#: Column names a new code id avoids: the CSV exports' fixed columns and the transcript fields studies
#: usually have (a code id equal to one would be written `code:<id>` in the wide CSV).
CSV_COLUMNS = FIXED_COLUMNS | {"session", "group", "date"}


def import_codebook(path: Path, name: str | None = None) -> ImportedCodebook:
    """The codebook of a `.qdc` or `.qdpx` as TOML tables. Its name: `name` when given, else the name the file
    gives it (our own exports keep it), else the project's, else the file's."""
    root = read_refi_xml(path)
    if _local(root) not in ("CodeBook", "Project"):
        raise _refuse(path, f"has a <{_local(root)}> root, not a REFI-QDA CodeBook or Project")
    codes_element = next((e for e in root.iter() if _local(e) == "Codes"), None)
    if codes_element is None or not _children(codes_element, "Code"):
        raise _refuse(path, "holds no codes")
    sets = [s for s in root.iter() if _local(s) == "Set"]
    block_set = next((s for s in sets if parse_codebook_block(_description(s)) is not None), None)
    block = parse_codebook_block(_description(block_set)) if block_set is not None else None
    exclusive_sets = {(s.get("name") or "").strip() for s in sets if _description(s).startswith("Exclusive group")}
    other_sets = len(sets) - len(exclusive_sets) - (block_set is not None)
    converter = _Converter(path, block or CodebookBlock(), exclusive_sets)
    converter.convert(_children(codes_element, "Code"))
    if not converter.codes:
        raise _refuse(path, "holds no codable codes")
    if other_sets > 0:
        converter.notes.append(f"{other_sets} set(s) of codes were not carried over (only exclusive groups are)")
    if any(_local(e) == "NoteRef" for top in _children(codes_element, "Code") for e in top.iter()):
        converter.notes.append("notes attached to codes were not carried over")
    converter.assign_keys()
    given = name or (block_set.get("name") if block_set is not None else None)
    given = given or (root.get("name") if _local(root) == "Project" else None) or path.stem
    info: dict[str, object] = {"name": given.strip() or path.stem, "version": block.version if block else "1"}
    if block and block.description:
        info["description"] = block.description
    data: dict[str, object] = {"codebook": info}
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


@dataclass
class _Node:
    """A node of the REFI tree, placed: a group or a code, under which group and which code."""

    element: ET.Element
    kind: str  # "group" or "code"
    label: str  # the node's name, made distinct from its siblings'
    names: tuple[str, ...]  # the labels of every node above it, outermost first
    guid: str  # lower-cased, without braces
    described: DescribedItem
    group: _Node | None = None  # the group it sits in
    parent_code: _Node | None = None  # the code it sits under
    id: str = ""

    @property
    def shown(self) -> str:
        return " / ".join([*self.names, self.label])


def _bare_guid(element: ET.Element) -> str:
    """An element's GUID as our tables key it: lower-cased, without the braces REFI-QDA allows."""
    return (element.get("guid") or "").strip().lower().removeprefix("{").removesuffix("}")


def _slug(name: str) -> str:
    """A name as id words: accents dropped, lowercase ASCII letters and digits joined by "-"."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", plain.casefold()).strip("-")


def _cut(words: str, limit: int = ID_LENGTH) -> str:
    """At most `limit` characters, cut at a word boundary when one is near enough."""
    if len(words) <= limit:
        return words
    cut = words[:limit]
    if words[limit] != "-" and "-" in cut[limit // 2 :]:
        cut = cut[: cut.rfind("-")]
    return cut.strip("-")


class _Converter:
    """The REFI tree as TOML tables: non-codable nodes become groups (nested), codable ones codes (a code with
    nodes under it keeps them, with `parent`), each with a readable id and a label distinct from its siblings'.

    Three steps: place every node (`walk`), give ids (our own export's first, then readable ones, shallow
    nodes first so that they get the short ids), then write the tables in tree order (`tables`).
    """

    def __init__(self, path: Path, block: CodebookBlock, exclusive_sets: set[str]) -> None:
        self.path = path
        self.block = block
        self.exclusive_sets = exclusive_sets
        self.groups: dict[str, dict[str, object]] = {}
        self.codes: dict[str, dict[str, object]] = {}
        self.notes: list[str] = []
        self.code_ids: dict[str, str] = {}
        self.nodes: list[_Node] = []  # in tree order (each node before the nodes under it)
        self._wanted_keys: dict[str, str] = {}
        self._next_number: dict[str, int] = {}

    def convert(self, tops: list[ET.Element]) -> None:
        self._walk_siblings(tops, (), None, None, 0, 0)
        self._give_ids()
        self._tables()

    def _walk_siblings(
        self,
        elements: list[ET.Element],
        names: tuple[str, ...],
        group: _Node | None,
        parent_code: _Node | None,
        group_depth: int,
        code_depth: int,
    ) -> None:
        """Nodes that share a parent; identical names made distinct ("Other", "Other (2)")."""
        seen: set[str] = set()
        next_number: dict[str, int] = {}  # per name: linear time even for thousands of one name
        repeated: dict[str, int] = {}
        for element in elements:
            # our own export's label, where the name was made distinct for QualCoder
            name = self._block_label(element) or (element.get("name") or "").strip() or "(unnamed code)"
            label = name
            if label.casefold() in seen:
                number = next_number.get(name.casefold(), 2)
                label = f"{name} ({number})"
                while label.casefold() in seen:
                    number += 1
                    label = f"{name} ({number})"
                next_number[name.casefold()] = number + 1
                repeated[name] = repeated.get(name, 1) + 1
            seen.add(label.casefold())
            self._walk(element, label, names, group, parent_code, group_depth, code_depth)
        where = f'under "{" / ".join(names)}"' if names else "at the top"
        for name, count in repeated.items():
            self.notes.append(
                f'{count} codes {where} are named "{name}": they are labelled "{name}", "{name} (2)"'
                + (f' ... "{name} ({count})"' if count > 2 else "")
            )

    def _walk(
        self,
        element: ET.Element,
        label: str,
        names: tuple[str, ...],
        group: _Node | None,
        parent_code: _Node | None,
        group_depth: int,
        code_depth: int,
    ) -> None:
        shown = " / ".join([*names, label])
        codable = (element.get("isCodable") or "true").strip().lower() not in ("false", "0")
        below = _children(element, "Code")
        if not codable and not below:
            self.notes.append(f'"{shown}" is neither codable nor has codes under it: skipped')
            return
        kind = "group" if not codable and parent_code is None else "code"
        if not codable and kind == "code":
            self.notes.append(
                f'"{shown}" is a heading under a code; it became a code there (a group cannot sit under a code)'
            )
        if (group_depth if kind == "group" else code_depth) > MAX_DEPTH:
            raise _refuse(
                self.path,
                f'nests codes too deeply (more than {MAX_DEPTH} levels, at "{shown[:200]}"); '
                f"purer-tui codebooks nest at most {MAX_DEPTH}: flatten that branch in the other program first",
            )
        guid = _bare_guid(element)
        node = _Node(element, kind, label, names, guid, parse_description(_description(element)), group, parent_code)
        self.nodes.append(node)
        if kind == "group":
            self._walk_siblings(below, (*names, label), node, None, group_depth + 1, 0)
        else:
            self._walk_siblings(below, (*names, label), group, node, group_depth, code_depth + 1)

    def _block_label(self, element: ET.Element) -> str:
        guid = _bare_guid(element)
        meta = self.block.codes.get(guid) or self.block.groups.get(guid) or {}
        return meta.get("label", "").strip()

    def _meta(self, node: _Node) -> dict[str, str]:
        """What our own exports say of the node: the codebook set's line, else the older description line."""
        table = self.block.groups if node.kind == "group" else self.block.codes
        return {**node.described.meta, **table.get(node.guid, {})}

    def _give_ids(self) -> None:
        taken: dict[str, set[str]] = {"group": set(), "code": set()}
        for node in self.nodes:  # our own export's ids, kept as they were (`check` warns about column names)
            wanted = self._meta(node).get("id")
            if wanted and ID_PATTERN.match(wanted) and wanted not in taken[node.kind]:
                node.id = wanted
                taken[node.kind].add(wanted)
        for node in sorted(self.nodes, key=lambda n: len(n.names)):  # stable: tree order within a depth
            if not node.id:
                avoid = CSV_COLUMNS if node.kind == "code" else frozenset()
                node.id = self._readable_id([*node.names, node.label], taken[node.kind], avoid)

    def _readable_id(self, names: list[str], taken: set[str], avoid: frozenset[str]) -> str:
        """The name's words, with the names above added only as far as needed to be unique (`other`,
        `writing-other`, `arts-writing-other`), never a column name (`role-code`); a number only when
        even the whole path is taken."""
        above = [slug for slug in (_slug(name) for name in names[:-1]) if slug]
        own = _slug(names[-1]) or "code"
        candidates = [_cut(own)]
        if candidates[0] in avoid:
            candidates = [_cut(own, ID_LENGTH - 5) + "-code"]
        for count in range(1, len(above) + 1):
            candidates.append(_cut("-".join([*above[-count:], own])))
        for candidate in candidates:
            if candidate not in taken and candidate not in avoid:
                taken.add(candidate)
                return candidate
        base = candidates[-1]
        number = self._next_number.get(base, 2)
        candidate = f"{_cut(base, ID_LENGTH - len(str(number)) - 1)}-{number}"
        while candidate in taken:
            number += 1
            candidate = f"{_cut(base, ID_LENGTH - len(str(number)) - 1)}-{number}"
        self._next_number[base] = number + 1
        taken.add(candidate)
        return candidate

    def _tables(self) -> None:
        for node in self.nodes:
            meta = self._meta(node)
            definition = node.described.definition
            table: dict[str, object] = {}
            if node.kind == "group":
                exclusive = "exclusive" in meta or node.label in self.exclusive_sets
                if definition == EXCLUSIVE_SENTENCE or definition.endswith("\n\n" + EXCLUSIVE_SENTENCE):
                    definition = definition.removesuffix(EXCLUSIVE_SENTENCE).rstrip()
                    exclusive = True
                table.update(label=node.label, exclusive=exclusive)
                if definition:
                    table["description"] = definition
                roles = [role.strip() for role in meta.get("roles", "").split(",") if role.strip()]
                if roles:
                    table["roles"] = roles
                if node.group is not None:
                    table["parent"] = node.group.id
                self._color(node, table)
                self.groups[node.id] = table
                continue
            if node.group is not None:
                table["group"] = node.group.id
            if node.parent_code is not None:
                table["parent"] = node.parent_code.id
            table.update(label=node.label, definition=definition)
            for field_name in ("include", "exclude"):
                if getattr(node.described, field_name):
                    table[field_name] = getattr(node.described, field_name)
            if node.described.examples:
                table["examples"] = node.described.examples
            self._color(node, table)
            if meta.get("key"):
                self._wanted_keys[node.id] = meta["key"]
            self.codes[node.id] = table
            if node.guid:  # REFI-QDA allows "{guid}" too, and a reference may write it either way
                self.code_ids[node.guid] = self.code_ids["{" + node.guid + "}"] = node.id

    def _color(self, node: _Node, table: dict[str, object]) -> None:
        color = node.element.get("color")
        if color and _COLOR.match(color):
            table["color"] = color
        elif color:
            self.notes.append(f'"{node.shown}": colour {color!r} is not #RRGGBB and was dropped')

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
        # keep the TOML's field order readable: key right after group and parent
        for code_id, table in self.codes.items():
            if "key" in table:
                moved = table.pop("key")
                ordered = {k: v for k, v in table.items() if k in ("group", "parent")}
                ordered["key"] = moved
                ordered.update({k: v for k, v in table.items() if k not in ("group", "parent")})
                self.codes[code_id] = ordered
        if without:
            self.notes.append(
                f"{len(without)} code(s) got no key (no free keys left): apply them with space in the coding app"
            )
