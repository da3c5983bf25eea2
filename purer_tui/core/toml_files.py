"""Reading the TOML files people write (codebooks, study files) with errors they can act on.

tomllib reports syntax errors with a line and column but knows nothing of
where a key lives once parsed; `locate` finds the line of a dotted path such
as `codes.reframing.key` so every problem can be shown as `path:line`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from purer_tui.core.errors import InvalidFileError, Problem
from purer_tui.core.study_files import read_plain_file
from purer_tui.core.table_models import TableError, checked


class TomlDocument:
    """A parsed TOML file and its text, for locating problems."""

    def __init__(self, path: Path, text: str, data: dict[str, Any]):
        self.path = path
        self.text = text
        self.data = data
        self._lines = text.split("\n")
        self._headers: dict[tuple[str, ...], int] | None = (
            None  # each [table]'s dotted key -> its first line, found once
        )
        self._keys: dict[int, dict[str, int]] = {}  # header line -> each key's line in that table, found once

    def problem(self, dotted: str, message: str, severity: str = "error") -> Problem:
        return Problem(self.path, self.locate(dotted), f"{dotted}: {message}" if dotted else message, severity)

    def locate(self, dotted: str) -> int | None:
        """The line of `a.b.c`: the `c = ` line in table `[a.b]`, else the table's header."""
        parts = dotted.split(".")
        for table_length in range(len(parts), 0, -1):
            table, rest = parts[:table_length], parts[table_length:]
            header = self._find_header(table)
            if header is None:
                continue
            if not rest:
                return header
            key_line = self._find_key(header, rest[0])
            return key_line if key_line is not None else header
        if parts:
            return self._find_key(0, parts[0])
        return None

    def locate_in_table(self, table: str, key: str) -> int | None:
        """The line of `key = ` in `[table]`, for a key that holds dots (`"turn.next" = ...`), which `locate`
        would split; else the table's line."""
        header = self._find_header([table])
        if header is None:
            return self.locate(table)
        line = self._find_key(header, key)
        return line if line is not None else header

    def _find_header(self, table: list[str]) -> int | None:
        if self._headers is None:
            # One linear pattern (no nested repetition to backtrack over), run once per file, and a table
            # of headers: each of thousands of problems is located without re-reading the file.
            headers: dict[tuple[str, ...], int] = {}
            for number, line in enumerate(self._lines, start=1):
                match = _HEADER.match(line)
                if match:
                    headers.setdefault(tuple(_split_key(match.group(1))), number)
            self._headers = headers
        return self._headers.get(tuple(table))

    def _find_key(self, after_line: int, key: str) -> int | None:
        """The line of `key = ` in the table whose header is at `after_line` (0: before any header)."""
        if after_line not in self._keys:
            keys: dict[str, int] = {}
            for number in range(after_line + 1, len(self._lines) + 1):
                line = self._lines[number - 1]
                if _TABLE_START.match(line):
                    break
                match = _KEY.match(line)
                if match:
                    first = _split_key(match.group(1))[:1]
                    if first:
                        keys.setdefault(first[0], number)
            self._keys[after_line] = keys
        return self._keys[after_line].get(key)


_HEADER = re.compile(r"[ \t]*\[([^\[\]]*)\][ \t]*(?:#.*)?$")
_TABLE_START = re.compile(r"\s*\[")
_KEY = re.compile(r"\s*([A-Za-z0-9_\-\"'. ]+)=")  # one character class, then "=": linear however long the line


def _split_key(raw: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', raw)
    return [next(p for p in part if p) if any(part) else "" for part in parts]


#: Study files, codebooks and consensus records are a few KiB; a TOML file beyond this is not one.
MAX_TOML_BYTES = 4 * 1024 * 1024


def read_toml(path: Path, what: str, follow_links: bool = True, limit: int = MAX_TOML_BYTES) -> TomlDocument:
    """Read and parse a TOML file; every failure is an `InvalidFileError` naming the line.

    Never blocks on a pipe and never reads more than `limit` bytes; with `follow_links`
    False (files a study holds), a link is refused rather than followed.
    """
    try:
        data = read_plain_file(path, what, limit, follow_links)
    except FileNotFoundError:
        raise InvalidFileError([Problem(path, None, f"no such {what}; check the path")]) from None
    return parse_toml(data, path, what)


def parse_toml(data: bytes, path: Path, what: str) -> TomlDocument:
    """Parse a TOML file's bytes (read from disk, or from a commit); problems name `path` and the line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidFileError([Problem(path, line, f"not valid UTF-8; save the {what} as UTF-8")]) from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        at_line = int(where.group(1)) if where else None
        detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        column = f" at column {where.group(2)}" if where else ""
        raise InvalidFileError([Problem(path, at_line, f"TOML syntax error{column}: {detail}")]) from None
    except RecursionError:
        raise InvalidFileError([Problem(path, None, "TOML nested too deeply to read")]) from None
    except ValueError:  # a whole number of thousands of digits: Python refuses to convert it
        raise InvalidFileError([Problem(path, None, f"holds a number far too long to read; fix the {what}")]) from None
    return TomlDocument(path, text, parsed)


_FIXES = {
    "missing": "is required; add it",
    "extra_forbidden": "is not a known field; check its spelling (see docs/formats.md)",
    "string_type": 'must be a string, in quotes ("...")',
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": 'must be a list, like ["...", "..."]',
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "int_type": "must be a whole number",
    "string_too_short": "must not be empty",
}


def validation_problems(document: TomlDocument, prefix: str, errors: list[TableError]) -> list[Problem]:
    """A table's problems, each at its own TOML path and line."""
    problems = []
    for error in errors:
        dotted = ".".join([prefix, *(str(part) for part in error.location)]).strip(".")
        problems.append(document.problem(dotted, _FIXES.get(error.kind) or error.message))
    return problems


def validate_table(document: TomlDocument, prefix: str, model: type, data: Any, problems: list[Problem]) -> Any:
    """Validate one table against a model (core/table_models.py), adding its problems; None when it is invalid.
    Unknown fields are mistakes, reported, never ignored."""
    if not isinstance(data, dict):
        problems.append(document.problem(prefix, "must be a table ([" + prefix + "])"))
        return None
    found, errors = checked(model, data)
    problems.extend(validation_problems(document, prefix, errors))
    return found
