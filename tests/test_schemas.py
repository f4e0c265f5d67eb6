"""JSON Schemas read off result dataclasses (webapp.schemas): each kind of field type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pytest

from indexer.archive.results import Doc
from webapp.schemas import components, refine, result_schema


@dataclass(frozen=True)
class Inner:
    """A nested result."""

    n: Annotated[int, Doc("A number.")]


@dataclass(frozen=True)
class Outer:
    text: Annotated[str, Doc("Some text.")]
    ratio: Annotated[float, Doc("A ratio.")]
    flag: Annotated[bool, Doc("A flag.")]
    maybe: Annotated[str | None, Doc("Null when unknown.")]
    left_out: Annotated[int | None, Doc("Absent when None.", omit_none=True)]
    kind: Annotated[str, Doc("Named otherwise in JSON.", json="type")]
    inners: Annotated[list[Inner], Doc("Nested, by reference.")]
    names: Annotated[tuple[str, ...], Doc("A tuple is a list.")]
    by_key: Annotated[dict[str, list[Inner]], Doc("Lists of nested ones by key.")]
    optional_inner: Annotated[Inner | None, Doc("A nested one or null.")]


def test_every_kind_of_field_has_its_json_schema() -> None:
    schema = result_schema(Outer, {Inner: "Nested"})
    assert schema["properties"] == {
        "text": {"type": "string", "description": "Some text."},
        "ratio": {"type": "number", "description": "A ratio."},
        "flag": {"type": "boolean", "description": "A flag."},
        "maybe": {"type": ["string", "null"], "description": "Null when unknown."},
        "left_out": {"type": "integer", "description": "Absent when None."},
        "type": {"type": "string", "description": "Named otherwise in JSON."},
        "inners": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Nested"},
            "description": "Nested, by reference.",
        },
        "names": {
            "type": "array",
            "items": {"type": "string"},
            "description": "A tuple is a list.",
        },
        "by_key": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Nested"},
            },
            "description": "Lists of nested ones by key.",
        },
        "optional_inner": {
            "anyOf": [{"$ref": "#/components/schemas/Nested"}, {"type": "null"}],
            "description": "A nested one or null.",
        },
    }
    # Everything is sent but what is left out when None.
    assert "left_out" not in schema["required"] and len(schema["required"]) == 9
    # A dataclass without a docstring has no description (not its generated signature).
    assert "description" not in schema


def test_components_name_nested_results_and_keep_their_docstrings() -> None:
    named = components({"Nested": Inner, "Outer": Outer})
    assert named["Nested"] == {
        "type": "object",
        "properties": {"n": {"type": "integer", "description": "A number."}},
        "required": ["n"],
        "description": "A nested result.",
    }
    narrowed = refine(named["Nested"], {"n": {"minimum": 1}})
    assert narrowed["properties"]["n"] == {
        "type": "integer",
        "description": "A number.",
        "minimum": 1,
    }
    assert "minimum" not in named["Nested"]["properties"]["n"]


def test_a_type_json_cannot_say_is_refused() -> None:
    @dataclass(frozen=True)
    class Odd:
        when: Annotated[set[str], Doc("A set.")]

    with pytest.raises(TypeError):
        result_schema(Odd, {})
