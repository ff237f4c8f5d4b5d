"""Reaching the operator: [notify] targets hear of new requests and decisions in the background, each
in its own form (a signed webhook, a Slack Block Kit message, email and SMS through the sandbox), with
numbers masked and agent text escaped; a dead target never slows a tool call."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from skill.config import ALL_TOOLSETS, Settings
from skill.core.approvals import ApprovalRequest
from skill.core.context import Services
from skill.records.audit import AuditFilter
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import call
from tests.server.test_approval_waiting import decide_elsewhere

pytestmark = pytest.mark.anyio

TEST_TIMEOUT = 20
KEY = "whsec-test-key-0123456789"
ON_CALL = "+14155550123"
CONSOLE = "https://console.example.com"


class Receiver:
    """A local HTTP endpoint recording what it is sent; `status` is what it answers."""

    def __init__(self, status: int = 200) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.status = status
        self.arrived = anyio.Event()

        async def receive(request: Request) -> Response:
            self.got.append(({k.lower(): v for k, v in request.headers.items()}, await request.body()))
            self.arrived.set()
            self.arrived = anyio.Event()
            return Response(status_code=self.status)

        self.app = Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])

    async def next(self, count: int) -> list[tuple[dict[str, str], bytes]]:
        """Wait until `count` deliveries have come."""
        with anyio.fail_after(TEST_TIMEOUT):
            while len(self.got) < count:
                await self.arrived.wait()
        return self.got[:count]


def write_policy(tmp_path: Path, targets: str, extra: str = "") -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(f'[console]\npublic_url = "{CONSOLE}"\n{extra}\n[notify]\nattempts = 2\n{targets}')
    return path


@asynccontextmanager
async def serving(
    tmp_path: Path, sandbox: Sandbox, policy: Path | None, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[tuple[Client, Services]]:
    settings = Settings(home=tmp_path / "home", toolsets=ALL_TOOLSETS, policy_path=policy)
    services = build_services(settings, sandbox=sandbox)
    services.notifier.transport = transport
    services.notifier.sleep = lambda seconds: anyio.sleep(0)  # backoff between tries: no waiting in tests
    try:
        async with Client(build_server(settings, services)) as client:
            yield client, services
    finally:
        await services.aclose()


async def ask_to_release(client: Client) -> str:
    with anyio.fail_after(TEST_TIMEOUT):
        numbers = await call(client, "numbers_list")
        gated = await call(client, "number_release", {"sid": numbers.data["items"][0]["sid"]})
    return str(gated.error["approval"]["id"])


def expected_signature(timestamp: str, body: bytes) -> str:
    """What a receiver computes: HMAC-SHA256 over '<timestamp>.<body>' with the shared key."""
    return "v1=" + hmac.new(KEY.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


WEBHOOK = (
    '[[notify.targets]]\nkind = "webhook"\nname = "ops"\nurl = "https://hooks.example.com/a"\nsecret_env = "OPS_KEY"\n'
)


async def test_a_webhook_hears_of_a_request_and_its_decision_signed_with_hmac(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPS_KEY", KEY)
    receiver = Receiver()
    async with serving(tmp_path, sandbox, write_policy(tmp_path, WEBHOOK), httpx.ASGITransport(receiver.app)) as (
        client,
        services,
    ):
        approval_id = await ask_to_release(client)
        await receiver.next(1)
        await anyio.to_thread.run_sync(lambda: decide_elsewhere(services.settings, approval_id))
        deliveries = await receiver.next(2)
        with anyio.fail_after(TEST_TIMEOUT):
            while len(services.stores.audit.search(AuditFilter(event="notify.delivered"))) < 2:
                await anyio.sleep(0.05)
    bodies = []
    for headers, body in deliveries:
        timestamp = headers["x-twilio-skill-timestamp"]
        assert hmac.compare_digest(headers["x-twilio-skill-signature"], expected_signature(timestamp, body))
        assert headers["content-type"] == "application/json"
        bodies.append(json.loads(body))
    assert [body["event"] for body in bodies] == ["approval.requested", "approval.decided"]
    assert [headers["x-twilio-skill-event"] for headers, _ in deliveries] == ["approval.requested", "approval.decided"]
    requested, decided = (body["approval"] for body in bodies)
    assert requested["id"] == decided["id"] == approval_id
    assert requested["tool"] == "number_release" and requested["status"] == "pending"
    assert requested["console_url"] == f"{CONSOLE}/approvals/{approval_id}"
    assert (decided["status"], decided["decided_by"]) == ("approved", "test-operator")
    # A tampered body or a replayed signature with another timestamp does not verify.
    headers, body = deliveries[0]
    assert expected_signature(headers["x-twilio-skill-timestamp"], body + b" ") != headers["x-twilio-skill-signature"]
    assert KEY not in json.dumps(bodies)


async def test_a_webhook_without_its_key_is_not_sent_and_the_failure_is_recorded(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPS_KEY", raising=False)
    receiver = Receiver()
    async with serving(tmp_path, sandbox, write_policy(tmp_path, WEBHOOK), httpx.ASGITransport(receiver.app)) as (
        client,
        services,
    ):
        approval_id = await ask_to_release(client)
        with anyio.fail_after(TEST_TIMEOUT):
            while not (failed := services.stores.audit.search(AuditFilter(event="notify.failed"))):
                await anyio.sleep(0.05)
    assert receiver.got == []
    assert failed[0].approval_id == approval_id
    assert failed[0].detail["target"] == "ops" and "OPS_KEY" in failed[0].detail["error"]


async def test_a_failing_target_is_retried_then_recorded_as_failed_without_its_url(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPS_KEY", KEY)
    receiver = Receiver(status=503)
    async with serving(tmp_path, sandbox, write_policy(tmp_path, WEBHOOK), httpx.ASGITransport(receiver.app)) as (
        client,
        services,
    ):
        await ask_to_release(client)
        with anyio.fail_after(TEST_TIMEOUT):
            while not (failed := services.stores.audit.search(AuditFilter(event="notify.failed"))):
                await anyio.sleep(0.05)
    assert len(receiver.got) == 2  # attempts = 2
    assert failed[0].detail["attempts"] == 2 and "503" in failed[0].detail["error"]
    assert "hooks.example.com" not in json.dumps(failed[0].detail)


SLACK = '[[notify.targets]]\nkind = "slack"\nname = "ops-slack"\nurl = "https://hooks.slack.com/services/T0/B0/XYZ"\n'


async def test_slack_gets_a_block_kit_message_with_summary_impact_and_console_link_escaped(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    receiver = Receiver()
    async with serving(tmp_path, sandbox, write_policy(tmp_path, SLACK), httpx.ASGITransport(receiver.app)) as (
        _client,
        services,
    ):
        hostile = "Send <!channel> & <https://evil.example|click here> to +14155550100"
        approval, _ = services.approvals.request(
            ApprovalRequest(
                tool="message_send",
                args_json="{}",
                args_sha256="0" * 64,
                profile="sandbox",
                summary=hostile,
                reason="test",
                requested_by="openclaw",
            )
        )
        ((headers, body),) = await receiver.next(1)
    payload = json.loads(body)
    blocks = payload["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Approval needed: message_send"}}
    summary = blocks[1]["text"]["text"]
    assert "<!channel>" not in summary and "&lt;!channel&gt;" in summary and "&amp;" in summary
    assert "<https://evil" not in json.dumps(payload)
    assert "+14155550100" not in json.dumps(payload)  # numbers are masked unless the policy says otherwise
    context = blocks[-2]["elements"][0]["text"]
    assert approval.id in context and "openclaw" in context
    button = blocks[-1]["elements"][0]
    assert button["type"] == "button" and button["url"] == f"{CONSOLE}/approvals/{approval.id}"
    assert "x-twilio-skill-signature" not in headers


async def test_numbers_go_out_in_full_only_when_the_policy_says_so(tmp_path: Path, sandbox: Sandbox) -> None:
    receiver = Receiver()
    policy = write_policy(tmp_path, SLACK.replace("[[notify.targets]]", "mask_numbers = false\n[[notify.targets]]"))
    async with serving(tmp_path, sandbox, policy, httpx.ASGITransport(receiver.app)) as (_client, services):
        services.approvals.request(
            ApprovalRequest(
                tool="message_send",
                args_json="{}",
                args_sha256="1" * 64,
                profile="sandbox",
                summary="Send to +14155550100",
                reason="test",
            )
        )
        ((_, body),) = await receiver.next(1)
    assert "+14155550100" in body.decode()


EMAIL_AND_SMS = (
    '[[notify.targets]]\nkind = "email"\nto = ["oncall@example.com"]\nfrom = "skill@example.com"\n'
    f'[[notify.targets]]\nkind = "sms"\nto = "{ON_CALL}"\nfrom = "+15005550006"\nevents = ["requested"]\n'
)


async def test_email_and_sms_go_out_through_the_sandbox_to_the_on_call(tmp_path: Path, sandbox: Sandbox) -> None:
    async with serving(tmp_path, sandbox, write_policy(tmp_path, EMAIL_AND_SMS)) as (client, services):
        approval_id = await ask_to_release(client)
        with anyio.fail_after(TEST_TIMEOUT):
            while len(services.stores.audit.search(AuditFilter(event="notify.delivered"))) < 2:
                await anyio.sleep(0.05)
    (mail,) = [sent["payload"] for sent in sandbox.sendgrid.sent]
    assert mail["personalizations"][0]["to"] == [{"email": "oncall@example.com"}]
    assert approval_id in mail["subject"] and "number_release" in mail["subject"]
    text = mail["content"][0]["value"]
    assert f"twilio-skill approvals approve {approval_id}" in text and f"{CONSOLE}/approvals/{approval_id}" in text
    texts = [message for message in sandbox.state.messages.values() if message["to"] == ON_CALL]
    assert len(texts) == 1
    assert texts[0]["body"].startswith("Approval needed: number_release") and approval_id in texts[0]["body"]
    assert len(texts[0]["body"]) <= 320


@contextmanager
def black_hole() -> Iterator[str]:
    """A loopback port that accepts connections and never answers: a dead target."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"


