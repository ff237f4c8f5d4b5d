"""Helpers every sandbox route uses: Twilio's error JSON, auth, owned records, list envelopes, form parsing."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from skill.sandbox.state import SandboxState

ERROR_DOCS = "https://www.twilio.com/docs/errors/{code}"
# Accounts that may no longer use the API with their own credentials.
INACTIVE_STATUSES = ("suspended", "closed")


class TwilioHTTPError(Exception):
    """Raised inside a route; rendered as Twilio's error JSON (plus any `extra` fields)."""

    def __init__(self, status: int, code: int, message: str, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = dict(extra or {})


def error_body(status: int, code: int, message: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Twilio's error object: code, message, more_info, status, and any product-specific fields."""
    body = {"code": code, "message": message, "more_info": ERROR_DOCS.format(code=code), "status": status}
    return {**body, **(extra or {})}


def error_response(
    status: int,
    code: int,
    message: str,
    headers: dict[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, extra), status_code=status, headers=headers)


def bad_request(code: int, message: str, status: int = 400) -> TwilioHTTPError:
    return TwilioHTTPError(status, code, message)


def not_found(path: str) -> TwilioHTTPError:
    return TwilioHTTPError(404, 20404, f"The requested resource {path} was not found")


def refused(message: str = "Authenticate") -> TwilioHTTPError:
    """Twilio's answer to credentials that may not do this: 401 with 20003."""
    return TwilioHTTPError(401, 20003, message)


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """(user, password) of the request's Basic Authorization header, or None when there is none usable."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


@dataclass(frozen=True)
class Caller:
    """Who made a request: the account, and the API key used instead of its auth token, if any."""

    account_sid: str
    key_sid: str | None = None

    @property
    def is_key(self) -> bool:
        return self.key_sid is not None


def identify(state: SandboxState, request: Request) -> Caller:
    """The account (and API key) the request authenticates as.

    Raises:
        TwilioHTTPError: 401/20003 when the credentials are missing or wrong, or the account is
        suspended or closed (Twilio lists both among the causes of 20003).
    """
    credentials = basic_credentials(request)
    if credentials is None:
        raise refused()
    user, password = credentials
    caller: Caller | None = None
    if user.startswith("AC") and state.auth_token(user) == password:
        caller = Caller(user)
    key = state.keys.get(user)
    if user.startswith("SK") and key and key["secret"] == password and not state.keys_fail_auth:
        caller = Caller(str(key["account_sid"]), user)
    if caller is None:
        raise refused()
    account = state.accounts.get(caller.account_sid)
    if account is None or account["status"] in INACTIVE_STATUSES:
        raise refused()
    return caller


def authenticate(state: SandboxState, request: Request) -> str:
    """The account SID the request is authenticated as.

    Raises:
        TwilioHTTPError: 401/20003 (see `identify`).
    """
    return identify(state, request).account_sid


def authorize_account(state: SandboxState, request: Request, account_sid: str) -> str:
    """Check the caller may act on `account_sid` (itself or one of its subaccounts); the caller's SID.

    Raises:
        TwilioHTTPError: 401/20003 for other accounts, a subaccount reaching its parent included, as
        Twilio answers; 404/20404 when the account does not exist.
    """
    caller = authenticate(state, request)
    if account_sid not in state.accounts:
        raise not_found(request.url.path)
    if account_sid not in state.account_tree(caller):
        raise refused()
    return caller


def request_account(state: SandboxState, request: Request) -> str:
    """The account a request acts for: the path's AccountSid once the caller may use it (API v2010),
    else the caller itself (the v1/v2 product APIs).

    Raises:
        TwilioHTTPError: as `authorize_account`.
    """
    account_sid = request.path_params.get("AccountSid")
    if account_sid is None:
        return authenticate(state, request)
    authorize_account(state, request, account_sid)
    return str(account_sid)


def owned(
    state: SandboxState,
    request: Request,
    records: Mapping[str, dict[str, Any]],
    param: str = "Sid",
    *,
    owner: str | None = None,
    owner_key: str = "account_sid",
) -> dict[str, Any]:
    """The record the path parameter `param` names, when it belongs to `owner` (by default the
    request's account, see `request_account`); other owners' records are not found, as on Twilio.

    Raises:
        TwilioHTTPError: 404/20404 when there is no such record for this owner, or an auth failure.
    """
    expected = owner if owner is not None else request_account(state, request)
    record = records.get(request.path_params[param])
    if record is None or record.get(owner_key) != expected:
        raise not_found(request.url.path)
    return record


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


@dataclass(frozen=True)
class Paging:
    """One page of a list request: PageSize/Page from the query, the page's items, page links."""

    request: Request
    size: int
    number: int
    start: int
    chunk: list[dict[str, Any]]
    has_next: bool

    @classmethod
    def of(cls, request: Request, items: Sequence[dict[str, Any]]) -> Paging:
        size = int_param(request, "PageSize", 50, low=1, high=1000)
        number = int_param(request, "Page", 0, low=0, high=10**6)
        start = number * size
        return cls(request, size, number, start, list(items[start : start + size]), start + size < len(items))

    def link(self, page_number: int | None, prefix: str = "") -> str | None:
        """The path and query of another page of the same list (None for a page before the first)."""
        if page_number is None or page_number < 0:
            return None
        kept = {k: v for k, v in self.request.query_params.items() if k not in ("Page", "PageSize", "PageToken")}
        query = {**kept, "PageSize": str(self.size), "Page": str(page_number)}
        if page_number:
            query["PageToken"] = f"PA{page_number}"
        return f"{prefix}{self.request.url.path}?{urlencode(query)}"


Render = Callable[[dict[str, Any]], dict[str, Any]]


def page(request: Request, key: str, items: Sequence[dict[str, Any]], render: Render) -> JSONResponse:
    """Twilio's 2010 list envelope with PageSize/Page paging and absolute page URIs."""
    paging = Paging.of(request, items)
    body = {
        key: [render(item) for item in paging.chunk],
        "end": paging.start + max(len(paging.chunk) - 1, 0),
        "first_page_uri": paging.link(0),
        "next_page_uri": paging.link(paging.number + 1) if paging.has_next else None,
        "page": paging.number,
        "page_size": paging.size,
        "previous_page_uri": paging.link(paging.number - 1),
        "start": paging.start,
        "uri": paging.link(paging.number),
    }
    return JSONResponse(body)


def meta_page(request: Request, key: str, items: Sequence[dict[str, Any]], render: Render) -> JSONResponse:
    """The list envelope of Twilio's v1/v2 product APIs: the records under `key` and a `meta` object
    with absolute page URLs on the product host (Verify, Studio, Monitor ...)."""
    paging = Paging.of(request, items)
    host = request.headers.get("x-twilio-host") or request.url.hostname or "api.twilio.com"
    prefix = f"https://{host}"
    body = {
        key: [render(item) for item in paging.chunk],
        "meta": {
            "page": paging.number,
            "page_size": paging.size,
            "first_page_url": paging.link(0, prefix),
            "previous_page_url": paging.link(paging.number - 1, prefix),
            "url": paging.link(paging.number, prefix),
            "next_page_url": paging.link(paging.number + 1, prefix) if paging.has_next else None,
            "key": key,
        },
    }
    return JSONResponse(body)


def deleted() -> Response:
    return Response(status_code=204)
