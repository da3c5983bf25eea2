"""Editing a codebook's TOML text in place, so its comments and layout survive a rename, merge or split.

A codebook is a file people write and comment. Rewriting it from parsed data
would lose every comment and reorder what the team laid out, so each edit
here changes only the lines it must: a `[codes.<id>]` header, a `parent = ...`
or `split_into = [...]` line, a table deleted or added. Tables are found by
their header lines outside multi-line strings and arrays (quoted headers such
as `[codes."old"]` too).

Every edit is made twice: on the text, and on the parsed data. `checked_edit`
parses the edited text and compares it with the data edited directly (table
order included); when they differ (a layout this module does not understand:
inline tables, dotted keys, escapes in an id) it refuses, and the change must be
made by hand. A codebook is never written that is not what was intended.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from purer_tui.core.errors import PurerError, display_path

_HEADER = re.compile(r"^([ \t]*)\[([^\[\]]*)\]([ \t]*(?:#.*)?)$")
_ARRAY_HEADER = re.compile(r"^[ \t]*\[\[")
_KEY_PART = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)')


# --- The edits: each one is applied to the text and to the parsed data alike. ---


@dataclass(frozen=True)
class RenameCode:
    """`[codes.old]` becomes `[codes.new]` in place; every `parent` and `split_into` naming it follows."""

    old: str
    new: str


@dataclass(frozen=True)
class DeleteCode:
    """The code's table goes (with the comment lines directly above it)."""

    code: str


@dataclass(frozen=True)
class Reparent:
    """Every code whose `parent` is `old` now sits under `new`."""

    old: str
    new: str


@dataclass(frozen=True)
class MapSplitInto:
    """In every `split_into`, `old` becomes `new` (named once)."""

    old: str
    new: str


@dataclass(frozen=True)
class AddCode:
    """A new code's table, right after the table of `after`."""

    after: str
    code: str
    fields: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class SetField:
    """A field of a code's table set (the line replaced when there is one, else added at the table's end)."""

    code: str
    name: str
    value: Any = field(hash=False)


@dataclass(frozen=True)
class RemoveField:
    code: str
    name: str


Edit = RenameCode | DeleteCode | Reparent | MapSplitInto | AddCode | SetField | RemoveField


class UnsafeEdit(PurerError):
    """The text could not be edited so that it says exactly what was meant."""


def checked_edit(text: str, path: Path, edits: Sequence[Edit]) -> str:
    """The codebook text with the edits made, verified against the same edits made on its parsed data."""
    if text.startswith("\ufeff"):  # a byte-order mark (Notepad's) stays where it was
        return "\ufeff" + checked_edit(text[1:], path, edits)
    try:
        before = tomllib.loads(text)
        expected = edit_data(before, edits)
        # A codebook saved on Windows keeps its line endings: edited as lines, written back as it was.
        crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
        edited = edit_text(text.replace("\r\n", "\n") if crlf else text, edits)
        if crlf:
            edited = edited.replace("\n", "\r\n")
        after = tomllib.loads(edited)
    except (tomllib.TOMLDecodeError, _CannotEdit, KeyError, TypeError) as error:
        raise _refusal(path, edits, str(error)) from None
    if after != expected or _order(after) != _order(expected):
        raise _refusal(path, edits, "the edited text would not say exactly this")
    return edited


def _refusal(path: Path, edits: Sequence[Edit], why: str) -> UnsafeEdit:
    wanted = "; ".join(describe(edit) for edit in edits)
    return UnsafeEdit(f"could not edit {display_path(path)} safely ({why}); make this change by hand: {wanted}")


def _order(data: dict[str, Any]) -> list[str]:
    codes = data.get("codes")
    return list(codes) if isinstance(codes, dict) else []


def describe(edit: Edit) -> str:
    """One line a person reads before agreeing to the edit."""
    match edit:
        case RenameCode(old, new):
            return f"[codes.{old}] becomes [codes.{new}] (its key, label, colour and definition kept)"
        case DeleteCode(code):
            return f"[codes.{code}] is deleted (its key is free again)"
        case Reparent(old, new):
            return f'codes under {old} move under {new} (parent = "{new}")'
        case MapSplitInto(old, new):
            return f'split_into lists naming "{old}" name "{new}"'
        case AddCode(after, code, fields):
            key = f', key "{fields["key"]}"' if "key" in fields else ", no key"
            return f"[codes.{code}] is added after [codes.{after}]{key}"
        case SetField(code, name, value):
            return f"codes.{code}.{name} = {_value_text(value)}"
        case RemoveField(code, name):
            return f"codes.{code}.{name} is removed"
    raise AssertionError(edit)


