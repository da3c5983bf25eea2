"""Codebooks: the codes a study applies, read from TOML and validated.

The file shape (see docs/formats.md):

    [codebook]              name, version, description
    [groups.<id>]           label, exclusive, description, roles, parent, color
    [codes.<id>]            group, parent, key, label, definition, include, exclude, examples, color,
                            split_into

Groups nest with `parent` (another group); a code may sit under another code
with `parent` (a code that is also a heading, as NVivo allows). Display order
is depth first: each parent, then what sits under it, siblings in file order.
Every problem is reported at once, each with its TOML path, its line and a fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from purer_tui.core.errors import InvalidFileError, Problem
from purer_tui.core.keys import reserved_keys
from purer_tui.core.table_models import table_field
from purer_tui.core.toml_files import TomlDocument, read_toml, validate_table

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
COLOR_PATTERN = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")

#: The group of codes that name no group.
UNGROUPED = ""
#: How deep groups, and codes under codes, may nest (NVivo trees seldom pass 8).
MAX_DEPTH = 16


def _checked_color(color: str | None) -> str | None:
    if color is not None and not COLOR_PATTERN.fullmatch(color):
        raise ValueError(f'{color!r} is not a colour; write it as "#RRGGBB"')
    return color


def _one_printable_character(key: str | None) -> str | None:
    if key is not None and (len(key) != 1 or not key.isprintable() or key.isspace()):
        raise ValueError(f"{key!r} is not one printable character; use a single letter, digit or symbol")
    return key


# The table models (core/table_models.py): what `[codebook]`, `[groups.<id>]` and `[codes.<id>]` accept.
@dataclass(frozen=True, kw_only=True)
class CodebookInfo:
    name: str = table_field(min_length=1)
    version: str = "1"
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class CodeGroup:
    id: str = UNGROUPED
    label: str = table_field(min_length=1)
    exclusive: bool = False
    description: str = ""
    # The speaker roles whose turns these codes apply to (the study's [roles]); empty: any.
    roles: list[str] = table_field(default_factory=list)
    parent: str = ""  # the group this one sits under; "" at the top
    color: str | None = table_field(default=None, check=_checked_color)

    def applies_to(self, role: str | None) -> bool:
        return not self.roles or role is None or role in self.roles


@dataclass(frozen=True, kw_only=True)
class Code:
    id: str = ""
    group: str = UNGROUPED
    parent: str = ""  # the code this one sits under (in the same group); "" when none
    key: str | None = table_field(default=None, check=_one_printable_character)
    label: str = table_field(min_length=1)
    definition: str
    include: str = ""
    exclude: str = ""
    examples: list[str] = table_field(default_factory=list)
    color: str | None = table_field(default=None, check=_checked_color)
    # The codes this one was split into (`purer-tui codebook split`): its turns wait to be recoded with them,
    # and it is applied no more.
    split_into: list[str] = table_field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """Which version of the definition this is (see `definition_fingerprint`)."""
        return definition_fingerprint(self.definition, self.include, self.exclude, self.examples)


def definition_fingerprint(definition: str, include: str = "", exclude: str = "", examples: Sequence[str] = ()) -> str:
    """Eight hex digits that change when what a coder applies a code by changes: its definition, include,
    exclude or examples. Spacing is ignored, so re-wrapping a TOML string changes nothing."""
    import hashlib  # here: reading a codebook never needs it

    text = json.dumps([" ".join(part.split()) for part in (definition, include, exclude, *examples)])
    return hashlib.sha256(text.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Codebook:
    """A validated codebook: its groups and codes in display order."""

    path: Path
    info: CodebookInfo
    groups: tuple[CodeGroup, ...]
    codes: tuple[Code, ...]
    # Lookups built once from the fields above (a frozen dataclass sets them in __post_init__).
    _codes_by_id: dict[str, Code] = field(init=False, repr=False, compare=False)
    _groups_by_id: dict[str, CodeGroup] = field(init=False, repr=False, compare=False)
    _order: dict[str, int] = field(init=False, repr=False, compare=False)
    _group_order: dict[str, int] = field(init=False, repr=False, compare=False)
    # What sits under what, in display order: a group's codes, a group's subgroups, a code's children.
    _codes_in: dict[str, tuple[Code, ...]] = field(init=False, repr=False, compare=False)
    _subgroups: dict[str, tuple[CodeGroup, ...]] = field(init=False, repr=False, compare=False)
    _children: dict[str, tuple[Code, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One pass over each field, so asking what sits under a group or code never rescans the codebook.
        object.__setattr__(self, "_codes_by_id", {code.id: code for code in self.codes})
        object.__setattr__(self, "_groups_by_id", {group.id: group for group in self.groups})
        object.__setattr__(self, "_order", {code.id: index for index, code in enumerate(self.codes)})
        object.__setattr__(self, "_group_order", {group.id: index for index, group in enumerate(self.groups)})
        codes_in: dict[str, list[Code]] = {}
        children: dict[str, list[Code]] = {}
        for code in self.codes:
            codes_in.setdefault(code.group, []).append(code)
            if code.parent:
                children.setdefault(code.parent, []).append(code)
        subgroups: dict[str, list[CodeGroup]] = {}
        for group in self.groups:
            if group.id != UNGROUPED:
                subgroups.setdefault(group.parent, []).append(group)
        object.__setattr__(self, "_codes_in", {key: tuple(value) for key, value in codes_in.items()})
        object.__setattr__(self, "_children", {key: tuple(value) for key, value in children.items()})
        object.__setattr__(self, "_subgroups", {key: tuple(value) for key, value in subgroups.items()})

    def code(self, code_id: str) -> Code:
        return self._codes_by_id[code_id]

    def has_code(self, code_id: str) -> bool:
        return code_id in self._codes_by_id

    def group(self, group_id: str) -> CodeGroup:
        return self._groups_by_id[group_id]

    def codes_in(self, group_id: str) -> tuple[Code, ...]:
        """The group's own codes (nested codes included, subgroups' codes not), in display order."""
        return self._codes_in.get(group_id, ())

    def group_path(self, group_id: str) -> tuple[CodeGroup, ...]:
        """The group and the groups above it, outermost first."""
        path: list[CodeGroup] = []
        group: CodeGroup | None = self._groups_by_id.get(group_id)
        while group is not None and len(path) <= MAX_DEPTH:
            path.append(group)
            group = self._groups_by_id.get(group.parent) if group.parent else None
        return tuple(reversed(path))

    def subgroups(self, group_id: str) -> tuple[CodeGroup, ...]:
        """The groups directly under a group ("" for the top level), in display order."""
        return self._subgroups.get(group_id, ())

    def code_depth(self, code_id: str) -> int:
        """How many codes a code sits under (0 for a code directly in its group)."""
        depth, code = 0, self._codes_by_id[code_id]
        while code.parent and depth <= MAX_DEPTH:
            depth += 1
            code = self._codes_by_id[code.parent]
        return depth

    def children(self, code_id: str) -> tuple[Code, ...]:
        """The codes directly under a code."""
        return self._children.get(code_id, ())

    def code_for_key(self) -> dict[str, Code]:
        return {code.key: code for code in self.codes if code.key}

    def in_codebook_order(self, code_ids: list[str] | set[str]) -> list[str]:
        """Known codes sorted as the codebook lists them; unknown ones after, by name."""
        order = self._order
        return sorted(code_ids, key=lambda code_id: (order.get(code_id, len(order)), code_id))

    def exclusive_conflicts(self, code_ids: Sequence[str]) -> list[tuple[CodeGroup, list[str]]]:
        """Exclusive groups that have more than one of these codes, in codebook order; each group's codes
        in the order given. Costs time in the number of codes given, not in the size of the codebook."""
        if len(code_ids) < 2:
            return []
        members: dict[str, list[str]] = {}
        for code_id in code_ids:
            code = self._codes_by_id.get(code_id)
            group = self._groups_by_id.get(code.group) if code is not None else None
            if group is not None and group.exclusive:
                members.setdefault(group.id, []).append(code_id)
        clashing = [group_id for group_id, codes in members.items() if len(codes) > 1]
        clashing.sort(key=lambda group_id: self._group_order[group_id])
        return [(self._groups_by_id[group_id], members[group_id]) for group_id in clashing]


def load_codebook(path: Path, keymap: Mapping[str, str] | None = None) -> Codebook:
    """Read and validate a codebook; raises `InvalidFileError` with every problem found."""
    document = read_toml(path, "codebook")
    problems: list[Problem] = []
    codebook = build_codebook(document, problems, keymap)
    errors = [problem for problem in problems if problem.is_error]
    if errors or codebook is None:
        raise InvalidFileError(errors or problems)
    return codebook


def codebook_problems(path: Path, keymap: Mapping[str, str] | None = None) -> list[Problem]:
    """Every problem of a codebook file, errors and warnings, for `check`."""
    try:
        document = read_toml(path, "codebook")
    except InvalidFileError as error:
        return error.problems
    problems: list[Problem] = []
    build_codebook(document, problems, keymap)
    return problems


def build_codebook(
    document: TomlDocument, problems: list[Problem], keymap: Mapping[str, str] | None = None
) -> Codebook | None:
    data = document.data
    for key in data:
        if key not in ("codebook", "groups", "codes"):
            problems.append(
                document.problem(
                    key, "is not a codebook table; the tables are [codebook], [groups.<id>] and [codes.<id>]"
                )
            )
    info = _info(document, data.get("codebook"), problems)
    groups = _groups(document, data.get("groups", {}), problems)
    declared_groups = set(data["groups"]) if isinstance(data.get("groups"), dict) else set()
    codes = _codes(document, data.get("codes"), declared_groups, problems, keymap)
    groups = _nest_groups(document, groups, declared_groups, problems)
    codes = _nest_codes(document, codes, data.get("codes"), problems)
    _check_splits(document, codes, problems)
    if any(code.group == UNGROUPED for code in codes):
        groups.append(CodeGroup(id=UNGROUPED, label="Other codes" if groups else "Codes"))
    if info is None or any(problem.is_error for problem in problems):
        return None
    return Codebook(path=document.path, info=info, groups=tuple(groups), codes=tuple(codes))


def _depth_first(ids: list[str], parent_of: dict[str, str]) -> list[str]:
    """Each parent, then what sits under it; siblings keep their file order. `parent_of` has no cycles."""
    under: dict[str, list[str]] = {}
    for item in ids:
        under.setdefault(parent_of.get(item, ""), []).append(item)
    ordered: list[str] = []
    stack = list(reversed(under.get("", [])))
    while stack:
        item = stack.pop()
        ordered.append(item)
        stack.extend(reversed(under.get(item, [])))
    return ordered


def _parent_problem(chain_of: dict[str, str], item: str) -> str | None:
    """Why an item's chain of parents is wrong (a cycle, too deep), or None."""
    seen = [item]
    parent = chain_of.get(item, "")
    while parent:
        if parent in seen:
            return "sits under itself (" + " > ".join([*seen, parent]) + "); remove one of these parents"
        seen.append(parent)
        if len(seen) > MAX_DEPTH + 1:
            return f"nests more than {MAX_DEPTH} levels deep; flatten the tree"
        parent = chain_of.get(parent, "")
    return None


