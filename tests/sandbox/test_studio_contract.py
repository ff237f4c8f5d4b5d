from __future__ import annotations

import json

import pytest
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import approve, call
from tests.contract import contract

pytestmark = pytest.mark.anyio
HOST = "studio.twilio.com"
SURVEY = make_sid("FW", "seed", "survey")
REMINDERS = make_sid("FW", "seed", "reminders")
SENDER = "+15005550006"
GOOD = {
    "description": "contract",
    "initial_state": "Trigger",
    "flags": {},
    "states": [
        {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "hi"}]},
        {"name": "hi", "type": "send-message", "transitions": [{"event": "sent"}], "properties": {"body": "Hi"}},
    ],
}


async def test_studio_routes_answer_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    routes = {(method, path) for host, method, path in sandbox.route_table() if host == HOST}
    assert len(routes) == 13
    with contract(sandbox, routes=routes, statuses={200, 201, 400, 404}, errors="twilio+") as served:
        await call(client, "studio_flows_list")
        await call(client, "studio_flow_export", {"sid": REMINDERS})
        await call(client, "studio_flow_export", {"sid": REMINDERS, "revision": 2})
        good = json.dumps(GOOD)
        await call(client, "studio_flow_validate", {"definition": good})
        await call(client, "studio_flow_validate", {"definition": good.replace("send-message", "teleport")})
        await call(client, "studio_flow_deploy", {"friendly_name": "Contract", "definition": good})
        gated = await call(client, "studio_flow_deploy", {"sid": SURVEY, "definition": good, "status": "published"})
        approval_id = await approve(services, gated)
        await call(
            client,
            "studio_flow_deploy",
            {"sid": SURVEY, "definition": good, "status": "published", "approval_id": approval_id},
        )
        started = await call(
            client, "studio_execution_start", {"flow_sid": REMINDERS, "to": "+14155550100", "from": SENDER}
        )
        sid = started.data["sid"]
        await call(client, "studio_executions_list", {"flow_sid": REMINDERS})
        window = {"status": "ended", "after": "2020-01-01T00:00:00Z", "before": "2999-01-01T00:00:00Z"}
        await call(client, "studio_executions_list", {"flow_sid": REMINDERS, **window})
        await call(client, "studio_execution_get", {"flow_sid": REMINDERS, "sid": sid})
        await call(client, "studio_execution_stop", {"flow_sid": REMINDERS, "sid": sid})
        await call(client, "studio_execution_get", {"flow_sid": REMINDERS, "sid": make_sid("FN", "none")})
        # Revision listing and paging are not reached through a tool; drive them through the SDK.
        flows = services.twilio.client().studio.v2.flows
        revisions = await flows(REMINDERS).revisions.list_async(page_size=2, limit=10)
        assert [r.revision for r in revisions] == [3, 2, 1]

    details = [r for r in served.responses if r["status"] >= 400 and json.loads(r["body"])["code"] == 81022]
    assert details, "no invalid definition was refused"
    for response in details:
        assert json.loads(response["body"])["details"]["errors"][0]["property_path"] == "#/states/1/type"