def _value_text(value: Any) -> str:
    """A value as TOML on one line (lists too: a `split_into` reads best as `["b", "c"]`)."""
    if isinstance(value, list):
        return "[" + ", ".join(_value_text(item) for item in value) + "]"
    return tomli_w.dumps({"v": value}).removeprefix("v = ").strip()


# --- The edits on parsed data (what the text must parse to). ---


def edit_data(data: dict[str, Any], edits: Sequence[Edit]) -> dict[str, Any]:
    result = copy.deepcopy(data)
    for edit in edits:
        codes: dict[str, Any] = result["codes"]
        match edit:
            case RenameCode(old, new):
                result["codes"] = {new if code == old else code: table for code, table in codes.items()}
                _reparent_data(result["codes"], old, new)
                _map_split_data(result["codes"], old, new)
            case DeleteCode(code):
                del codes[code]
            case Reparent(old, new):
                _reparent_data(codes, old, new)
            case MapSplitInto(old, new):
                _map_split_data(codes, old, new)
            case AddCode(after, code, fields):
                reordered: dict[str, Any] = {}
                for existing, table in codes.items():
                    reordered[existing] = table
                    if existing == after:
                        reordered[code] = copy.deepcopy(fields)
                result["codes"] = reordered
            case SetField(code, name, value):
                codes[code][name] = copy.deepcopy(value)
            case RemoveField(code, name):
                codes[code].pop(name, None)
    return result


def _reparent_data(codes: dict[str, Any], old: str, new: str) -> None:
    for table in codes.values():
        if isinstance(table, dict) and table.get("parent") == old:
            table["parent"] = new


def _map_split_data(codes: dict[str, Any], old: str, new: str) -> None:
    for table in codes.values():
        if isinstance(table, dict) and isinstance(table.get("split_into"), list) and old in table["split_into"]:
            table["split_into"] = _mapped_list(table["split_into"], old, new)


def _mapped_list(items: list[Any], old: str, new: str) -> list[Any]:
    mapped: list[Any] = []
    for item in items:
        item = new if item == old else item
        if item not in mapped:
            mapped.append(item)
    return mapped


# --- The edits on text. ---


class _CannotEdit(Exception):
    """The text is not laid out as this module expects (the caller refuses with the reason)."""


@dataclass(frozen=True)
class _Table:
    path: tuple[str, ...]
    header: int  # the header line's index
    end: int  # one past the table's last line that holds anything (trailing blanks and comments excluded)
    next_header: int  # the next table's header line (or the number of lines)
    start: int  # the first of the comment lines directly above the header (the header when none)


@dataclass
class _Layout:
    lines: list[str]
    tables: list[_Table]
    # For each line: True when it starts inside a multi-line string or array (it can then be no header).
    continued: list[bool]

    def table(self, path: tuple[str, ...]) -> _Table:
        found = [table for table in self.tables if table.path == path]
        if len(found) != 1:
            raise _CannotEdit(f"[{'.'.join(path)}] is not one table of its own")
        return found[0]

    def code_tables(self) -> list[_Table]:
        return [table for table in self.tables if len(table.path) == 2 and table.path[0] == "codes"]

    def key_line(self, table: _Table, name: str) -> int | None:
        """The line of `name = ...` in a table's body."""
        pattern = re.compile(rf"""^[ \t]*(?:{re.escape(name)}|"{re.escape(name)}"|'{re.escape(name)}')[ \t]*=""")
        for index in range(table.header + 1, table.next_header):
            if not self.continued[index] and pattern.match(self.lines[index]):
                return index
        return None

    def value_end(self, line: int) -> int:
        """One past the last line of the value that starts on `line` (a multi-line array or string)."""
        end = line + 1
        while end < len(self.lines) and self.continued[end]:
            end += 1
        return end


def _layout(text: str) -> _Layout:
    lines = text.split("\n")
    continued: list[bool] = []
    state: str | None = None  # '"""' or "'''" inside a multi-line string
    depth = 0  # open brackets and braces of a value
    headers: list[tuple[int, tuple[str, ...] | None]] = []  # (line, path; None for an array of tables)
    for index, line in enumerate(lines):
        inside = state is not None or depth > 0
        continued.append(inside)
        if not inside:
            match = _HEADER.match(line)
            if match:
                headers.append((index, _split_key(match.group(2))))
                continue
            if _ARRAY_HEADER.match(line):
                headers.append((index, None))
                continue
        state, depth = _scan_line(line, state, depth)
    tables: list[_Table] = []
    for position, (header, path) in enumerate(headers):
        next_header = headers[position + 1][0] if position + 1 < len(headers) else len(lines)
        end = header + 1
        for index in range(header + 1, next_header):
            stripped = lines[index].strip()
            if continued[index] or (stripped and not stripped.startswith("#")):
                end = index + 1
        start = header
        previous_end = tables[-1].end if tables else 0
        while start - 1 >= previous_end and lines[start - 1].strip().startswith("#") and not continued[start - 1]:
            start -= 1
        if path is not None:
            tables.append(_Table(path, header, end, next_header, start))
        else:
            tables.append(_Table((), header, end, next_header, start))
    return _Layout(lines, tables, continued)


