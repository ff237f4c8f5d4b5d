"""Validate sandbox responses against Twilio's and SendGrid's published response schemas.

The schemas come from the compact copy of the specs in tests/reference/, so this works in any clone.
Twilio's specs are OpenAPI 3.0 (`nullable`), SendGrid's 3.1; both are turned into plain JSON Schema
for jsonschema. Where a published schema is known to be wrong about what Twilio or SendGrid really
returns, the exception is recorded here, in SCHEMA_EXCEPTIONS and DROPPED_KEYWORDS, with the reason.

A contract test makes its calls inside `contract(sandbox, ...)`; on leaving the block every response
the sandbox served is checked against the schema of its operation, found by host and path, and every
Twilio answer must carry each property its schema lists (null where there is nothing to say).

The request side: `request_parameters` and `meaningful_value` give every parameter an operation's
request schema lists and a value for it; tests/sandbox/test_request_contract.py sends each of them to
every hand-written route and fails on any refusal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, Literal

import jsonschema

from skill.sandbox.app import Sandbox
from skill.specs import Operation, Param
from tests.reference import openapi_specs

# (spec file, component schema, property) -> why the property also admits null.
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

# (spec file, component schema, property) -> (keywords dropped there, why).
_DYNAMIC_IDS = "dynamic template ids are 'd-' and 32 hex digits (34 characters); the spec's 36 fits legacy UUIDs"
DROPPED_KEYWORDS: dict[tuple[str, str, str], tuple[tuple[str, ...], str]] = {
    ("sendgrid-oai/tsg_templates_v3.json", "TransactionalTemplate", "id"): (("minLength", "maxLength"), _DYNAMIC_IDS),
    ("sendgrid-oai/tsg_templates_v3.json", "TransactionalTemplatesTemplateLean", "id"): (
        ("minLength", "maxLength"),
        _DYNAMIC_IDS,
    ),
}

# One response the sandbox served while recording: host, method, path (the route's template), status, body.
Served = dict[str, Any]
TWILIO_ERROR_KEYS = frozenset({"code", "message", "more_info", "status"})


def load_spec(name: str) -> dict[str, Any]:
    """The compact form of one spec; name: e.g. 'twilio-oai/twilio_api_v2010.json'."""
    specs = openapi_specs()
    assert name in specs, f"no spec {name!r} in tests/reference (rebuild it with python -m tests.reference.build)"
    return specs[name]


@cache
def specs_by_host() -> dict[str, tuple[str, ...]]:
    """Product host (e.g. 'api.twilio.com') -> the specs whose servers include it."""
    hosts: dict[str, list[str]] = {}
    for name, spec in openapi_specs().items():
        for url in spec["servers"]:
            hosts.setdefault(url.removeprefix("https://"), []).append(name)
    return {host: tuple(names) for host, names in hosts.items()}


def _convert(node: Any, components: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                return {}
            return _convert(components[name], components, (*seen, name))
        out = {k: _convert(v, components, seen) for k, v in node.items()}
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


@cache
def _relaxed_components(spec_name: str) -> dict[str, Any]:
    """The spec's component schemas with the SCHEMA_EXCEPTIONS properties also admitting null, the
    DECIMAL_STRINGS properties also admitting strings, and the DROPPED_KEYWORDS left out."""
    components = dict(load_spec(spec_name)["components"]["schemas"])
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


def _match_operation(spec: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    method = method.lower()
    # An exact template wins over a pattern: /v2/Flows/Validate is not /v2/Flows/{Sid}.
    if method in spec["paths"].get(path, {}):
        return path, spec["paths"][path][method]
    for template, item in spec["paths"].items():
        if method in item and _path_regex(template).match(path):
            return template, item[method]
    return None


def find_operation(spec: dict[str, Any], method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The spec's path template and operation that serve this concrete or templated path."""
    found = _match_operation(spec, method, path)
    assert found is not None, f"no operation {method.upper()} {path} in the spec"
    return found


