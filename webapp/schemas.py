"""JSON Schemas of the typed results, read off their fields: the OpenAPI components.

A result dataclass (`indexer.archive.results`) says what its JSON holds: each
field's type, its description (`Doc.text`), its JSON name (`Doc.json`) and
whether it may be left out (`Doc.omit_none`); `as_json` renders it by the
same fields. So the document's components are derived here rather than
written again by hand, and an answer cannot grow a field the document lacks.

Types map as JSON does: str, int, float and bool to their JSON types,
`X | None` to X or null, lists and `tuple[X, ...]` to arrays, `dict[str, X]`
to objects of X, and a nested result to a `$ref` to its own component.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from typing import Any

from indexer.archive.results import field_docs
from webapp.openapi_parts import Schema, object_schema, schema_ref

_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def result_schema(cls: type, names: Mapping[type, str]) -> Schema:
    """The JSON Schema of a result dataclass; `names` names the components of nested ones."""
    hints = typing.get_type_hints(cls, include_extras=True)
    docs = field_docs(cls)
    properties: dict[str, Schema] = {}
    required = []
    for spec in fields(cls):
        doc = docs[spec.name]
        name = doc.json or spec.name
        hint = hints[spec.name]
        if doc.omit_none:
            # Left out when None, so never null: the schema is the other type's.
            hint = _without_none(hint)
        else:
            required.append(name)
        properties[name] = {**type_schema(hint, names), "description": doc.text}
    schema = object_schema(properties, required)
    # A dataclass without a docstring gets its signature as one: not a description.
    if cls.__doc__ and not cls.__doc__.startswith(f"{cls.__name__}("):
        schema["description"] = cls.__doc__.strip()
    return schema


def components(named: Mapping[str, type]) -> dict[str, Schema]:
    """The schemas of result dataclasses under their component names, nested ones by `$ref`."""
    names = {cls: name for name, cls in named.items()}
    return {name: result_schema(cls, names) for name, cls in named.items()}


def _without_none(hint: Any) -> Any:
    """`X` of an `X | None` (its `Annotated` metadata set aside)."""
    if typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if len(args) == 1 else hint


def type_schema(hint: Any, names: Mapping[type, str]) -> Schema:
    """The JSON Schema of a field's type (its `Annotated` metadata set aside)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return type_schema(args[0], names)
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    if isinstance(hint, type) and is_dataclass(hint):
        return schema_ref(names.get(hint, hint.__name__))
    if origin in (types.UnionType, typing.Union) and type(None) in args:
        others = [a for a in args if a is not type(None)]
        if len(others) == 1 and others[0] in _SCALARS:
            return {"type": [_SCALARS[others[0]], "null"]}
        return {"anyOf": [*(type_schema(a, names) for a in others), {"type": "null"}]}
    if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        return {"type": "array", "items": type_schema(args[0], names)}
    if origin is dict and args[0] is str:
        return {"type": "object", "additionalProperties": type_schema(args[1], names)}
    raise TypeError(f"no JSON Schema for {hint!r}")


def refine(schema: Schema, constraints: Mapping[str, Schema]) -> Schema:
    """The schema with some properties narrowed (an enum, a minimum): what a type cannot say."""
    properties = dict(schema["properties"])
    for name, extra in constraints.items():
        properties[name] = {**properties[name], **extra}
    return {**schema, "properties": properties}
