from __future__ import annotations

import pytest
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from tests.conftest import approve, call
from tests.contract import assert_matches

pytestmark = pytest.mark.anyio
SPEC = "twilio-oai/twilio_api_v2010.json"
KEYS = "/2010-04-01/Accounts/{AccountSid}/Keys"


async def test_key_routes_answer_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    sandbox.record_responses = True
    await call(client, "apikeys_list")
    sid = (await call(client, "apikey_create", {"friendly_name": "contract"})).data["sid"]
    # No tool renames a key; the gateway's rename still has to meet the schema.
    await services.twilio.keys.rename(sid, "contract renamed")
    first = await call(client, "apikey_revoke", {"sid": sid})
    revoked = await call(client, "apikey_revoke", {"sid": sid, "approval_id": await approve(services, first)})
    assert not revoked.is_error, revoked
    served = {(r["method"], r["path"]) for r in sandbox.served}
    assert served >= {
        ("GET", f"{KEYS}.json"),
        ("POST", f"{KEYS}.json"),
        ("GET", f"{KEYS}/{{Sid}}.json"),
        ("POST", f"{KEYS}/{{Sid}}.json"),
        ("DELETE", f"{KEYS}/{{Sid}}.json"),
    }
    for response in sandbox.served:
        assert response["status"] < 400, response
        assert_matches(SPEC, response["method"], response["path"], response["status"], response["body"])
