"""Models of the tables people write (`[codebook]`, `[groups.*]`, `[codes.*]`, `[study]`): frozen dataclasses
whose fields say what each table accepts.

A table that is plainly right is checked here, field by field, in plain Python, so reading a valid study
never imports pydantic (importing it and building its validators costs more than the rest of a small
command). A table that is not is validated by pydantic, with a model built from the same fields, and its
problems are worded as pydantic reports them (`toml_files.validation_problems`). The quick check accepts
exactly what pydantic accepts and builds the same values: a property test compares the two.

Field kinds are the annotations these models use: `str`, `str | None`, `bool`, `bool | None` and
`list[str]`, all strict (a TOML number is never a string). `table_field` adds a minimum length and a check:
a function that returns the value, or raises `ValueError` with the fix (as a pydantic field validator would).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

#: A field's extra rule: returns the value (possibly tidied), or raises ValueError saying what to fix.
Check = Callable[[Any], Any]

_KINDS = ("str", "str | None", "bool", "bool | None", "list[str]")


def table_field(
    *,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
    min_length: int = 0,
    check: Check | None = None,
) -> Any:
    """A field of a table model with a minimum length (strings) and/or a check."""
    metadata = {"min_length": min_length, "check": check}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


class _Field(NamedTuple):
    name: str
    kind: str
    required: bool
    min_length: int
    check: Check | None


_fields_of: dict[type, tuple[_Field, ...]] = {}
_names_of: dict[type, frozenset[str]] = {}


def _fields(model: type) -> tuple[_Field, ...]:
    found = _fields_of.get(model)
    if found is None:
        fields = []
        for spec in dataclasses.fields(model):
            kind = spec.type if isinstance(spec.type, str) else getattr(spec.type, "__name__", repr(spec.type))
            if kind not in _KINDS:
                raise TypeError(f"{model.__name__}.{spec.name}: a table field is one of {', '.join(_KINDS)}")
            required = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            fields.append(
                _Field(spec.name, kind, required, spec.metadata.get("min_length", 0), spec.metadata.get("check"))
            )
        found = _fields_of[model] = tuple(fields)
        _names_of[model] = frozenset(field.name for field in fields)
    return found


def _of_kind(kind: str, value: Any) -> bool:
    if kind == "str":
        return type(value) is str
    if kind == "bool":
        return type(value) is bool
    if kind == "list[str]":
        return type(value) is list and all(type(item) is str for item in value)
    if kind == "str | None":
        return value is None or type(value) is str
    return value is None or type(value) is bool  # "bool | None"


def quick_check(model: type, data: Mapping[str, Any]) -> Any:
    """The model built from `data` when every field is plainly right, else None (ask `explain`)."""
    fields = _fields(model)
    names = _names_of[model]
    if any(key not in names for key in data):
        return None
    values: dict[str, Any] = {}
    for field in fields:
        if field.name not in data:
            if field.required:
                return None
            continue  # the dataclass's default (pydantic validates no defaults either)
        value = data[field.name]
        if not _of_kind(field.kind, value):
            return None
        if field.min_length and (value is None or len(value) < field.min_length):
            return None
        if type(value) is list:
            value = list(value)  # never share a list with the parsed document
        if field.check is not None:
            try:
                value = field.check(value)
            except ValueError:
                return None
        values[field.name] = value
    return model(**values)


class TableError(NamedTuple):
    """One problem of a table, as pydantic reports it: where (field, then list index), its kind and message."""

    location: tuple[str | int, ...]
    kind: str
    message: str


def checked(model: type, data: Mapping[str, Any]) -> tuple[Any, list[TableError]]:
    """The model built from `data`, or None and every problem with it."""
    found = quick_check(model, data)
    if found is not None:
        return found, []
    from pydantic import ValidationError

    try:
        validated = _pydantic_model(model).model_validate(data)
    except ValidationError as error:
        problems = [
            TableError(tuple(detail["loc"]), detail["type"], str(detail["msg"]).removeprefix("Value error, "))
            for detail in error.errors()
        ]
        return None, problems
    # pydantic accepted what the quick check did not (the property test says this does not happen): trust it.
    return model(**{field.name: getattr(validated, field.name) for field in _fields(model)}), []


def as_dict(instance: Any, exclude_none: bool = False) -> dict[str, Any]:
    """The fields of a model instance in their order (lists copied), as a file writes them."""
    values = dataclasses.asdict(instance)
    return {name: value for name, value in values.items() if not (exclude_none and value is None)}


_pydantic_models: dict[type, Any] = {}


def _pydantic_model(model: type) -> Any:
    """A pydantic model of the same fields: unknown fields forbidden, strict types, the same checks."""
    found = _pydantic_models.get(model)
    if found is not None:
        return found
    from pydantic import ConfigDict, Field, create_model, field_validator

    annotations: dict[str, Any] = {
        "str": str,
        "str | None": str | None,
        "bool": bool,
        "bool | None": bool | None,
        "list[str]": list[str],
    }
    specs = {spec.name: spec for spec in dataclasses.fields(model)}
    definitions: dict[str, Any] = {}
    validators: dict[str, Any] = {}
    for field in _fields(model):
        spec = specs[field.name]
        min_length = field.min_length or None
        if spec.default_factory is not dataclasses.MISSING:
            info = Field(default_factory=spec.default_factory, min_length=min_length)
        elif spec.default is not dataclasses.MISSING:
            info = Field(default=spec.default, min_length=min_length)
        else:
            info = Field(min_length=min_length)
        definitions[field.name] = (annotations[field.kind], info)
        if field.check is not None:
            validators[f"check_{field.name}"] = field_validator(field.name)(_as_validator(field.check))
    found = _pydantic_models[model] = create_model(
        model.__name__,
        __config__=ConfigDict(extra="forbid", frozen=True, strict=True),
        __validators__=validators,
        **definitions,
    )
    return found


def _as_validator(check: Check) -> Any:
    def validate(cls: type, value: Any) -> Any:
        return check(value)

    return classmethod(validate)