def _nest_groups(
    document: TomlDocument, groups: list[CodeGroup], declared: set[str], problems: list[Problem]
) -> list[CodeGroup]:
    known = {group.id for group in groups}
    parent_of: dict[str, str] = {}
    for group in groups:
        if not group.parent:
            continue
        if group.parent not in declared:
            listed = ", ".join(sorted(declared - {group.id})) or "none"
            problems.append(
                document.problem(f"groups.{group.id}.parent", f'no group "{group.parent}" (groups: {listed})')
            )
        elif group.parent in known:
            parent_of[group.id] = group.parent
    for group in groups:
        problem = _parent_problem(parent_of, group.id) if group.id in parent_of else None
        if problem:
            problems.append(document.problem(f"groups.{group.id}.parent", problem))
            parent_of.pop(group.id)
    by_id = {group.id: group for group in groups}
    ordered = _depth_first([group.id for group in groups], parent_of)
    for group_id in ordered:  # parents first, so a chain inherits from the top
        group, parent = by_id[group_id], by_id.get(parent_of.get(group_id, ""))
        if not group.roles and parent is not None and parent.roles:
            # A group that names no roles is for its parent's: a subtree of participant codes stays theirs.
            by_id[group_id] = replace(group, roles=list(parent.roles))
    return [by_id[group_id] for group_id in ordered]


