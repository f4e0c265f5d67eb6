"""The building blocks of the OpenAPI document: references, objects, parameters, answers.

One set, used by the read API's description (`webapp.openapi`), the editor's
(`webapp.editor_doc`) and the schemas read off the result dataclasses
(`webapp.schemas`), so the three write a parameter or an error answer alike.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

JSON = "application/json"


def ref(kind: str, name: str) -> Schema:
    """A reference to a component (`schemas`, `parameters`, `responses`)."""
    return {"$ref": f"#/components/{kind}/{name}"}


def schema_ref(name: str) -> Schema:
    return ref("schemas", name)


def strings() -> Schema:
    return {"type": "array", "items": {"type": "string"}}


def nullable(kind: str) -> Schema:
    return {"type": [kind, "null"]}


def object_schema(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    """An object of these properties, all required unless `required` names some."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


def param(name: str, schema: Schema, description: str, where: str = "query") -> Schema:
    """A parameter; one in the path is required, as OpenAPI demands."""
    described = {"name": name, "in": where, "description": description, "schema": schema}
    return described | {"required": True} if where == "path" else described


def answer(
    description: str, schema: Schema, media_type: str = JSON, headers: Schema | None = None
) -> Schema:
    """An answer with a body of this schema."""
    described: Schema = {"description": description}
    if headers:
        described["headers"] = headers
    return described | {"content": {media_type: {"schema": schema}}}


def error(description: str, headers: Schema | None = None) -> Schema:
    """An error answer: always the `Error` shape (SPEC §8)."""
    return answer(description, schema_ref("Error"), headers=headers)
