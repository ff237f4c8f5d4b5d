from __future__ import annotations

import json

import pytest
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import approve, call
from tests.contract import assert_matches

pytestmark = pytest.mark.anyio
SPEC = "twilio-oai/twilio_studio_v2.json"
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
    sandbox.record_responses = True
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
    await call(
        client,
        "studio_executions_list",
        {"flow_sid": REMINDERS, "status": "ended", "after": "2020-01-01T00:00:00Z", "before": "2999-01-01T00:00:00Z"},
    )
    await call(client, "studio_execution_get", {"flow_sid": REMINDERS, "sid": sid})
    await call(client, "studio_execution_stop", {"flow_sid": REMINDERS, "sid": sid})
    await call(client, "studio_execution_get", {"flow_sid": REMINDERS, "sid": make_sid("FN", "none")})
    # Revision listing and paging are not reached through a tool; drive them through the SDK.
    flows = services.twilio.client().studio.v2.flows
    revisions = await flows(REMINDERS).revisions.list_async(page_size=2, limit=10)
    assert [r.revision for r in revisions] == [3, 2, 1]

    served = {(r["method"], r["path"]) for r in sandbox.served}
    routes = {(method, path) for host, method, path in sandbox.route_table() if host == "studio.twilio.com"}
    assert len(routes) == 13
    assert routes <= served
    for response in sandbox.served:
        body = json.loads(response["body"])
        if response["status"] >= 400:
            assert {"code", "message", "more_info", "status"} <= set(body)
            assert body["status"] == response["status"] and str(body["code"]) in body["more_info"]
            if body["code"] == 81022:
                assert body["details"]["errors"][0]["property_path"] == "#/states/1/type"
            continue
        assert_matches(SPEC, response["method"], response["path"], response["status"], response["body"])
    assert {r["status"] for r in sandbox.served} >= {200, 201, 400, 404}
