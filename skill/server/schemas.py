"""JSON schemas for tools, built from the ToolSpec models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from skill.policy.tiers import Tier
from skill.server.registry import ToolSpec

APPROVAL_ID_PROPERTY = {
    "type": "string",
    "description": "Id of an approved request (from policy.approval_required), to run a gated call.",
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


def model_schema(model: type[BaseModel], mode: str = "validation") -> dict[str, Any]:
    """A self-contained schema: $defs inlined, pydantic titles dropped."""
    raw = model.model_json_schema(by_alias=True, mode=mode)  # type: ignore[arg-type]
    defs = raw.get("$defs", {})
    schema: dict[str, Any] = _inline(raw, defs)
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return schema


def input_schema(spec: ToolSpec) -> dict[str, Any]:
    schema = model_schema(spec.input)
    if spec.tier is not Tier.READ:
        schema["properties"]["approval_id"] = dict(APPROVAL_ID_PROPERTY)
    schema["additionalProperties"] = False
    return schema


def output_schema(spec: ToolSpec) -> dict[str, Any]:
    return model_schema(spec.output, mode="serialization")


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
