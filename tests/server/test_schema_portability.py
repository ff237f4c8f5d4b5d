"""Every tool's input schema is one that Anthropic, Gemini and OpenAI all accept as it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from skill.policy.policy import Policy
from skill.server.registry import all_tools
from skill.server.schemas import input_schema
from tests.server.schema_rules import VALIDATORS
from tests.server.test_surface import PENDING

# A policy that can gate every tool, so approval_id is in every schema that could ever carry it.
GATE_ALL = Policy(tool_actions={spec.name: "approve" for spec in all_tools()})
FORBIDDEN_ANYWHERE = ("const", "oneOf", "anyOf", "allOf", "$ref", "$defs")


def nodes(schema: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        found.append(schema)
        for value in schema.values():
            found += nodes(value)
    elif isinstance(schema, list):
        for value in schema:
            found += nodes(value)
    return found


@pytest.mark.parametrize("vendor", sorted(VALIDATORS))
def test_every_tool_schema_is_accepted_by_each_vendor(vendor: str) -> None:
    check = VALIDATORS[vendor]
    problems = {
        spec.name: check(spec.name, input_schema(spec, GATE_ALL)) for spec in all_tools() if spec.name not in PENDING
    }
    assert {name: found for name, found in problems.items() if found} == {}


def test_no_input_schema_uses_const_unions_refs_type_lists_or_null() -> None:
    for spec in all_tools():
        if spec.name in PENDING:
            continue
        for node in nodes(input_schema(spec, GATE_ALL)):
            assert not [key for key in FORBIDDEN_ANYWHERE if key in node], spec.name
            kind = node.get("type")
            assert not isinstance(kind, list) and kind != "null", spec.name


BAD: dict[str, dict[str, Any]] = {
    "top-level union": {"type": "object", "properties": {}, "anyOf": [{"required": ["a"]}, {"required": ["b"]}]},
    "nullable type list": {"type": "object", "properties": {"a": {"type": ["string", "null"]}}},
    "free-form object": {"type": "object", "properties": {"data": {"type": "object"}}},
    "array without items": {"type": "object", "properties": {"a": {"type": "array"}}},
    "const": {"type": "object", "properties": {"a": {"type": "string", "const": "x"}}},
    "dotted parameter": {"type": "object", "properties": {"a.b": {"type": "string"}}},
    "integer enum": {"type": "object", "properties": {"a": {"type": "integer", "enum": [1, 2]}}},
    "not an object": {"type": "string"},
}
# Which vendor refuses which fixture: each validator must fail on at least one, and on what it should.
EXPECTED: dict[str, set[str]] = {
    "anthropic": {"top-level union", "not an object"},
    "gemini": {
        "top-level union",
        "nullable type list",
        "free-form object",
        "array without items",
        "const",
        "dotted parameter",
        "integer enum",
    },
    "openai": {"top-level union", "array without items", "not an object"},
}


@pytest.mark.parametrize("vendor", sorted(VALIDATORS))
def test_each_validator_refuses_the_schemas_its_vendor_refuses(vendor: str) -> None:
    check: Callable[[str, dict[str, Any]], list[str]] = VALIDATORS[vendor]
    refused = {label for label, schema in BAD.items() if check("tool", schema)}
    assert refused == EXPECTED[vendor]
    assert check("bad name!", {"type": "object", "properties": {}})
