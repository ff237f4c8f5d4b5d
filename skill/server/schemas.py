"""JSON schemas for tools, built from the ToolSpec models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from skill.policy.tiers import Tier
from skill.server.registry import ToolSpec

APPROVAL_ID_PROPERTY = {
    "type": "string",
    "description": "Id of an approved request, to run a gated call.",
}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            merged = {**_inline(target, defs), **{k: v for k, v in node.items() if k != "$ref"}}
            return _inline(merged, defs)
        # Drop pydantic's string titles; a property that is itself named "title" is a dict and stays.
        return {
            key: _inline(value, defs)
            for key, value in node.items()
            if key not in ("title", "$defs") or (key == "title" and not isinstance(value, str))
        }
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, null]` as X with "null" added to its type: same meaning, far fewer bytes."""
    options = node.get("anyOf")
    if not isinstance(options, list) or len(options) != 2 or {"type": "null"} not in options:
        return node
    other = next(option for option in options if option != {"type": "null"})
    if not isinstance(other.get("type"), str):
        return node
    merged = {**{k: v for k, v in node.items() if k != "anyOf"}, **other, "type": [other["type"], "null"]}
    if "enum" in merged:
        merged["enum"] = [*merged["enum"], None]
    return merged


def _compact(node: Any, *, keep_descriptions: bool) -> Any:
    """Shrink a schema: nullable unions folded, null defaults dropped; for outputs, descriptions,
    defaults and additionalProperties dropped (they constrain nothing a client checks).

    The whole catalogue is read by a model on every turn, so every byte here is paid many times.
    """
    if isinstance(node, list):
        return [_compact(item, keep_descriptions=keep_descriptions) for item in node]
    if not isinstance(node, dict):
        return node
    node = _nullable(node)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "default" and (value is None or not keep_descriptions):
            continue
        if not keep_descriptions and (
            (key == "description" and isinstance(value, str)) or (key == "additionalProperties" and value is False)
        ):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _compact(prop, keep_descriptions=keep_descriptions) for name, prop in value.items()}
        else:
            out[key] = _compact(value, keep_descriptions=keep_descriptions)
    return out


def model_schema(model: type[BaseModel], mode: str = "validation") -> dict[str, Any]:
    """A self-contained schema: $defs inlined, pydantic titles dropped, compacted.

    Input schemas keep every field description (the agent needs them); output schemas keep the
    shape only, since field names there speak for themselves.
    """
    raw = model.model_json_schema(by_alias=True, mode=mode)  # type: ignore[arg-type]
    defs = raw.get("$defs", {})
    schema: dict[str, Any] = _compact(_inline(raw, defs), keep_descriptions=mode == "validation")
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return schema


def input_schema(spec: ToolSpec) -> dict[str, Any]:
    schema = model_schema(spec.input)
    if spec.tier is not Tier.READ:
        schema["properties"]["approval_id"] = dict(APPROVAL_ID_PROPERTY)
    schema["additionalProperties"] = False
    return schema


def _shallow(prop: dict[str, Any]) -> dict[str, Any]:
    """A nested object or list reduced to its kind: the top level is the contract agents rely on."""
    kinds = prop.get("type")
    if kinds in ("object", ["object", "null"]) or "properties" in prop:
        return {"type": kinds or "object"}
    if kinds in ("array", ["array", "null"]):
        return {"type": kinds, "items": {"type": "object"}} if "properties" in prop.get("items", {}) else prop
    return prop


def output_schema(spec: ToolSpec) -> dict[str, Any]:
    schema = model_schema(spec.output, mode="serialization")
    schema["properties"] = {name: _shallow(prop) for name, prop in schema["properties"].items()}
    return schema


def tool_document(spec: ToolSpec) -> dict[str, Any]:
    """The agent-facing contract of one tool, as written to tools/<name>.json."""
    return {
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "toolset": spec.toolset,
        "tier": spec.tier.value,
        "annotations": spec.annotations(),
        "inputSchema": input_schema(spec),
        "outputSchema": output_schema(spec),
    }