def _nest_codes(document: TomlDocument, codes: list[Code], tables: Any, problems: list[Problem]) -> list[Code]:
    """Check each code's `parent`, give a nested code its parent's group when it names none, order depth first."""
    by_id = {code.id: code for code in codes}
    parent_of = {code.id: code.parent for code in codes if code.parent and code.parent in by_id}
    for code in codes:
        if code.parent and code.parent not in by_id and isinstance(tables, dict) and code.parent not in tables:
            problems.append(
                document.problem(
                    f"codes.{code.id}.parent", f'no code "{code.parent}"; name a code id of this codebook, or remove it'
                )
            )
    for code in codes:
        problem = _parent_problem(parent_of, code.id) if code.id in parent_of else None
        if problem:
            problems.append(document.problem(f"codes.{code.id}.parent", problem))
            parent_of.pop(code.id)

    def group_of(code_id: str) -> str:
        # A nested code that names no group is in its parent's; follow the chain (it has no cycles now).
        code = by_id[code_id]
        explicit = isinstance(tables, dict) and isinstance(tables.get(code_id), dict) and "group" in tables[code_id]
        if explicit or code_id not in parent_of:
            return code.group
        return group_of(parent_of[code_id])

    for code_id in list(parent_of):
        group = group_of(code_id)
        parent_group = group_of(parent_of[code_id])
        if group != parent_group:
            problems.append(
                document.problem(
                    f"codes.{code_id}.group",
                    f'is "{group}" but its parent codes.{parent_of[code_id]} is in "{parent_group}"; '
                    "a code sits in its parent's group: remove group or make them equal",
                )
            )
        elif group != by_id[code_id].group:
            by_id[code_id] = replace(by_id[code_id], group=group)
    return [by_id[code_id] for code_id in _depth_first([code.id for code in codes], parent_of)]


