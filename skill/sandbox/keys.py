"""Sandbox routes for API keys: list, create (the only response that carries the secret), fetch, rename, delete.

A deleted key's secret stops authenticating at once, because authentication reads the same state.
As on Twilio, a standard API key may not manage keys: only the account's own credentials can
(401 with 20003).
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import rfc2822
from skill.sandbox.http import TwilioHTTPError, deleted, first, form, identify, owned, page, refused, request_account

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

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


@dataclass(frozen=True)
class Keys:
    """/2010-04-01/Accounts/{AccountSid}/Keys (and NewKeys' create)."""

    state: SandboxState

    def manager(self, request: Request) -> str:
        """The account whose keys the request manages.

        Raises:
            TwilioHTTPError: 401/20003 for an API key, or as request_account.
        """
        account = request_account(self.state, request)
        if identify(self.state, request).is_key:
            raise refused("Standard API keys cannot manage API keys")
        return account

    def owned(self, request: Request) -> dict[str, Any]:
        return owned(self.state, request, self.state.keys, owner=self.manager(request))

    async def list(self, request: Request) -> Response:
        account = self.manager(request)
        items = sorted(
            (key for key in self.state.keys.values() if key["account_sid"] == account),
            key=lambda key: (key["created"], key["sid"]),
        )
        return page(request, "keys", items, render_key)

    async def create(self, request: Request) -> Response:
        account = self.manager(request)
        name = _friendly_name(await form(request))
        now = self.state.clock.now()
        sid = self.state.new_sid("SK")
        key: dict[str, Any] = {
            "sid": sid,
            "account_sid": account,
            "friendly_name": name,
            "secret": "".join(secrets.choice(SECRET_ALPHABET) for _ in range(32)),
            "created": now,
            "updated": now,
        }
        self.state.keys[sid] = key
        return JSONResponse({**render_key(key), "secret": key["secret"]}, status_code=201)

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_key(self.owned(request)))

    async def update(self, request: Request) -> Response:
        key = self.owned(request)
        name = _friendly_name(await form(request))
        if name is not None:
            key["friendly_name"] = name
        key["updated"] = self.state.clock.now()
        return JSONResponse(render_key(key))

    async def delete(self, request: Request) -> Response:
        key = self.owned(request)
        del self.state.keys[key["sid"]]
        return deleted()


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    keys = Keys(sandbox.state)
    path = "/2010-04-01/Accounts/{AccountSid}/Keys"
    return {
        "api.twilio.com": [
            Route(f"{path}.json", keys.list, methods=["GET"]),
            Route(f"{path}.json", keys.create, methods=["POST"]),
            Route(f"{path}/{{Sid}}.json", keys.fetch, methods=["GET"]),
            Route(f"{path}/{{Sid}}.json", keys.update, methods=["POST"]),
            Route(f"{path}/{{Sid}}.json", keys.delete, methods=["DELETE"]),
        ]
    }
