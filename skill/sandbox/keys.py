"""Sandbox routes for API keys: list, create (the only response that carries the secret), fetch, rename, delete.

A deleted key's secret stops authenticating at once, because authentication reads the same state.
As on Twilio, a standard API key may not manage keys: only the account's own credentials can
(401 with 20003).
"""

from __future__ import annotations

import secrets
import string
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import rfc2822
from skill.sandbox.http import TwilioHTTPError, deleted, first, form, identify, owned, page, refused, request_account

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

SECRET_ALPHABET = string.ascii_letters + string.digits
NAME_LIMIT = 64


def render_key(key: dict[str, Any]) -> dict[str, Any]:
    return {
        "sid": key["sid"],
        "friendly_name": key["friendly_name"],
        "date_created": rfc2822(key["created"]),
        "date_updated": rfc2822(key["updated"]),
    }


def _friendly_name(fields: dict[str, list[str]]) -> str | None:
    name = first(fields, "FriendlyName")
    if name is not None and len(name) > NAME_LIMIT:
        raise TwilioHTTPError(400, 20001, f"FriendlyName must be at most {NAME_LIMIT} characters")
    return name


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state

    def authorize(request: Request) -> str:
        account = request_account(state, request)
        if identify(state, request).is_key:
            raise refused("Standard API keys cannot manage API keys")
        return account

    def owned_key(request: Request) -> dict[str, Any]:
        return owned(state, request, state.keys, owner=authorize(request))

    async def list_keys(request: Request) -> Response:
        account = authorize(request)
        items = sorted(
            (k for k in state.keys.values() if k["account_sid"] == account), key=lambda k: (k["created"], k["sid"])
        )
        return page(request, "keys", items, render_key)

    async def create_key(request: Request) -> Response:
        account = authorize(request)
        name = _friendly_name(await form(request))
        now = state.clock.now()
        sid = state.new_sid("SK")
        key: dict[str, Any] = {
            "sid": sid,
            "account_sid": account,
            "friendly_name": name,
            "secret": "".join(secrets.choice(SECRET_ALPHABET) for _ in range(32)),
            "created": now,
            "updated": now,
        }
        state.keys[sid] = key
        return JSONResponse({**render_key(key), "secret": key["secret"]}, status_code=201)

    async def fetch_key(request: Request) -> Response:
        return JSONResponse(render_key(owned_key(request)))

    async def update_key(request: Request) -> Response:
        key = owned_key(request)
        name = _friendly_name(await form(request))
        if name is not None:
            key["friendly_name"] = name
        key["updated"] = state.clock.now()
        return JSONResponse(render_key(key))

    async def delete_key(request: Request) -> Response:
        key = owned_key(request)
        del state.keys[key["sid"]]
        return deleted()

    keys = "/2010-04-01/Accounts/{AccountSid}/Keys"
    return {
        "api.twilio.com": [
            Route(f"{keys}.json", list_keys, methods=["GET"]),
            Route(f"{keys}.json", create_key, methods=["POST"]),
            Route(f"{keys}/{{Sid}}.json", fetch_key, methods=["GET"]),
            Route(f"{keys}/{{Sid}}.json", update_key, methods=["POST"]),
            Route(f"{keys}/{{Sid}}.json", delete_key, methods=["DELETE"]),
        ]
    }