def spec_for(host: str, method: str, path: str) -> str:
    """The one spec with an operation for this method and path on this product host."""
    names = specs_by_host().get(host, ())
    assert names, f"no spec is served from {host}"
    exact = [name for name in names if method.lower() in load_spec(name)["paths"].get(path, {})]
    matching = exact or [name for name in names if _match_operation(load_spec(name), method, path)]
    assert len(matching) == 1, f"{method} {host}{path}: {len(matching)} specs have it ({', '.join(matching)})"
    return matching[0]


@cache
def response_schema(spec_name: str, method: str, path: str, status: int) -> dict[str, Any] | None:
    """The JSON Schema for this operation's response at status; None when the spec gives it no body."""
    _, operation = find_operation(load_spec(spec_name), method, path)
    responses = operation["responses"]
    response = responses.get(str(status), responses.get("default"))
    assert response is not None, f"{method} {path}: the spec declares no {status} response"
    if "schema" not in response:  # {} where the spec gives the status no body
        return None
    return _convert(response["schema"], _relaxed_components(spec_name))  # type: ignore[no-any-return]


def declares(spec_name: str, method: str, path: str, status: int) -> bool:
    """Whether the spec declares a response for this status (or a default one) on the operation."""
    _, operation = find_operation(load_spec(spec_name), method, path)
    return str(status) in operation["responses"] or "default" in operation["responses"]


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


def assert_twilio_error(response: Served, *, more_keys: bool = False) -> dict[str, Any]:
    """Fail unless the body is Twilio's error JSON {code, message, more_info, status} for its status
    (more_keys: other keys may follow, as Studio's `details`); returns the body."""
    body: dict[str, Any] = json.loads(response["body"])
    keys = set(body)
    assert keys >= TWILIO_ERROR_KEYS if more_keys else keys == TWILIO_ERROR_KEYS, response
    assert body["status"] == response["status"] and str(body["code"]) in body["more_info"], response
    return body


# How a contract test's 4xx/5xx answers are checked:
#   "none"      it expects none: every answer is below 400;
#   "twilio"    each is Twilio's error JSON, exactly (the Twilio specs declare almost no error responses);
#   "twilio+"   each is Twilio's error JSON, more keys allowed;
#   "spec"      each validates against the error schema its spec declares (SendGrid's specs do).
# With "twilio" and "twilio+", an error whose status the spec does declare is validated against it too.
ErrorCheck = Literal["none", "twilio", "twilio+", "spec"]


class Recorded:
    """The responses the sandbox served during a contract block, optionally only those for one host."""

    def __init__(self, sandbox: Sandbox, host: str | None) -> None:
        self.sandbox = sandbox
        self.host = host

    @property
    def responses(self) -> list[Served]:
        return [r for r in self.sandbox.served if self.host is None or r["host"] == self.host]

    @property
    def routes(self) -> set[tuple[str, str]]:
        """(method, path template) of every response."""
        return {(r["method"], r["path"]) for r in self.responses}

    @property
    def statuses(self) -> set[int]:
        return {r["status"] for r in self.responses}

    def bodies(self, method: str, path: str) -> list[Any]:
        """The decoded bodies served for one route, in order."""
        return [json.loads(r["body"]) for r in self.responses if (r["method"], r["path"]) == (method, path)]


def missing_properties(schema: dict[str, Any], data: Any) -> list[str]:
    """The properties the schema lists that the answer leaves out: of the resource, or of each item of a
    list envelope (an array of objects beside `meta` or `next_page_uri`)."""
    props = schema.get("properties") or {}
    if not isinstance(data, dict) or not props:
        return []
    arrays = [
        name for name, prop in props.items() if prop.get("type") == "array" and "properties" in prop.get("items", {})
    ]
    if arrays and ("meta" in props or "next_page_uri" in props):
        item_props = props[arrays[0]]["items"]["properties"]
        return sorted(
            {f"{arrays[0]}[].{name}" for item in data.get(arrays[0]) or [] for name in item_props if name not in item}
        )
    return sorted(name for name in props if name not in data)


