"""What three model vendors accept as a tool's input schema, written as small validators.

Each returns the problems it finds (an empty list: accepted). The rules are those the vendors
publish for tool / function declarations:

- Anthropic (Messages API tools): the name matches ^[a-zA-Z0-9_-]{1,64}$; input_schema is a JSON
  Schema object whose top level is {"type": "object"} with no oneOf, anyOf or allOf; property
  names match ^[a-zA-Z0-9_.-]{1,64}$.
- Gemini (function declarations, a subset of the OpenAPI 3.0 schema object): the name starts with
  a letter or underscore and holds only letters, digits, underscores, dots and dashes, at most 64;
  parameter names start with a letter or underscore and hold only letters, digits and underscores;
  each schema uses only type (one of STRING, NUMBER, INTEGER, BOOLEAN, ARRAY, OBJECT, written in
  any case), format, description, nullable, enum (strings), items, properties, required and a few
  bounds; no $ref, anyOf, oneOf, allOf, const, additionalProperties, title or type arrays; an
  object declares its properties; an array declares its items.
- OpenAI (function calling, non-strict): the name matches ^[a-zA-Z0-9_-]{1,64}$; parameters is an
  object schema at the top level, with no oneOf, anyOf, allOf, enum or not there; every array
  schema has items.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

ANTHROPIC_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
ANTHROPIC_PROPERTY = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
GEMINI_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$")
GEMINI_PROPERTY = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")
GEMINI_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})
GEMINI_KEYWORDS = frozenset(
    {
        "type",
        "format",
        "description",
        "nullable",
        "enum",
        "items",
        "properties",
        "required",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pattern",
        "default",
    }
)
COMBINERS = ("oneOf", "anyOf", "allOf")


def _walk(schema: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema node (the root, properties' schemas, items), with where it is."""
    if not isinstance(schema, dict):
        return
    yield path, schema
    for name, sub in (schema.get("properties") or {}).items():
        yield from _walk(sub, f"{path}.{name}")
    if "items" in schema:
        yield from _walk(schema["items"], f"{path}[]")


def anthropic(name: str, schema: dict[str, Any]) -> list[str]:
    problems = []
    if not ANTHROPIC_NAME.fullmatch(name):
        problems.append(f"name {name!r} does not match {ANTHROPIC_NAME.pattern}")
    if schema.get("type") != "object":
        problems.append("input_schema must have type 'object' at the top level")
    problems += [f"top level uses {key}" for key in COMBINERS if key in schema]
    for path, node in _walk(schema):
        problems += [
            f"{path}: property name {prop!r}"
            for prop in node.get("properties") or {}
            if not ANTHROPIC_PROPERTY.fullmatch(prop)
        ]
    return problems


def gemini(name: str, schema: dict[str, Any]) -> list[str]:
    problems = []
    if not GEMINI_NAME.fullmatch(name):
        problems.append(f"name {name!r} is not a Gemini function name")
    for path, node in _walk(schema):
        unknown = sorted(set(node) - GEMINI_KEYWORDS)
        if unknown:
            problems.append(f"{path}: unsupported keyword(s) {unknown}")
        kind = node.get("type")
        if not isinstance(kind, str) or kind.lower() not in GEMINI_TYPES:
            problems.append(f"{path}: type must be one of {sorted(GEMINI_TYPES)}, not {kind!r}")
        if "enum" in node and not all(isinstance(value, str) for value in node["enum"]):
            problems.append(f"{path}: enum values must be strings")
        if kind == "object" and not node.get("properties") and path != "$":
            problems.append(f"{path}: an object must declare its properties")
        if kind == "array" and not isinstance(node.get("items"), dict):
            problems.append(f"{path}: an array must declare its items")
        problems += [
            f"{path}: parameter name {prop!r}"
            for prop in node.get("properties") or {}
            if not GEMINI_PROPERTY.fullmatch(prop)
        ]
    return problems


def openai(name: str, schema: dict[str, Any]) -> list[str]:
    problems = []
    if not ANTHROPIC_NAME.fullmatch(name):
        problems.append(f"name {name!r} does not match {ANTHROPIC_NAME.pattern}")
    if schema.get("type") != "object":
        problems.append("parameters must be an object schema")
    problems += [f"top level uses {key}" for key in (*COMBINERS, "enum", "not") if key in schema]
    for path, node in _walk(schema):
        if node.get("type") == "array" and "items" not in node:
            problems.append(f"{path}: array schema missing items")
    return problems


VALIDATORS = {"anthropic": anthropic, "gemini": gemini, "openai": openai}
