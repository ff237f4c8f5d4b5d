"""Requests to a server in this process (the embedded sandbox), exchanged without modelling HTTP.

The SDK's requests reach the embedded sandbox as ASGI calls. Going through an HTTP client means
parsing and re-validating every URL, header and answer that never leaves the process, which costs
more than the sandbox's own work; a transport that offers `exchange` takes the request as plain
values instead. Bodies and queries are encoded exactly as httpx encodes them (booleans as
true/false, None as empty, lists as repeated names), so the sandbox sees the same bytes either way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import urlencode


@dataclass(frozen=True)
class Answer:
    """An answer as the caller reads it: status, text, headers with lower-case names."""

    status_code: int
    text: str
    headers: Mapping[str, str]


@runtime_checkable
class InProcessExchange(Protocol):
    """A transport that can take a request as plain values.

    `exchange` raises httpx.TransportError subclasses for what a network would fail with (a dropped
    connection), as the transport's own handle_async_request does.
    """

    async def exchange(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> Answer: ...


def _text(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def form_encoded(values: Mapping[str, object] | None) -> str:
    """`values` as an application/x-www-form-urlencoded string, as httpx writes a form or a query."""
    pairs: list[tuple[str, str]] = []
    for name, value in (values or {}).items():
        if isinstance(value, list | tuple):
            pairs.extend((name, _text(item)) for item in value)
        else:
            pairs.append((name, _text(value)))
    return urlencode(pairs)


def request_parts(
    url: str,
    *,
    params: Mapping[str, object] | None,
    data: Mapping[str, object] | None,
    json_body: object | None,
    headers: Mapping[str, str],
) -> tuple[str, list[tuple[str, str]], bytes]:
    """The URL with its query, the headers and the body of a request, encoded as httpx would send them."""
    query = form_encoded(params)
    if query:
        url += ("&" if "?" in url else "?") + query
    sent = [(name, value) for name, value in headers.items()]
    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        content_type = "application/json"
    elif data:
        body = form_encoded(data).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        return url, sent, b""
    if not any(name.lower() == "content-type" for name, _ in sent):
        sent.append(("Content-Type", content_type))
    sent.append(("Content-Length", str(len(body))))
    return url, sent, body
