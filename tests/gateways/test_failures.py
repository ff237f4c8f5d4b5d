from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, Settings
from skill.gateways.twilio_gateway import record
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import SandboxClock
from skill.sandbox.faults import Faults
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import call

pytestmark = pytest.mark.anyio

TWILIO_UNKNOWN_STEPS = [
    "Do not resend blindly: the first request may have been carried out.",
    "Check with a list tool (for messages: messages_list by to and date) whether it took effect.",
    "Only if it did not, make the call again (with a new idempotency_key where the tool takes one).",
]
MAIL = {"to": ["ana@example.com"], "from": "team@example.com", "subject": "Hello", "text": "Hi Ana"}


class Instance:
    """Stands for an SDK resource instance: properties as attributes, SDK internals behind underscores."""

    def __init__(self, **attributes: Any) -> None:
        vars(self).update(attributes)


def test_record_names_the_caller_from_whether_the_sdk_keeps_it_as_from_or_as_underscore_from() -> None:
    message = Instance(sid="SM1", from_="+15005550006", _context=None, _solution={"sid": "SM1"})
    voice_call = Instance(sid="CA1", _from="+15005550007", _version=object())
    assert record(message) == {"sid": "SM1", "from": "+15005550006"}
    assert record(voice_call) == {"sid": "CA1", "from": "+15005550007"}


def test_record_turns_sdk_values_into_json_ready_ones_and_leaves_out_sdk_internals() -> None:
    created = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    plain = record(Instance(date_created=created, nested={"when": [created]}, _uri="/x"))
    assert plain == {"date_created": created.isoformat(), "nested": {"when": [created.isoformat()]}}


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(clock=SandboxClock(frozen=True), faults=Faults(retry_after=0))


async def test_a_write_twilio_may_have_carried_out_gets_the_full_advice_before_any_resend(
    client: Client, sandbox: Sandbox
) -> None:
    sandbox.faults.queue = ["500"]
    result = await call(client, "subaccount_create", {"friendly_name": "maybe"})
    assert result.error["code"] == "upstream.outcome_unknown"
    assert "may or may not have reached Twilio" in result.error["message"]
    assert result.error["remediation"] == TWILIO_UNKNOWN_STEPS


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class HangUpOnWrites(socketserver.BaseRequestHandler):
    """Answers reads with an empty JSON list and closes the connection on any write without answering."""

    def handle(self) -> None:
        self.request.settimeout(5)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            head += chunk
        if head.startswith(b"GET "):
            self.request.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"
            )


@pytest.fixture
def hang_up_url() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), HangUpOnWrites)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@asynccontextmanager
async def client_reaching(home: Path, sandbox_url: str) -> AsyncIterator[Client]:
    """A server whose gateways send every request to `sandbox_url`."""
    settings = Settings(home=home, toolsets=ALL_TOOLSETS, sandbox_url=sandbox_url)
    services = build_services(settings)
    try:
        async with Client(build_server(settings, services)) as connected:
            yield connected
    finally:
        await services.aclose()


async def test_sendgrid_out_of_reach_is_reported_as_nothing_sent_and_safe_to_retry(
    home: Path, closed_port: int
) -> None:
    async with client_reaching(home, f"http://127.0.0.1:{closed_port}") as connected:
        result = await call(connected, "email_templates_list")
    assert result.error["code"] == "upstream.unreachable"
    assert result.error["retryable"] is True
    assert "SendGrid could not be reached" in result.error["message"]
    assert "Nothing was sent" in result.error["message"]
    assert result.error["remediation"] == [
        "Check network access to api.sendgrid.com, then retry.",
        "Run `twilio-skill doctor`.",
    ]


async def test_an_email_sendgrid_may_have_accepted_gets_the_same_advice_with_the_activity_feed_to_check(
    home: Path, hang_up_url: str
) -> None:
    async with client_reaching(home, hang_up_url) as connected:
        result = await call(connected, "email_send", MAIL)
    assert result.error["code"] == "upstream.outcome_unknown"
    assert result.error["retryable"] is False
    assert "may or may not have reached SendGrid" in result.error["message"]
    steps = result.error["remediation"]
    assert [steps[0], steps[2]] == [TWILIO_UNKNOWN_STEPS[0], TWILIO_UNKNOWN_STEPS[2]]
    assert "Activity feed" in steps[1]
