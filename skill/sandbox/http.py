"""Helpers every sandbox route uses: Twilio's error JSON, auth, list envelopes, form parsing."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from skill.sandbox.state import SandboxState

ERROR_DOCS = "https://www.twilio.com/docs/errors/{code}"


class TwilioHTTPError(Exception):
    """Raised inside a route; rendered as Twilio's error JSON."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"code": code, "message": message, "more_info": ERROR_DOCS.format(code=code), "status": status}
    return JSONResponse(body, status_code=status, headers=headers)


def not_found(path: str) -> TwilioHTTPError:
    return TwilioHTTPError(404, 20404, f"The requested resource {path} was not found")


def authenticate(state: SandboxState, request: Request) -> str:
    """The account SID the request is authenticated as.

    Raises:
        TwilioHTTPError: 401/20003 when the credentials are missing or wrong.
    """
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    fail = TwilioHTTPError(401, 20003, "Authenticate")
    if scheme.lower() != "basic":
        raise fail
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise fail from None
    if user.startswith("AC") and state.auth_token(user) == password:
        return user
    key = state.keys.get(user)
    if user.startswith("SK") and key and key["secret"] == password and not state.keys_fail_auth:
        return str(key["account_sid"])
    raise fail


def authorize_account(state: SandboxState, request: Request, account_sid: str) -> None:
    """Raises:
    TwilioHTTPError: the caller may not act on this account (20003) or it does not exist (20404).
    """
    caller = authenticate(state, request)
    if account_sid not in state.accounts:
        raise not_found(request.url.path)
    if account_sid not in state.account_tree(caller):
        raise TwilioHTTPError(403, 20003, "Authenticate")


async def form(request: Request) -> dict[str, list[str]]:
    """Form fields, each with all its values (Twilio repeats keys for lists)."""
    parsed = await request.form()
    out: dict[str, list[str]] = {}
    for key, value in parsed.multi_items():
        out.setdefault(key, []).append(str(value))
    return out


def first(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    return values[0] if values else None


def int_param(request: Request, name: str, default: int, *, low: int = 0, high: int = 1000) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise TwilioHTTPError(400, 20001, f"Invalid {name}: must be an integer") from None
    return max(low, min(high, value))


def page(
    request: Request,
    key: str,
    items: Sequence[dict[str, Any]],
    render: Callable[[dict[str, Any]], dict[str, Any]],
) -> JSONResponse:
    """Twilio's 2010 list envelope with PageSize/Page paging and absolute page URIs."""
    size = int_param(request, "PageSize", 50, low=1, high=1000)
    number = int_param(request, "Page", 0, low=0, high=10**6)
    start = number * size
    chunk = list(items[start : start + size])
    path = request.url.path
    base_query = {k: v for k, v in request.query_params.items() if k not in ("Page", "PageSize", "PageToken")}

    def uri(page_number: int) -> str:
        query = {**base_query, "PageSize": str(size), "Page": str(page_number)}
        if page_number:
            query["PageToken"] = f"PA{page_number}"
        return f"{path}?{urlencode(query)}"

    body = {
        key: [render(item) for item in chunk],
        "end": start + max(len(chunk) - 1, 0),
        "first_page_uri": uri(0),
        "next_page_uri": uri(number + 1) if start + size < len(items) else None,
        "page": number,
        "page_size": size,
        "previous_page_uri": uri(number - 1) if number > 0 else None,
        "start": start,
        "uri": uri(number),
    }
    return JSONResponse(body)


def meta_page(
    request: Request,
    key: str,
    items: Sequence[dict[str, Any]],
    render: Callable[[dict[str, Any]], dict[str, Any]],
) -> JSONResponse:
    """The list envelope of Twilio's v1/v2 product APIs: the records under `key` and a `meta` object
    with absolute page URLs on the product host (Verify, Studio, Monitor ...)."""
    size = int_param(request, "PageSize", 50, low=1, high=1000)
    number = int_param(request, "Page", 0, low=0, high=10**6)
    start = number * size
    chunk = list(items[start : start + size])
    host = request.headers.get("x-twilio-host") or request.url.hostname or "api.twilio.com"
    base_query = {k: v for k, v in request.query_params.items() if k not in ("Page", "PageSize", "PageToken")}

    def url(page_number: int) -> str:
        query = {**base_query, "PageSize": str(size), "Page": str(page_number)}
        if page_number:
            query["PageToken"] = f"PA{page_number}"
        return f"https://{host}{request.url.path}?{urlencode(query)}"

    body = {
        key: [render(item) for item in chunk],
        "meta": {
            "page": number,
            "page_size": size,
            "first_page_url": url(0),
            "previous_page_url": url(number - 1) if number > 0 else None,
            "url": url(number),
            "next_page_url": url(number + 1) if start + size < len(items) else None,
            "key": key,
        },
    }
    return JSONResponse(body)


def deleted() -> Response:
    return Response(status_code=204)
