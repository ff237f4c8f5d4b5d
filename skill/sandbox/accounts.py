"""Sandbox routes for Accounts (list, create, fetch, update) and Balance.

As on Twilio, the Accounts resource needs the account's own credentials (its auth token): a
standard API key is refused with 401/20003, and so is a subaccount creating subaccounts.
"""

from __future__ import annotations

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

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

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


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state

    def account_holder(request: Request) -> str:
        """The caller, when it used its auth token.

        Raises:
            TwilioHTTPError: 401/20003 for an API key (or bad credentials).
        """
        caller = identify(state, request)
        if caller.is_key:
            raise refused("Standard API keys cannot access the Accounts resource; use the account's auth token")
        return caller.account_sid

    def authorize_holder(request: Request, sid: str) -> None:
        account_holder(request)
        authorize_account(state, request, sid)

    async def list_accounts(request: Request) -> Response:
        caller = account_holder(request)
        visible = [state.accounts[sid] for sid in sorted(state.account_tree(caller), key=lambda s: s != caller)]
        name = request.query_params.get("FriendlyName")
        status = request.query_params.get("Status")
        items = [
            a for a in visible if (not name or a["friendly_name"] == name) and (not status or a["status"] == status)
        ]
        return page(request, "accounts", items, render_account)

    async def create_account(request: Request) -> Response:
        caller = account_holder(request)
        if state.accounts[caller]["owner_account_sid"] != caller:
            raise refused("Subaccounts cannot create subaccounts; use the main account's credentials")
        fields = await form(request)
        now = state.clock.now()
        sid = state.new_sid("AC")
        state.accounts[sid] = {
            "sid": sid,
            "friendly_name": first(fields, "FriendlyName") or f"SubAccount Created at {rfc2822(now)}",
            "owner_account_sid": caller,
            "auth_token": state.new_sid("tk")[2:],
            "status": "active",
            "type": "Full",
            "created": now,
            "updated": now,
        }
        state.balances[sid] = {"account_sid": sid, "balance": "0.00", "currency": "USD"}
        return JSONResponse(render_account(state.accounts[sid]), status_code=201)

    async def fetch_account(request: Request) -> Response:
        sid = request.path_params["Sid"]
        authorize_holder(request, sid)
        return JSONResponse(render_account(state.accounts[sid]))

    async def update_account(request: Request) -> Response:
        sid = request.path_params["Sid"]
        authorize_holder(request, sid)
        account = state.accounts[sid]
        fields = await form(request)
        status = first(fields, "Status")
        if status is not None:
            if status not in STATUSES:
                raise TwilioHTTPError(400, 20001, f"Invalid Status: must be one of {', '.join(STATUSES)}")
            if account["status"] == "closed":
                raise TwilioHTTPError(400, 20001, "Closed accounts cannot be reopened")
            if sid == account["owner_account_sid"] and status != "active":
                raise TwilioHTTPError(400, 20001, "The parent account cannot be suspended or closed through the API")
            account["status"] = status
        name = first(fields, "FriendlyName")
        if name is not None:
            account["friendly_name"] = name
        account["updated"] = state.clock.now()
        return JSONResponse(render_account(account))

    async def fetch_balance(request: Request) -> Response:
        sid = request_account(state, request)
        balance = state.balances.get(sid)
        if balance is None:
            raise not_found(request.url.path)
        return JSONResponse(dict(balance))

    return {
        "api.twilio.com": [
            Route("/2010-04-01/Accounts.json", list_accounts, methods=["GET"]),
            Route("/2010-04-01/Accounts.json", create_account, methods=["POST"]),
            Route("/2010-04-01/Accounts/{Sid}.json", fetch_account, methods=["GET"]),
            Route("/2010-04-01/Accounts/{Sid}.json", update_account, methods=["POST"]),
            Route("/2010-04-01/Accounts/{AccountSid}/Balance.json", fetch_balance, methods=["GET"]),
        ]
    }
