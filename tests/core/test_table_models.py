"""The quick check of the tables people write accepts exactly what pydantic accepts, with the same values.

Reading a valid study never imports pydantic (core/table_models.py); a table the quick check refuses is
explained by pydantic. These tests compare the two on generated tables, and show a valid study is read
without pydantic and a broken one still reports each problem as before.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purer_tui.core.codebook import Code, CodebookInfo, CodeGroup
from purer_tui.core.study import StudySettings
from purer_tui.core.table_models import _pydantic_model, checked, quick_check

MODELS = [CodebookInfo, CodeGroup, Code, StudySettings]

# Values that hit each rule: right and wrong types, empty strings, colours, keys, paths and patterns.
TEXTS = st.sampled_from(
    [
        "",
        "x",
        "Reframing",
        "#a1b2c3",
        "#abc",
        "#abcd",
        "red",
        "k",
        "kk",
        " ",
        "\t",
        "\x07",
        "codebooks/purer.toml",
        "../outside.toml",
        "/etc/passwd",
        "~/x",
        "C:/x",
        "transcripts/*.txt",
        r"grp(?P<group>\d+)-s(?P<session>\d+)",
        r"(a+)+",
        r"plain",
        r"(?P<x",
    ]
) | st.text(max_size=4)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2) | st.floats(allow_nan=False, width=16) | TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=2),
    max_leaves=6,
)
STRING_LISTS = st.lists(TEXTS, max_size=3)


def tables(model: type) -> st.SearchStrategy[dict[str, Any]]:
    names = [field.name for field in dataclasses.fields(model)]
    value = st.one_of(VALUES, TEXTS, STRING_LISTS, st.booleans())
    known = st.dictionaries(st.sampled_from(names), value, max_size=len(names))
    unknown = st.dictionaries(st.sampled_from(["colour", "Name", "extra"]), value, max_size=1)
    return st.builds(lambda a, b, c: {**a, **b} if c else a, known, unknown, st.integers(0, 4).map(lambda n: n == 0))


def pydantic_result(model: type, data: dict[str, Any]) -> dict[str, Any] | None:
    from pydantic import ValidationError

    try:
        validated = _pydantic_model(model).model_validate(data)
    except ValidationError:
        return None
    return validated.model_dump()  # type: ignore[no-any-return]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@settings(max_examples=250, deadline=None, derandomize=True)
@given(data=st.data())
def test_quick_check_accepts_exactly_what_pydantic_accepts_with_the_same_values(
    model: type, data: st.DataObject
) -> None:
    table = data.draw(tables(model))
    quick = quick_check(model, table)
    expected = pydantic_result(model, table)
    assert (quick is None) == (expected is None), (table, quick, expected)
    if quick is not None:
        assert dataclasses.asdict(quick) == expected


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_table_with_every_field_right_needs_no_pydantic(model: type) -> None:
    right: dict[str, dict[str, Any]] = {
        "CodebookInfo": {"name": "PURER", "version": "2", "description": "d"},
        "CodeGroup": {"label": "Stage", "exclusive": True, "roles": ["participant"], "parent": "p", "color": "#aabbcc"},
        "Code": {
            "label": "Reframing",
            "definition": "d",
            "key": "r",
            "examples": ["e"],
            "color": "#abc",
            "split_into": [],
        },
        "StudySettings": {
            "name": "s",
            "codebook": "codebooks/c.toml",
            "transcripts": ["t/*.txt"],
            "metadata_pattern": r"s(?P<session>\d+)",
            "suggest": False,
        },
    }
    table = right[model.__name__]
    assert quick_check(model, table) is not None
    assert dataclasses.asdict(quick_check(model, table)) == pydantic_result(model, table)


def test_problems_are_worded_by_pydantic_field_by_field() -> None:
    found, errors = checked(Code, {"label": "", "key": "kk", "examples": ["a", 3], "colour": "#fff"})
    assert found is None
    assert [(error.location, error.kind) for error in errors] == [
        (("key",), "value_error"),
        (("label",), "string_too_short"),
        (("definition",), "missing"),
        (("examples", 1), "string_type"),
        (("colour",), "extra_forbidden"),
    ]
    assert errors[0].message == "'kk' is not one printable character; use a single letter, digit or symbol"


def test_the_lists_of_a_model_are_its_own(tmp_path: Path) -> None:
    roles = ["participant"]
    group = quick_check(CodeGroup, {"label": "G", "roles": roles})
    roles.append("staff")
    assert group.roles == ["participant"]


def test_reading_a_valid_study_and_its_codebook_never_imports_pydantic(demo_study: Path) -> None:
    script = (
        "import sys\n"
        "from purer_tui.core.study import load_study\n"
        f"study = load_study(__import__('pathlib').Path({str(demo_study)!r}))\n"
        "study.load_codebook()\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'pydantic'))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
