"""Validate sandbox responses against the response schemas in ../shared/reference.

Twilio's specs are OpenAPI 3.0 (`nullable`), SendGrid's 3.1; both are turned into plain JSON Schema
for jsonschema. Where Twilio's schema is known to be wrong about what Twilio really returns, the
exception is recorded in SCHEMA_EXCEPTIONS below, with the reason.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"

# (spec file, schema path fragment, property) -> why the schema is relaxed there.
SCHEMA_EXCEPTIONS: dict[tuple[str, str, str], str] = {
    ("twilio-oai/twilio_api_v2010.json", "api.v2010.account.conference", "reason_conference_ended"): (
        "null while the conference runs, as the property's own description says; the enum lacks nullable"
    ),
    **{
        ("twilio-oai/twilio_lookups_v2.json", schema, prop): why
        for schema, props, why in (
            (
                "LookupResponse",
                ("validation_errors", "caller_name", "sim_swap", "call_forwarding", "line_type_intelligence")
                + ("line_status", "identity_match", "reassigned_number", "sms_pumping_risk"),
                "null for a valid number and for packages not asked for in Fields, as the spec's own examples show",
            ),
            (
                "LineTypeIntelligenceInfo",
                ("mobile_country_code", "mobile_network_code", "carrier_name", "error_code"),
                "null when the lookup succeeded (error_code) or the line has no mobile network (landline, VoIP)",
            ),
            (
                "CallerNameInfo",
                ("caller_name", "caller_type", "error_code"),
                "null when no name is listed, or error_code when it succeeded (as in the spec's own example)",
            ),
        )
        for prop in props
    },
}


def reference_dir() -> Path:
    """The reference folder; skips (or fails under CI=true) when it is absent."""
    if not REFERENCE.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference specs missing at {REFERENCE}; CI must have ../shared beside the checkout")
        pytest.skip(f"reference specs not found at {REFERENCE} (../shared/reference beside the checkout)")
    return REFERENCE


@cache
def load_spec(name: str) -> dict[str, Any]:
    """name: e.g. 'twilio-oai/twilio_api_v2010.json'."""
    return json.loads((reference_dir() / name).read_text())  # type: ignore[no-any-return]


def _convert(node: Any, components: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            name = ref.rsplit("/", 1)[-1]
            if name in seen:
                return {}
            return _convert(components[name], components, (*seen, name))
        out = {
            k: _convert(v, components, seen) for k, v in node.items() if k not in ("x-twilio", "example", "examples")
        }
        if out.pop("nullable", False):
            if "type" in out:
                types = out["type"] if isinstance(out["type"], list) else [out["type"]]
                out["type"] = [*types, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        return out
    if isinstance(node, list):
        return [_convert(item, components, seen) for item in node]
    return node


# (spec file, component schema, property) -> (keywords dropped there, why).
_DYNAMIC_IDS = "dynamic template ids are 'd-' and 32 hex digits (34 characters); the spec's 36 fits legacy UUIDs"
DROPPED_KEYWORDS: dict[tuple[str, str, str], tuple[tuple[str, ...], str]] = {
    ("sendgrid-oai/tsg_templates_v3.json", "TransactionalTemplate", "id"): (("minLength", "maxLength"), _DYNAMIC_IDS),
    ("sendgrid-oai/tsg_templates_v3.json", "TransactionalTemplatesTemplateLean", "id"): (
        ("minLength", "maxLength"),
        _DYNAMIC_IDS,
    ),
}


# spec file -> (properties typed "number" that Twilio sends as decimal strings, why).
_PRICES = "Twilio sends prices as decimal strings, as the spec's own examples and its x-twilio overrideType say"
DECIMAL_STRINGS: dict[str, tuple[frozenset[str], str]] = {
    f"twilio-oai/twilio_pricing_{version}.json": (frozenset({"base_price", "current_price"}), _PRICES)
    for version in ("v1", "v2")
}


def _admit_decimal_strings(node: Any, names: frozenset[str]) -> Any:
    """The schema with every `names` property of type number also admitting a string, at any depth."""
    if isinstance(node, list):
        return [_admit_decimal_strings(item, names) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _admit_decimal_strings(value, names) for key, value in node.items()}
    for name, prop in (out.get("properties") or {}).items():
        if name in names and isinstance(prop, dict) and prop.get("type") == "number":
            out["properties"][name] = {**prop, "type": ["number", "string"]}
    return out


def _relaxed_components(spec_name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The spec's component schemas with the SCHEMA_EXCEPTIONS properties also admitting null, the
    DECIMAL_STRINGS properties also admitting strings, and the DROPPED_KEYWORDS left out."""
    components = dict(spec["components"]["schemas"])
    if spec_name in DECIMAL_STRINGS:
        components = _admit_decimal_strings(components, DECIMAL_STRINGS[spec_name][0])
    for (file, schema_name, prop), (keywords, _why) in DROPPED_KEYWORDS.items():
        if file != spec_name or schema_name not in components:
            continue
        schema = dict(components[schema_name])
        properties = dict(schema["properties"])
        properties[prop] = {k: v for k, v in properties[prop].items() if k not in keywords}
        components[schema_name] = {**schema, "properties": properties}
    for file, schema_name, prop in SCHEMA_EXCEPTIONS:
        if file != spec_name or schema_name not in components:
            continue
        schema = dict(components[schema_name])
        properties = dict(schema["properties"])
        properties[prop] = {"anyOf": [properties[prop], {"type": "null"}]}
        components[schema_name] = {**schema, "properties": properties}
    return components


def _path_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def find_operation(spec: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The spec's path template and operation that serve this concrete or templated path."""
    method = method.lower()
    # An exact template wins over a pattern: /v2/Flows/Validate is not /v2/Flows/{Sid}.
    if method in spec["paths"].get(path, {}):
        return path, spec["paths"][path][method]
    for template, item in spec["paths"].items():
        if method in item and _path_regex(template).match(path):
            return template, item[method]
    raise AssertionError(f"no operation {method.upper()} {path} in the spec")


def response_schema(spec_name: str, method: str, path: str, status: int) -> dict[str, Any] | None:
    spec = load_spec(spec_name)
    _, operation = find_operation(spec, method, path)
    responses = operation["responses"]
    response = responses.get(str(status)) or responses.get("default")
    assert response is not None, f"{method} {path}: the spec declares no {status} response"
    if "$ref" in response:  # SendGrid's specs share responses under components/responses
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    content = response.get("content") or {}
    if not content:
        return None
    media = content.get("application/json") or next(iter(content.values()))
    schema = media.get("schema")
    if schema is None:
        return None
    return _convert(schema, _relaxed_components(spec_name, spec))  # type: ignore[no-any-return]


def assert_matches(spec_name: str, method: str, path: str, status: int, body: bytes | str | Any) -> None:
    """Fail unless body validates against the spec's schema for that operation and status."""
    schema = response_schema(spec_name, method, path, status)
    if schema is None:
        assert not body, f"{method} {path}: spec has no body for {status}, got {body!r}"
        return
    data = json.loads(body) if isinstance(body, bytes | str) else body
    validator = jsonschema.Draft202012Validator(schema, format_checker=None)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, f"{method} {path} {status}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
    )
