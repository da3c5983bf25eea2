"""The fixed column names of the study's tables (the CSV export), shared by the export and `check`.

A code id is also a column name in the wide CSV, so a code may not take one
of these names (nor a transcript field's): the export writes such a code's
column as `code:<id>` and `check` warns about the id.
"""

from __future__ import annotations

BASE_COLUMNS = ("transcript", "turn", "start", "speaker", "role")
CODER_COLUMNS = ("coder", "memo")
TIDY_CODE_COLUMNS = ("code", "code_label", "code_group", "code_suggested")
#: A code column that would repeat another column is written with this prefix (no id or field holds ":").
CODE_COLUMN_PREFIX = "code:"

FIXED_COLUMNS = frozenset(BASE_COLUMNS + CODER_COLUMNS + TIDY_CODE_COLUMNS)


def code_columns(code_ids: list[str], other_columns: list[str]) -> list[str]:
    """The wide CSV's code columns: each code's id, prefixed when it repeats a fixed or metadata column."""
    taken = FIXED_COLUMNS | set(other_columns)
    return [f"{CODE_COLUMN_PREFIX}{code_id}" if code_id in taken else code_id for code_id in code_ids]
