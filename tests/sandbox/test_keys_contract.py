from __future__ import annotations

import pytest
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from tests.conftest import approve, call
from tests.contract import contract

pytestmark = pytest.mark.anyio
KEYS = "/2010-04-01/Accounts/{AccountSid}/Keys"
ROUTES = {
    ("GET", f"{KEYS}.json"),
    ("POST", f"{KEYS}.json"),
    ("GET", f"{KEYS}/{{Sid}}.json"),
    ("POST", f"{KEYS}/{{Sid}}.json"),
    ("DELETE", f"{KEYS}/{{Sid}}.json"),
}


async def test_key_routes_answer_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    with contract(sandbox, routes=ROUTES):
        await call(client, "apikeys_list")
        sid = (await call(client, "apikey_create", {"friendly_name": "contract"})).data["sid"]
        # No tool renames a key; the gateway's rename still has to meet the schema.
        await services.twilio.keys.rename(sid, "contract renamed")
        first = await call(client, "apikey_revoke", {"sid": sid})
        revoked = await call(client, "apikey_revoke", {"sid": sid, "approval_id": await approve(services, first)})
        assert not revoked.is_error, revoked