def assert_complete(spec_name: str, method: str, path: str, status: int, body: bytes | str | Any) -> None:
    """Fail unless a Twilio answer carries every property its operation's response schema lists."""
    schema = response_schema(spec_name, method, path, status)
    if schema is None or not body:
        return
    data = json.loads(body) if isinstance(body, bytes | str) else body
    missing = missing_properties(schema, data)
    assert not missing, f"{method} {path} {status}: the answer leaves out {', '.join(missing[:20])}"


def check_response(response: Served, errors: ErrorCheck = "none") -> None:
    """Fail unless one served response meets its operation's schema (or, per errors, Twilio's error JSON);
    a Twilio answer must also carry every property the schema lists (null where there is nothing to say)."""
    host, method, path, status = response["host"], response["method"], response["path"], response["status"]
    spec_name = spec_for(host, method, path)
    if status >= 400 and errors != "spec":
        assert errors != "none", f"unexpected error answer {response}"
        assert_twilio_error(response, more_keys=errors == "twilio+")
        if not declares(spec_name, method, path, status):
            return
    assert_matches(spec_name, method, path, status, response["body"])
    if status < 400 and spec_name.startswith("twilio-oai/"):
        assert_complete(spec_name, method, path, status, response["body"])


@contextmanager
def contract(
    sandbox: Sandbox,
    *,
    host: str | None = None,
    routes: Iterable[tuple[str, str]] = (),
    statuses: Iterable[int] = (),
    errors: ErrorCheck = "none",
) -> Iterator[Recorded]:
    """Record what the sandbox serves in the block; on leaving it, check every response (only those for
    host, when given) against its operation's schema, that each of routes (method, path template) was
    served, and that each of statuses was seen.
    """
    sandbox.record_responses = True
    recorded = Recorded(sandbox, host)
    yield recorded
    responses = recorded.responses
    assert responses, f"the sandbox served nothing{f' for {host}' if host else ''}"
    for response in responses:
        check_response(response, errors)
    assert set(routes) <= recorded.routes, f"never served: {sorted(set(routes) - recorded.routes)}"
    assert set(statuses) <= recorded.statuses, f"never answered: {sorted(set(statuses) - recorded.statuses)}"


# Requests: a hand-written route must take every parameter its operation's request schema lists. Each
# is sent alone (beside the required ones), with a value that means something where the route reads it.
MEANINGFUL_VALUES: dict[str, Any] = {
    "Category": "sms",
    "UsageCategory": "sms",
    "TriggerValue": "100",
    "LogLevel": "error",
    "CodeLength": 6,
    "PhoneNumber": "+15005550006",
    "To": "+14155550100",
    "From": "+15005550006",
    "ValidityPeriod": 600,
    "Channel": "sms",
    "Code": "123456",
    "Body": "hello",
    "FriendlyName": "contract",
    "Url": "https://hooks.example.com/twiml",
    "Twiml": "<Response><Say>hi</Say></Response>",
}


def meaningful_value(param: Param) -> Any:
    """A value the spec accepts for a parameter, realistic where sandbox routes read what it means."""
    if param.name in MEANINGFUL_VALUES:
        return MEANINGFUL_VALUES[param.name]
    if param.enum:
        return param.enum[0]
    sid = re.match(r"^\^([A-Z]{2})\[0-9a-fA-F\]\{32\}\$$", param.pattern or "")
    if sid:
        return sid.group(1) + "0" * 32
    kind = param.items if param.type == "array" and param.items else param.type
    simple: dict[str, Any] = {"integer": 1, "number": 1.5, "boolean": "true", "object": "{}"}
    if kind in simple:
        return simple[kind]
    if param.format == "date-time":
        return "2026-01-01T00:00:00Z"
    if param.format == "date":
        return "2026-01-01"
    if param.format == "uri" or param.name.endswith(("Url", "Callback")):
        return "https://hooks.example.com/x"
    if param.format == "phone-number":
        return "+14155550100"
    if param.name.lower().replace("_", "").endswith("country"):
        return "US"
    return "x"


def request_parameters(op: Operation) -> list[Param]:
    """The parameters an operation's request schema lists, path placeholders and paging aside."""
    return [param for param in op.params if param.where != "path" and param.name not in ("PageToken", "Page")]