def _check_splits(document: TomlDocument, codes: list[Code], problems: list[Problem]) -> None:
    """A split code names other codes of this codebook, none of them split themselves."""
    by_id = {code.id: code for code in codes}
    for code in codes:
        for target in code.split_into:
            path = f"codes.{code.id}.split_into"
            if target == code.id:
                problems.append(document.problem(path, f'names "{target}" itself; name the codes it was split into'))
            elif target not in by_id:
                problems.append(
                    document.problem(path, f'no code "{target}"; add [codes.{target}] or remove it from the list')
                )
            elif by_id[target].split_into:
                problems.append(
                    document.problem(path, f'"{target}" was split too; name the codes it was split into instead')
                )


def _info(document: TomlDocument, table: Any, problems: list[Problem]) -> CodebookInfo | None:
    if table is None:
        problems.append(document.problem("codebook", 'is missing; add a [codebook] table with name = "..."'))
        return None
    info: CodebookInfo | None = validate_table(document, "codebook", CodebookInfo, table, problems)
    return info


def _groups(document: TomlDocument, tables: Any, problems: list[Problem]) -> list[CodeGroup]:
    if not isinstance(tables, dict):
        problems.append(document.problem("groups", "must hold tables like [groups.stage]"))
        return []
    groups = []
    for group_id, table in tables.items():
        path = f"groups.{group_id}"
        if not ID_PATTERN.match(group_id):
            problems.append(document.problem(path, _bad_id(group_id)))
            continue
        if isinstance(table, dict) and "id" in table:
            problems.append(document.problem(f"{path}.id", "is not a field; the id is the table name"))
            continue
        group = validate_table(document, path, CodeGroup, table, problems)
        if group is not None:
            groups.append(replace(group, id=group_id))
    return groups


def _codes(
    document: TomlDocument,
    tables: Any,
    group_ids: set[str],
    problems: list[Problem],
    keymap: Mapping[str, str] | None,
) -> list[Code]:
    """Validate the codes; `group_ids` are the groups declared, valid or not, so one bad group is one problem."""
    if tables is None or tables == {}:
        problems.append(document.problem("codes", "the codebook has no codes; add tables like [codes.my-code]"))
        return []
    if not isinstance(tables, dict):
        problems.append(document.problem("codes", "must hold tables like [codes.my-code]"))
        return []
    reserved = reserved_keys(keymap)
    key_owner: dict[str, str] = {}
    codes = []
    for code_id, table in tables.items():
        path = f"codes.{code_id}"
        if not ID_PATTERN.match(code_id):
            problems.append(document.problem(path, _bad_id(code_id)))
            continue
        if isinstance(table, dict) and "id" in table:
            problems.append(document.problem(f"{path}.id", "is not a field; the id is the table name"))
            continue
        code = validate_table(document, path, Code, table, problems)
        if code is None:
            # Still check its key, so that one problem (a missing definition) never hides another (a clash).
            raw_key = table.get("key") if isinstance(table, dict) else None
            if isinstance(raw_key, str) and len(raw_key) == 1:
                _check_key(document, code_id, raw_key, reserved, key_owner, problems)
            continue
        code = replace(code, id=code_id)
        if code.group != UNGROUPED and code.group not in group_ids:
            known = ", ".join(sorted(group_ids)) or "none yet"
            problems.append(
                document.problem(
                    f"{path}.group",
                    f'no group "{code.group}" (groups: {known}); add [groups.{code.group}] or fix the name',
                )
            )
        if code.key is not None:
            _check_key(document, code_id, code.key, reserved, key_owner, problems)
        if not code.definition.strip():
            problems.append(
                document.problem(f"{path}.definition", "is empty; coders agree better with a definition", "warning")
            )
        codes.append(code)
    return codes


def _check_key(
    document: TomlDocument,
    code_id: str,
    key: str,
    reserved: Mapping[str, str],
    key_owner: dict[str, str],
    problems: list[Problem],
) -> None:
    """A code's key must be free: not the app's, not another code's."""
    path = f"codes.{code_id}.key"
    if key in reserved:
        problems.append(document.problem(path, f'"{key}" is the app\'s key for {reserved[key]}; choose another key'))
    elif key in key_owner:
        problems.append(
            document.problem(path, f'"{key}" is already the key of codes.{key_owner[key]}; choose another key')
        )
    else:
        key_owner[key] = code_id


def _bad_id(name: str) -> str:
    return f'"{name}" is not a valid id; use lowercase letters, digits, "-" and "_", starting with a letter or digit'
