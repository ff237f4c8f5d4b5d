"""The URLs one twilio_api_call points Twilio at, wherever in its parameters they sit.

Twilio posts, streams or routes live traffic to these, so the gate holds every one whose host is not
in [webhooks].allowed_hosts. A top-level parameter named like a URL (VoiceUrl, StatusCallback,
OptInImageUrls) or typed as one (format uri: a trunk's SipUrl) counts whatever its value. Inside
object and JSON-valued parameters (a Sink's SinkConfiguration, a worker's Attributes, a webhook
configuration) the spec says nothing, so every string is read: it counts when it starts with a scheme
Twilio connects to, or sits under a key named like a URL. A value too deep to read counts as an
unusual URL, which always waits for an operator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from skill.specs import Operation

URLISH = re.compile(r"(url|uri|callback|webhook|destination)s?$", re.IGNORECASE)
# Schemes Twilio connects to: webhooks, media streams, SIP routing.
SCHEME = re.compile(r"^\s*(https?|wss?|sips?):", re.IGNORECASE)
SCALAR_TYPES = frozenset({"boolean", "integer", "number"})
MAX_DEPTH = 32
UNREADABLE = "unreadable nested value"  # no host can be read from it: the gate asks an operator


def pointed_urls(parameters: Mapping[str, Any], op: Operation | None) -> tuple[str, ...]:
    """Every URL-like value of a call's parameters, top-level and nested; `op` (None when unknown) says
    which top-level parameters are URLs by type."""
    found: list[str] = []
    for name, value in parameters.items():
        param = op.by_name.get(name) if op is not None else None
        typed_url = param is not None and param.format == "uri"
        scalar = param is not None and param.type in SCALAR_TYPES
        _walk(value, (typed_url or bool(URLISH.search(name))) and not scalar, 0, found)
    return tuple(dict.fromkeys(found))


def _walk(value: Any, urlish: bool, depth: int, found: list[str]) -> None:
    if depth > MAX_DEPTH:
        found.append(UNREADABLE)
        return
    if isinstance(value, str):
        _string(value, urlish, depth, found)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _walk(item, isinstance(key, str) and bool(URLISH.search(key)), depth + 1, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, urlish, depth + 1, found)


def _string(value: str, urlish: bool, depth: int, found: list[str]) -> None:
    text = value.strip()
    if not text:
        return
    if urlish or SCHEME.match(text):
        found.append(text)
        return
    if text[0] in "{[":
        # A JSON object or list given as a string (SinkConfiguration, Attributes) is read like one.
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            if re.search(r"(https?|wss?|sips?):", text, re.IGNORECASE):
                found.append(UNREADABLE)
            return
        _walk(parsed, False, depth + 1, found)
