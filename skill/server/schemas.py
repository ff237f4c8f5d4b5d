"""JSON schemas for tools, built from the ToolSpec models."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from skill.policy.policy import Policy
from skill.policy.tiers import Tier
from skill.server.listed_schemas import shipped
from skill.server.registry import ToolSpec

# `approval_id` and `account` are on most tools: the server's instructions (skill.server.app.SHARED_ARGUMENTS)
# say once what they mean, so no schema repeats it.
APPROVAL_ID_PROPERTY = {"type": "string"}
ACCOUNT_PROPERTY = {"type": "string"}


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
    # The field's own keywords (its description above all) win over those of the type it wraps.
    merged = {**other, **{k: v for k, v in node.items() if k != "anyOf"}, "type": [other["type"], "null"]}
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


# Constraints the server enforces itself (pydantic, with a structured error naming the fix); left out of
# the listed schema because the catalogue's size is paid on every turn, and descriptions carry the format.
SERVER_SIDE_KEYWORDS = frozenset(
    {
        "pattern",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "format",
        "additionalProperties",
    }
)


def _strip(node: Any) -> Any:
    """Input schema without server-side constraints; an optional argument is simply omitted, so
    its null alternative is left out too."""
    if isinstance(node, list):
        return [_strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _strip(prop) for name, prop in value.items()}
        elif key == "type" and isinstance(value, list) and "null" in value and len(value) == 2:
            out[key] = next(kind for kind in value if kind != "null")
        elif key == "default" and value in (False, 0, "", [], {}):
            continue  # leaving the argument out means the same; saying so costs every listing bytes
        elif key == "enum" and isinstance(value, list) and None in value:
            out[key] = [item for item in value if item is not None]
        elif key not in SERVER_SIDE_KEYWORDS:
            out[key] = _strip(value)
    return out


def base_input_schema(spec: ToolSpec) -> dict[str, Any]:
    """The input model's schema without server-side constraints, before any shared argument is added."""
    schema: dict[str, Any] = _strip(model_schema(spec.input))
    return schema


def input_schema(spec: ToolSpec, policy: Policy | None = None, *, accounts: bool = True) -> dict[str, Any]:
    """The listed input schema of a spec (see with_shared)."""
    base = shipped(spec, "input") or base_input_schema(spec)
    return with_shared(
        base, spec.name, spec.tier, takes_account=spec.takes_account, sets_webhooks=bool(spec.webhook_args),
        policy=policy, accounts=accounts,
    )  # fmt: skip


def with_shared(
    schema: dict[str, Any],
    name: str,
    tier: Tier,
    *,
    takes_account: bool,
    sets_webhooks: bool,
    policy: Policy | None = None,
    accounts: bool = True,
) -> dict[str, Any]:
    """A base input schema with the shared arguments: approval_id where the policy (default: built-in) can
    gate the tool, and `account` on tools that take it when the server acts on several accounts."""
    schema = {**schema, "properties": dict(schema.get("properties", {}))}
    if accounts and takes_account:
        schema["properties"]["account"] = dict(ACCOUNT_PROPERTY)
    if (policy or Policy()).may_require_approval(name, tier, sets_webhooks=sets_webhooks):
        schema["properties"]["approval_id"] = dict(APPROVAL_ID_PROPERTY)
    return schema


def _shallow(prop: dict[str, Any]) -> dict[str, Any]:
    """A nested object or list reduced to its kind, a plain text field to its name: the top level is
    the contract agents rely on.

    Results leave out null fields, so a nullable field is typed by its value alone.
    """
    kinds = prop.get("type")
    if isinstance(kinds, list) and "null" in kinds and len(kinds) == 2:
        kinds = next(kind for kind in kinds if kind != "null")
        prop = {**prop, "type": kinds}
        if "enum" in prop:
            prop["enum"] = [item for item in prop["enum"] if item is not None]
    if kinds in ("object", ["object", "null"]) or "properties" in prop:
        return {"type": kinds or "object"}
    if kinds in ("array", ["array", "null"]):
        return {"type": kinds}
    if kinds == "string" and set(prop) <= {"type", "description", "title", "format", "maxLength", "pattern"}:
        # Text is what a field holds unless its schema says otherwise; naming it costs every client
        # bytes on every tools/list, so plain text fields are named without a type.
        return {}
    return prop


def output_schema(spec: ToolSpec, *, listed: bool = False) -> dict[str, Any]:
    """The result's top level: each property with its type.

    `listed` is the form sent in tools/list: a property whose schema is empty (plain text) constrains
    nothing a client checks, so only the snapshot in tools/<name>.json names it.
    """
    if listed and (cached := shipped(spec, "output")) is not None:
        return cached
    return computed_output_schema(spec, listed=listed)


def computed_output_schema(spec: ToolSpec, *, listed: bool) -> dict[str, Any]:
    schema = model_schema(spec.output, mode="serialization")
    schema.pop("required", None)  # results leave out null fields; the rest is always there
    # Every result also carries "environment" ('sandbox' or 'live'); the server instructions say so once,
    # rather than every schema repeating it.
    shallow = {name: _shallow(prop) for name, prop in schema["properties"].items() if name != "environment"}
    schema["properties"] = {name: prop for name, prop in shallow.items() if prop or not listed}
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


def tool_document_text(spec: ToolSpec) -> str:
    """The text of tools/<name>.json: sorted keys, two-space indent, trailing newline."""
    return json.dumps(tool_document(spec), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
