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
SCHEMA_EXCEPTIONS: dict[tuple[str, str, str], str] = {}


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


def _path_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def find_operation(spec: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The spec's path template and operation that serve this concrete or templated path."""
    method = method.lower()
    for template, item in spec["paths"].items():
        if method in item and (template == path or _path_regex(template).match(path)):
            return template, item[method]
    raise AssertionError(f"no operation {method.upper()} {path} in the spec")


def response_schema(spec_name: str, method: str, path: str, status: int) -> dict[str, Any] | None:
    spec = load_spec(spec_name)
    _, operation = find_operation(spec, method, path)
    responses = operation["responses"]
    response = responses.get(str(status)) or responses.get("default")
    assert response is not None, f"{method} {path}: the spec declares no {status} response"
    content = response.get("content") or {}
    if not content:
        return None
    media = content.get("application/json") or next(iter(content.values()))
    schema = media.get("schema")
    if schema is None:
        return None
    return _convert(schema, spec["components"]["schemas"])  # type: ignore[no-any-return]


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
