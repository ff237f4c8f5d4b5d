from __future__ import annotations

import pytest
from mcp import Client

from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call
from tests.contract import assert_matches

pytestmark = pytest.mark.anyio
SPEC = "twilio-oai/twilio_monitor_v1.json"


async def test_alert_routes_answer_with_the_published_schemas(client: Client, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
    await call(client, "alerts_list")
    await call(client, "alerts_list", {"log_level": "error", "after": "2020-01-01", "before": "2999-12-31"})
    first = await call(client, "alerts_list", {"limit": 2})
    await call(client, "alerts_list", {"limit": 2, "cursor": first.data["next_cursor"]})
    for index in range(6):
        await call(client, "alert_get", {"sid": make_sid("NO", "seed", "alert", index)})
    served = {(r["method"], r["path"]) for r in sandbox.served}
    assert served == {("GET", "/v1/Alerts"), ("GET", "/v1/Alerts/{Sid}")}
    assert all(r["status"] == 200 for r in sandbox.served)
    for response in sandbox.served:
        assert_matches(SPEC, response["method"], response["path"], response["status"], response["body"])
