from __future__ import annotations

import base64

import httpx
import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from tests.conftest import approve, call
from tests.contract import contract

pytestmark = pytest.mark.anyio
USAGE = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Usage"
TEMPLATE = "/2010-04-01/Accounts/{AccountSid}/Usage"
ROUTES = {
    *(("GET", f"{TEMPLATE}/Records/{name}.json") for name in ("Today", "Yesterday", "ThisMonth", "LastMonth")),
    ("GET", f"{TEMPLATE}/Records.json"),
    ("GET", f"{TEMPLATE}/Triggers.json"),
    ("POST", f"{TEMPLATE}/Triggers.json"),
    ("GET", f"{TEMPLATE}/Triggers/{{Sid}}.json"),
    ("DELETE", f"{TEMPLATE}/Triggers/{{Sid}}.json"),
}


async def fetch_trigger(sandbox: Sandbox, sid: str) -> int:
    """GET one trigger the way the SDK would (no tool reads a single trigger)."""
    token = base64.b64encode(f"{SANDBOX_ACCOUNT_SID}:{SANDBOX_AUTH_TOKEN}".encode()).decode()
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox") as http:
        response = await http.get(
            f"{USAGE}/Triggers/{sid}.json",
            headers={"Authorization": f"Basic {token}", "X-Twilio-Host": "api.twilio.com"},
            timeout=10,
        )
    return response.status_code


async def test_usage_routes_answer_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    with contract(sandbox, routes=ROUTES):
        for period in ("today", "yesterday", "this_month", "last_month"):
            assert not (await call(client, "usage_summary", {"period": period})).is_error
        ranged = await call(client, "usage_summary", {"after": "2024-01-01", "before": "2024-02-01"})
        assert not ranged.is_error, ranged
        args = {
            "usage_category": "sms",
            "trigger_value": "1000",
            "trigger_by": "count",
            "callback_url": "https://e.com/t",
        }
        waiting = await call(client, "usage_trigger_create", args)  # the callback host is not an allowed one
        approval_id = await approve(services, waiting)
        created = await call(client, "usage_trigger_create", {**args, "approval_id": approval_id})
        sid = created.data["sid"]
        assert await fetch_trigger(sandbox, sid) == 200
        await call(client, "usage_triggers_list", {"after": "2020-01-01T00:00:00Z"})
        assert not (await call(client, "usage_trigger_delete", {"sid": sid})).is_error
