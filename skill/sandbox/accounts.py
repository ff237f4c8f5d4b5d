"""Sandbox routes for Accounts (list, create, fetch, update) and Balance (fetch).

As on Twilio, the Accounts resource needs the account's own credentials (its auth token): a
standard API key is refused with 401/20003, and so is a subaccount creating subaccounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import rfc2822
from skill.sandbox.http import (
    TwilioHTTPError,
    authorize_account,
    first,
    form,
    identify,
    not_found,
    page,
    refused,
    request_account,
)
from skill.sandbox.seed_accounts import add_account

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState

STATUSES = ("active", "suspended", "closed")


def render_account(account: dict[str, Any]) -> dict[str, Any]:
    sid = account["sid"]
    base = f"/2010-04-01/Accounts/{sid}"
    return {
        "auth_token": account["auth_token"],
        "date_created": rfc2822(account["created"]),
        "date_updated": rfc2822(account["updated"]),
        "friendly_name": account["friendly_name"],
        "owner_account_sid": account["owner_account_sid"],
        "sid": sid,
        "status": account["status"],
        "subresource_uris": {
            "balance": f"{base}/Balance.json",
            "incoming_phone_numbers": f"{base}/IncomingPhoneNumbers.json",
            "keys": f"{base}/Keys.json",
            "messages": f"{base}/Messages.json",
            "available_phone_numbers": f"{base}/AvailablePhoneNumbers.json",
        },
        "type": account["type"],
        "uri": f"{base}.json",
    }


def account_holder(state: SandboxState, request: Request) -> str:
    """The caller, when it used its auth token.

    Raises:
        TwilioHTTPError: 401/20003 for an API key (or bad credentials).
    """
    caller = identify(state, request)
    if caller.is_key:
        raise refused("Standard API keys cannot access the Accounts resource; use the account's auth token")
    return caller.account_sid


@dataclass(frozen=True)
class Accounts:
    """/2010-04-01/Accounts: the caller and its subaccounts."""

    state: SandboxState

    async def list(self, request: Request) -> Response:
        caller = account_holder(self.state, request)
        tree = sorted(self.state.account_tree(caller), key=lambda sid: sid != caller)
        name = request.query_params.get("FriendlyName")
        status = request.query_params.get("Status")
        items = [
            account
            for account in (self.state.accounts[sid] for sid in tree)
            if (not name or account["friendly_name"] == name) and (not status or account["status"] == status)
        ]
        return page(request, "accounts", items, render_account)

    async def create(self, request: Request) -> Response:
        caller = account_holder(self.state, request)
        if self.state.accounts[caller]["owner_account_sid"] != caller:
            raise refused("Subaccounts cannot create subaccounts; use the main account's credentials")
        fields = await form(request)
        now = self.state.clock.now()
        sid = self.state.new_sid("AC")
        name = first(fields, "FriendlyName") or f"SubAccount Created at {rfc2822(now)}"
        add_account(self.state, sid, name, caller, self.state.new_sid("tk")[2:], created=now)
        return JSONResponse(render_account(self.state.accounts[sid]), status_code=201)

    def owned(self, request: Request) -> dict[str, Any]:
        sid = request.path_params["Sid"]
        account_holder(self.state, request)
        authorize_account(self.state, request, sid)
        return self.state.accounts[sid]

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_account(self.owned(request)))

    async def update(self, request: Request) -> Response:
        account = self.owned(request)
        fields = await form(request)
        status = first(fields, "Status")
        if status is not None:
            if status not in STATUSES:
                raise TwilioHTTPError(400, 20001, f"Invalid Status: must be one of {', '.join(STATUSES)}")
            if account["status"] == "closed":
                raise TwilioHTTPError(400, 20001, "Closed accounts cannot be reopened")
            if account["sid"] == account["owner_account_sid"] and status != "active":
                raise TwilioHTTPError(400, 20001, "The parent account cannot be suspended or closed through the API")
            account["status"] = status
        name = first(fields, "FriendlyName")
        if name is not None:
            account["friendly_name"] = name
        account["updated"] = self.state.clock.now()
        return JSONResponse(render_account(account))


@dataclass(frozen=True)
class Balances:
    """/2010-04-01/Accounts/{AccountSid}/Balance."""

    state: SandboxState

    async def fetch(self, request: Request) -> Response:
        balance = self.state.balances.get(request_account(self.state, request))
        if balance is None:
            raise not_found(request.url.path)
        return JSONResponse(dict(balance))


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    accounts, balances = Accounts(sandbox.state), Balances(sandbox.state)
    return {
        "api.twilio.com": [
            Route("/2010-04-01/Accounts.json", accounts.list, methods=["GET"]),
            Route("/2010-04-01/Accounts.json", accounts.create, methods=["POST"]),
            Route("/2010-04-01/Accounts/{Sid}.json", accounts.fetch, methods=["GET"]),
            Route("/2010-04-01/Accounts/{Sid}.json", accounts.update, methods=["POST"]),
            Route("/2010-04-01/Accounts/{AccountSid}/Balance.json", balances.fetch, methods=["GET"]),
        ]
    }