def _scan_line(line: str, state: str | None, depth: int) -> tuple[str | None, int]:
    """Whether a multi-line string or value is still open at the end of this line."""
    index, length = 0, len(line)
    while index < length:
        if state is not None:
            if state == '"""' and line[index] == "\\":
                index += 2
                continue
            if line.startswith(state, index):
                run = index
                while run < length and line[run] == state[0]:
                    run += 1
                index, state = run, None
                continue
            index += 1
            continue
        character = line[index]
        if character == "#":
            break
        if line.startswith('"""', index) or line.startswith("'''", index):
            state, index = line[index : index + 3], index + 3
            continue
        if character == '"':
            index += 1
            while index < length and line[index] != '"':
                index += 2 if line[index] == "\\" else 1
            index += 1
            continue
        if character == "'":
            closing = line.find("'", index + 1)
            index = length if closing < 0 else closing + 1
            continue
        if character in "[{":
            depth += 1
        elif character in "]}":
            depth = max(0, depth - 1)
        index += 1
    return state, depth


def _split_key(raw: str) -> tuple[str, ...]:
    parts = []
    for basic, literal, bare in _KEY_PART.findall(raw):
        parts.append(basic or literal or bare)
    return tuple(parts)


def _header_line(original: str, path: tuple[str, ...]) -> str:
    match = _HEADER.match(original)
    assert match is not None
    return f"{match.group(1)}[{'.'.join(path)}]{match.group(3)}"


def _string_value(lines: list[str], line: int, value: str) -> bool:
    """The line's value is exactly the string `value` (plain quotes, no escapes), then at most a comment."""
    quoted = rf"""(?:"{re.escape(value)}"|'{re.escape(value)}')"""
    return re.match(rf"^[^=]*=[ \t]*{quoted}[ \t]*(?:#.*)?$", lines[line]) is not None


def edit_text(text: str, edits: Sequence[Edit]) -> str:
    for edit in edits:
        text = _edit_once(text, edit)
    return text


def _edit_once(text: str, edit: Edit) -> str:
    layout = _layout(text)
    lines = layout.lines
    match edit:
        case RenameCode(old, new):
            table = layout.table(("codes", old))
            lines[table.header] = _header_line(lines[table.header], ("codes", new))
            text = "\n".join(lines)
            text = _edit_once(text, Reparent(old, new))
            return _edit_once(text, MapSplitInto(old, new))
        case DeleteCode(code):
            table = layout.table(("codes", code))
            end = table.end
            while end < table.next_header and not lines[end].strip():
                end += 1  # the blank lines after it go too, so no gap is left
            del lines[table.start : end]
            return "\n".join(lines)
        case Reparent(old, new):
            for table in layout.code_tables():
                line = layout.key_line(table, "parent")
                if line is not None and _string_value(lines, line, old):
                    lines[line] = re.sub(
                        rf"""=([ \t]*)(["']){re.escape(old)}\2""", rf'=\g<1>"{new}"', lines[line], count=1
                    )
            return "\n".join(lines)
        case MapSplitInto(old, new):
            replacements = []
            for table in layout.code_tables():
                line = layout.key_line(table, "split_into")
                if line is None:
                    continue
                end = layout.value_end(line)
                value = tomllib.loads("\n".join(lines[line:end]).strip())
                items = next(iter(value.values()))
                if isinstance(items, list) and old in items:
                    indent = lines[line][: len(lines[line]) - len(lines[line].lstrip())]
                    rendered = indent + "split_into = " + _value_text(_mapped_list(items, old, new))
                    replacements.append((line, end, rendered))
            for line, end, rendered in reversed(replacements):
                lines[line:end] = [rendered]
            return "\n".join(lines)
        case AddCode(after, code, fields):
            table = layout.table(("codes", after))
            block = ["", f"[codes.{code}]", *(f"{name} = {_value_text(value)}" for name, value in fields.items())]
            lines[table.end : table.end] = block
            return "\n".join(lines)
        case SetField(code, name, value):
            table = layout.table(("codes", code))
            rendered = f"{name} = {_value_text(value)}"
            line = layout.key_line(table, name)
            if line is None:
                lines.insert(table.end, rendered)
            else:
                lines[line : layout.value_end(line)] = [rendered]
            return "\n".join(lines)
        case RemoveField(code, name):
            table = layout.table(("codes", code))
            line = layout.key_line(table, name)
            if line is not None:
                del lines[line : layout.value_end(line)]
            return "\n".join(lines)
    raise AssertionError(edit)
