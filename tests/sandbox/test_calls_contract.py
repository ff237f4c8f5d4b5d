from __future__ import annotations

import pytest
from mcp import Client

from skill.core.context import Services
from skill.errors import UpstreamError
from skill.sandbox.app import Sandbox
from tests.conftest import approve, call
from tests.contract import contract

pytestmark = pytest.mark.anyio
PREFIX = "/2010-04-01/Accounts/{AccountSid}"
CALLS = f"{PREFIX}/Calls.json"
CALL = f"{PREFIX}/Calls/{{Sid}}.json"
NOTIFICATIONS = f"{PREFIX}/Calls/{{CallSid}}/Notifications.json"
RECORDINGS = f"{PREFIX}/Recordings.json"
RECORDING = f"{PREFIX}/Recordings/{{Sid}}.json"
CONFERENCES = f"{PREFIX}/Conferences.json"
CALLER = "+15005550006"
TWIML = "<Response><Say>Hello</Say></Response>"
ROUTES = {
    ("POST", CALLS),
    ("GET", CALLS),
    ("GET", CALL),
    ("POST", CALL),
    ("GET", NOTIFICATIONS),
    ("GET", RECORDINGS),
    ("GET", RECORDING),
    ("DELETE", RECORDING),
    ("GET", CONFERENCES),
}


async def test_voice_routes_answer_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    with contract(sandbox, routes=ROUTES, statuses={200, 201, 204, 400}, errors="twilio") as served:
        dial = {"to": "+14155550199", "from": CALLER, "url": "https://example.com/ivr"}
        recorded = await call(client, "call_create", {**dial, "record": True, "machine_detection": "Enable"})
        ringing = await call(client, "call_create", {"to": "+14155550199", "from": CALLER, "twiml": TWIML})
        failing = await call(client, "call_create", {**dial, "to": "+15005550012"})
        await call(client, "call_create", {**dial, "to": "+15005550002"})
        await call(client, "call_create", {**dial, "to": "client:agent-7"})
        sandbox.clock.advance(sandbox.step_seconds)
        await call(client, "call_update", {"sid": ringing.data["sid"], "status": "canceled"})
        await call(client, "call_update", {"sid": ringing.data["sid"], "status": "completed"})
        sandbox.clock.advance(2 * sandbox.step_seconds)
        await call(client, "call_update", {"sid": recorded.data["sid"], "twiml": TWIML})
        sandbox.clock.advance(2 * sandbox.step_seconds)
        for sid in (recorded.data["sid"], ringing.data["sid"], failing.data["sid"]):
            await call(client, "call_get", {"sid": sid})
        await call(client, "calls_list", {"from": CALLER, "status": "completed", "after": "2000-01-01T00:00:00Z"})
        await call(client, "recordings_list", {"call_sid": recorded.data["sid"]})
        await call(client, "conferences_list", {"status": "in-progress"})
        window = {"after": "2000-01-01T00:00:00Z", "before": "2100-01-01T00:00:00Z"}
        await call(client, "conferences_list", window)
        listed = await call(client, "recordings_list", {"after": "2000-01-01T00:00:00Z"})
        doomed = listed.data["items"][-1]["sid"]
        gated = await call(client, "recording_delete", {"sid": doomed})
        await call(client, "recording_delete", {"sid": doomed, "approval_id": await approve(services, gated)})

        # Paging, a recording fetch and an oversized document are not reached through a tool; use the SDK.
        account = services.twilio.client().api.v2010.accounts(services.twilio.account_sid)
        paged = await account.calls.list_async(page_size=2, limit=5)
        assert len(paged) == 5
        remaining = next(r for r in listed.data["items"] if r["sid"] != doomed)
        fetched = await account.recordings(remaining["sid"]).fetch_async()
        assert fetched.call_sid == remaining["call_sid"]
        with pytest.raises(UpstreamError) as oversized:
            await services.twilio.calls.create(
                to="+14155550199",
                from_=CALLER,
                url=None,
                twiml="<Response>" + "<Pause/>" * 600 + "</Response>",
                status_callback=None,
                status_callback_event=None,
                record_call=None,
                timeout=None,
                machine_detection=None,
            )
        assert oversized.value.code == "twilio.32018"

    voice_paths = (CALLS, CALL, NOTIFICATIONS, RECORDINGS, RECORDING, CONFERENCES)
    assert {(method, path) for host, method, path in sandbox.route_table() if path in voice_paths} == ROUTES
    pages = served.bodies("GET", CALLS)
    assert any(p["next_page_uri"] for p in pages) and any(p["previous_page_uri"] for p in pages)
    notifications = served.bodies("GET", NOTIFICATIONS)
    assert [n["error_code"] for n in notifications[0]["notifications"]] == ["11200"]
