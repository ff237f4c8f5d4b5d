"""Field types shared by tool inputs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

from skill.core.urls import MAX_URL_LENGTH

AccountSid = Annotated[
    str, StringConstraints(pattern=r"^AC[0-9a-fA-F]{32}$", max_length=34), Field(description="Account SID (AC...).")
]
# The shared list and gate arguments carry no description of their own: the server's instructions
# explain them once (skill.server.app.SHARED_ARGUMENTS), rather than every tool repeating them.
Limit = Annotated[int, Field(ge=1, le=1000)]
# A phone number or channel address as given; the core normalises it (it knows the default region).
Phone = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# A URL Twilio fetches or posts to; the core checks it further (skill.core.urls.check_twilio_url).
HttpUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=MAX_URL_LENGTH)]
MessageSid = Annotated[
    str,
    StringConstraints(pattern=r"^(SM|MM)[0-9a-fA-F]{32}$", max_length=34),
    Field(description="SM... or MM..."),
]
ContentSid = Annotated[str, StringConstraints(pattern=r"^HX[0-9a-fA-F]{32}$", max_length=34)]
# No description of its own: it is often optional, and each field says what the service is for.
ServiceSid = Annotated[str, StringConstraints(pattern=r"^MG[0-9a-fA-F]{32}$", max_length=34)]
NumberSid = Annotated[
    str,
    StringConstraints(pattern=r"^PN[0-9a-fA-F]{32}$", max_length=34),
    Field(description="PN..., from numbers_list."),
]

# Lists: every list tool takes limit and cursor, and time filters are after / before, whatever Twilio calls them.
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=512)]
After = datetime
Before = datetime

MAX_JSON_BYTES = 100_000
MAX_JSON_DEPTH = 64  # far deeper than any real definition; deeper would exhaust the recursion of what reads it


def _depth(value: object) -> int:
    """How deeply objects and lists nest in a parsed JSON value, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _json_object(value: object) -> object:
    """A JSON-encoded object given as a string, parsed; anything else is left for pydantic to refuse."""
    if not isinstance(value, str):
        if isinstance(value, dict | list) and _depth(value) > MAX_JSON_DEPTH:
            raise ValueError(f"nested at most {MAX_JSON_DEPTH} levels deep")
        return value
    if len(value.encode()) > MAX_JSON_BYTES:
        raise ValueError(f"at most {MAX_JSON_BYTES} bytes of JSON")
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    except RecursionError:
        raise ValueError(f"nested at most {MAX_JSON_DEPTH} levels deep") from None
    if not isinstance(parsed, dict):
        raise ValueError("must be a JSON object ({...})")
    if _depth(parsed) > MAX_JSON_DEPTH:
        raise ValueError(f"nested at most {MAX_JSON_DEPTH} levels deep")
    return parsed


# Free-form data (a Studio definition, template variables, parameters) travels as a string holding a JSON
# object: every model API accepts a string, while many refuse an object with no declared properties.
JsonObject = Annotated[
    dict[str, Any],
    BeforeValidator(_json_object),
    WithJsonSchema({"type": "string", "maxLength": MAX_JSON_BYTES}),
]