async def timed_requests(client: Client, rounds: int) -> float:
    """The slowest of `rounds` gated calls that each open a request (and so a notification)."""
    numbers = await call(client, "numbers_list")
    sids = [number["sid"] for number in numbers.data["items"]]
    slowest = 0.0
    for index in range(rounds):
        started = time.monotonic()
        gated = await call(client, "number_release", {"sid": sids[index % len(sids)]})
        slowest = max(slowest, time.monotonic() - started)
        assert gated.error["code"] == "policy.approval_required"
    return slowest


async def test_a_dead_target_does_not_slow_the_tool_call(
    tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPS_KEY", KEY)
    with anyio.fail_after(TEST_TIMEOUT * 2):
        async with serving(tmp_path / "quiet", Sandbox(clock=sandbox.clock), None) as (client, _):
            baseline = await timed_requests(client, 3)
        with black_hole() as url:
            dead = WEBHOOK.replace("https://hooks.example.com/a", url) + SLACK.replace(
                "https://hooks.slack.com/services/T0/B0/XYZ", url
            )
            async with serving(tmp_path / "loud", sandbox, write_policy(tmp_path, dead)) as (client, services):
                with_dead_targets = await timed_requests(client, 3)
                assert services.stores.audit.search(AuditFilter(event="notify.delivered")) == []
    # Each try at the dead target waits up to 5 s for an answer; the calls never wait for it.
    assert with_dead_targets < 3 * baseline + 0.5, (with_dead_targets, baseline)
