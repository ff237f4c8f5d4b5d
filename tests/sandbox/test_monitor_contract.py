from __future__ import annotations

import pytest
from mcp import Client

from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call
from tests.contract import contract

pytestmark = pytest.mark.anyio


async def test_alert_routes_answer_with_the_published_schemas(client: Client, sandbox: Sandbox) -> None:
    with contract(sandbox) as served:
        await call(client, "alerts_list")
        await call(client, "alerts_list", {"log_level": "error", "after": "2020-01-01", "before": "2999-12-31"})
        first = await call(client, "alerts_list", {"limit": 2})
        await call(client, "alerts_list", {"limit": 2, "cursor": first.data["next_cursor"]})
        for index in range(6):
            await call(client, "alert_get", {"sid": make_sid("NO", "seed", "alert", index)})
    assert served.routes == {("GET", "/v1/Alerts"), ("GET", "/v1/Alerts/{Sid}")}
    assert served.statuses == {200}
