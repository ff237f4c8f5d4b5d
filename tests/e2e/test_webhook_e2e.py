"""End to end on this machine: the sandbox posts signed callbacks over HTTP to the receiver on a
loopback port, and the agent's tools read what arrived."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.webhooks.app import build_webhooks_app
from tests.conftest import call
from tests.e2e.support import run_cli, serving_in_thread

pytestmark = pytest.mark.anyio
SENDER = "+15005550006"
PERSON = "+14155550177"
STARTUP_SECONDS = 20
WAIT_SECONDS = 10


@pytest.fixture
def receiver_url(services: Services) -> Iterator[str]:
    """The webhook receiver under uvicorn in a thread, on the services' database file."""
    with serving_in_thread(build_webhooks_app(services.settings), STARTUP_SECONDS) as port:
        yield f"http://127.0.0.1:{port}"


async def advance_and_deliver(sandbox: Sandbox, seconds: float) -> None:
    sandbox.clock.advance(seconds)
    with anyio.fail_after(WAIT_SECONDS):
        made = await sandbox.deliver_due_callbacks()
    assert all(delivery.ok for delivery in made), made


async def test_message_status_callbacks_reach_the_receiver_and_the_timeline_in_order(
    client: Client, sandbox: Sandbox, receiver_url: str
) -> None:
    sent = await call(
        client,
        "message_send",
        {
            "to": "+14155550100",
            "from": SENDER,
            "body": "Order shipped",
            "status_callback": f"{receiver_url}/twilio/sms/status",
        },
    )
    assert not sent.is_error, sent
    for _ in range(3):
        await advance_and_deliver(sandbox, 1.0)
    timeline = await call(client, "message_timeline", {"sid": sent.data["sid"]})
    # Twilio sends no callback for a message's initial status (queued), only for each change after it.
    assert [item["status"] for item in timeline.data["callbacks"]] == ["sent", "delivered"]
    assert timeline.data["message"]["status"] == "delivered"


@pytest.mark.slow
async def test_stop_sent_through_the_sandbox_command_opts_out_and_blocks_sending(
    client: Client, services: Services, sandbox: Sandbox, receiver_url: str, tmp_path: Path
) -> None:
    inbound_url = f"{receiver_url}/twilio/sms/inbound"
    posted = run_cli(
        tmp_path / "cli-home",
        "sandbox",
        "inbound",
        "--from",
        PERSON,
        "--to",
        SENDER,
        "--body",
        "STOP",
        "--url",
        inbound_url,
    )
    assert posted.returncode == 0, posted.stderr
    assert '"status": 200' in posted.stdout
    with anyio.fail_after(WAIT_SECONDS):
        while not services.stores.suppressions.is_suppressed(PERSON):
            await anyio.sleep(0.05)
    listed = await call(client, "optout_list", {})
    assert PERSON in [entry["phone"] for entry in listed.data["items"]]
    refused = await call(client, "message_send", {"to": PERSON, "from": SENDER, "body": "Sale today"})
    assert refused.error["code"] == "policy.opted_out"
    # START through the same sandbox path lets messages through again.
    started = await sandbox.post_inbound(PERSON, SENDER, "START", inbound_url)
    assert started.status_code == 200
    with anyio.fail_after(WAIT_SECONDS):
        while services.stores.suppressions.is_suppressed(PERSON):
            await anyio.sleep(0.05)
    assert not (await call(client, "message_send", {"to": PERSON, "from": SENDER, "body": "Welcome back"})).is_error


async def test_a_calls_status_callbacks_are_listed_as_webhook_events(
    client: Client, sandbox: Sandbox, receiver_url: str
) -> None:
    created = await call(
        client,
        "call_create",
        {
            "to": "+14155550100",
            "from": SENDER,
            "twiml": "<Response><Say>Your table is ready.</Say></Response>",
            "status_callback": f"{receiver_url}/twilio/voice/status",
            "status_callback_events": ["ringing", "answered", "completed"],
        },
    )
    assert not created.is_error, created
    for _ in range(4):
        await advance_and_deliver(sandbox, 1.0)
    events = await call(client, "webhook_events_list", {"resource_sid": created.data["sid"], "kind": "voice_status"})
    assert [event["status"] for event in reversed(events.data["items"])] == ["ringing", "in-progress", "completed"]
    fetched = await call(client, "call_get", {"sid": created.data["sid"]})
    assert fetched.data["status"] == "completed"
