"""Any Twilio operation by its qualified id: find it, check a call against the spec, tier it, shape its answer.

The operation index (skill.specs) says what each operation takes and answers. A call is checked
against it before anything is sent: the operation must exist and not be refused (ALWAYS_DENIED, or
covered by a curated tool), every parameter must be one it takes, of the right type and value, and
every required one present. Answers are cut to the operation's default output properties (or the
`fields` asked for), with secrets and sensitive PII redacted.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from skill.core.operation_rules import ALWAYS_DENIED, COVERED_BY
from skill.errors import InputError, PolicyError
from skill.policy.tiers import Tier
from skill.specs import Operation, Param, load_index

MAX_VALUE_CHARS = 20_000
MAX_ITEMS = 100
REDACTED = "[redacted]"
SECRET_KEYS = re.compile(r"(^|_)(secret|auth_token|password|private_key|token)$", re.IGNORECASE)
# A path value names one segment: no separators, no dot-segments, nothing that could leave the path.
SEGMENT = re.compile(r"^[A-Za-z0-9+@._:~=-]{1,256}$")
PAGING = frozenset({"PageSize", "Page", "PageToken"})


def _close(word: str, names: list[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(word, names, n=n, cutoff=0.5)


def operation(op_id: str) -> Operation:
    """The operation with this qualified id (or a bare operationId that only one spec has).

    Raises:
        InputError: no such operation; the message names the closest ids.
    """
    operations = load_index().operations
    if op_id in operations:
        return operations[op_id]
    bare = [key for key in operations if key.split(".", 1)[1] == op_id]
    if len(bare) == 1:
        return operations[bare[0]]
    options = (
        bare
        or _close(op_id, list(operations))
        or _close(op_id.split(".")[-1], [k.split(".", 1)[1] for k in operations])
    )
    hint = f" Did you mean: {', '.join(options)}?" if options else ""
    raise InputError(
        f"No Twilio operation {op_id!r}.{hint}",
        code="input.invalid",
        remediation=[
            "Operation ids are <spec>.<operationId>, e.g. api_v2010.ListCall; several specs share an operationId.",
            "Find one with twilio_api_find (words and an optional product).",
        ],
    )


def tier_of(op: Operation) -> Tier:
    """GET reads; DELETE cannot be undone; every other method changes something."""
    if op.method == "GET":
        return Tier.READ
    if op.method == "DELETE":
        return Tier.DESTRUCTIVE
    return Tier.WRITE


def check_allowed(op: Operation) -> None:
    """Refuse an operation the `api` tools never run.

    Raises:
        PolicyError: it is always denied (it makes or answers a credential).
        InputError: a curated tool does this job with its own checks.
    """
    if op.id in ALWAYS_DENIED:
        raise PolicyError(
            f"{op.id} is never run through twilio_api_call: it creates, promotes or answers a credential. "
            "Nothing was sent.",
            code="policy.denied",
            remediation=[
                "Do not retry; no policy setting allows it.",
                "For API keys use apikey_create or credentials_rotate; auth tokens are managed in the Twilio Console.",
            ],
        )
    tool = COVERED_BY.get(op.id)
    if tool is not None:
        raise InputError(
            f"{op.id} is what the {tool} tool does, with its own checks (opt-outs, allowed countries, caps "
            "and approvals where they apply); twilio_api_call does not run it.",
            code="input.use_curated_tool",
            remediation=[f"Call {tool} instead (enable its toolset if it is not listed)."],
        )


def _param_hint(param: Param) -> str:
    kind = param.items + " list" if param.type == "array" and param.items else param.type
    enum = f" one of {', '.join(map(str, param.enum[:12]))}" if param.enum else ""
    return f"{param.name} ({kind}{enum})"


def _coerce(param: Param, value: Any) -> Any:
    """The value as Twilio takes it, or ValueError saying what is wrong."""
    if param.type == "array":
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_ITEMS:
            raise ValueError(f"at most {MAX_ITEMS} items")
        item = Param(param.name, param.where, param.items or "string", False, param.enum, "")
        return [_coerce(item, one) for one in values]
    if param.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError("must be true or false")
    if param.type == "integer":
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and re.fullmatch(r"-?\d{1,18}", value))
        ):
            raise ValueError("must be a whole number")
        return int(value)
    if param.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("must be a number")
        try:
            return float(value) if not isinstance(value, int) else value
        except ValueError:
            raise ValueError("must be a number") from None
    if param.type == "object":
        if isinstance(value, dict | list):
            text = json.dumps(value, separators=(",", ":"))
        elif isinstance(value, str):
            text = value
        else:
            raise ValueError("must be a JSON object")
        if len(text) > MAX_VALUE_CHARS:
            raise ValueError(f"at most {MAX_VALUE_CHARS} characters")
        return value if param.where == "json" else text
    if isinstance(value, bool | int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if len(value) > MAX_VALUE_CHARS:
        raise ValueError(f"at most {MAX_VALUE_CHARS} characters")
    if param.enum and value not in param.enum:
        raise ValueError(f"must be one of {', '.join(map(str, param.enum[:20]))}")
    if param.pattern and not re.search(param.pattern, value):
        raise ValueError(f"must match {param.pattern}")
    return value


@dataclass
class Prepared:
    """A checked call: where it goes and what it carries."""

    op: Operation
    url: str
    query: dict[str, Any] = field(default_factory=dict)
    form: dict[str, Any] = field(default_factory=dict)
    json_body: dict[str, Any] | None = None


def _wire(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def prepare(op: Operation, path: dict[str, Any], parameters: dict[str, Any], *, account_sid: str) -> Prepared:
    """Check a call's arguments against the operation and build the request.

    Path placeholders may also be given among the parameters; AccountSid defaults to the account in use.

    Raises:
        InputError: an unknown or missing parameter, a wrong type or value; the message names the fix.
    """
    given = {**parameters, **path}
    problems: list[str] = []
    names = [param.name for param in op.params]
    for name in given:
        if name not in op.by_name and name not in PAGING:
            near = _close(name, names, 2)
            problems.append(
                f"{name!r} is not a parameter of {op.id}" + (f" (did you mean {' or '.join(near)}?)" if near else "")
            )
    if "AccountSid" in op.by_name and op.by_name["AccountSid"].where == "path" and "AccountSid" not in given:
        given["AccountSid"] = account_sid
    values: dict[str, Any] = {}
    for param in op.params:
        if param.name not in given:
            if param.required:
                problems.append(f"missing {_param_hint(param)}: {param.description or 'required'}")
            continue
        try:
            values[param.name] = _coerce(param, given[param.name])
        except ValueError as exc:
            problems.append(f"{param.name} {exc}")
    if problems:
        raise InputError(
            f"Invalid parameters for {op.id}: " + "; ".join(problems)[:1800] + ".",
            code="input.invalid",
            remediation=[
                f"{op.id} takes: "
                + (", ".join(_param_hint(p) + ("*" if p.required else "") for p in op.params)[:1200] or "nothing")
                + " (* required).",
                "Pass them by these names in parameters (a JSON object string) and call again.",
            ],
        )
    url_path = op.path
    for param in op.params:
        if param.where != "path":
            continue
        text = str(values[param.name])
        if not SEGMENT.fullmatch(text) or text in (".", ".."):
            raise InputError(
                f"{param.name} {text[:40]!r} cannot be part of a URL path: "
                "one segment of letters, digits and +@._:~=-.",
                code="input.invalid",
                remediation=[f"Pass the {param.name} exactly as Twilio gave it (e.g. a SID)."],
            )
        url_path = url_path.replace("{" + param.name + "}", quote(text, safe="+@:~="))
    prepared = Prepared(op=op, url=f"https://{op.host}{url_path}")
    for param in op.params:
        if param.name not in values or param.where == "path":
            continue
        if param.where == "query":
            prepared.query[param.name] = _wire(values[param.name])
        elif param.where == "json":
            prepared.json_body = {**(prepared.json_body or {}), param.name: values[param.name]}
        else:
            prepared.form[param.name] = _wire(values[param.name])
    return prepared


def _shown(op: Operation, resource: dict[str, Any], fields: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    """The resource cut to the default output (or the fields asked for), redacted; and what was left out."""
    if "*" in fields:
        keep = list(resource)
    else:
        wanted = list(op.default_output) + [name for name in fields if name not in op.default_output]
        keep = [name for name in wanted if name in resource]
        if "sid" in resource and "sid" not in keep:
            keep.insert(0, "sid")
    out: dict[str, Any] = {}
    for name in sorted(keep, key=lambda n: (n != "sid", keep.index(n))):
        prop = op.props.get(name)
        value = resource[name]
        if name in op.secrets or _secret_named(name) or (prop is not None and prop.pii == "sensitive"):
            value = REDACTED if value is not None else None
        out[name] = _scrub(value)
    return out, [name for name in resource if name not in out]


def _secret_named(name: str) -> bool:
    """Named like a credential, in snake_case or camelCase (refresh_token, sessionToken)."""
    return bool(SECRET_KEYS.search(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)))


def _scrub(value: Any) -> Any:
    """Nested values with secret-named keys redacted (a sub-resource may carry one)."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and _secret_named(k) and v is not None else _scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def shape(op: Operation, body: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """What the agent sees of an answer: one resource flat, a list's items, or {deleted: true}."""
    if op.method == "DELETE" and not body:
        return {"deleted": True}
    if not isinstance(body, dict):
        return {"value": _scrub(body)}
    if op.list_key and isinstance(body.get(op.list_key), list):
        items = [_shown(op, item, fields)[0] for item in body[op.list_key] if isinstance(item, dict)]
        return {"items": items}
    shown, omitted = _shown(op, body, fields)
    if omitted:
        shown["omitted"] = omitted[:100]
    return shown


def next_page(op: Operation, body: Any) -> dict[str, str] | None:
    """Page, PageSize and PageToken of the next page, from the answer's next-page link; None at the end."""
    if not isinstance(body, dict) or op.paging is None:
        return None
    link = (body.get("meta") or {}).get("next_page_url") if op.paging == "meta" else body.get("next_page_uri")
    if not isinstance(link, str) or not link:
        return None
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(link).query)
    return {key: query[key][0] for key in ("Page", "PageSize", "PageToken") if key in query}
