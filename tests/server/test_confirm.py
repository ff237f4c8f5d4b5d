"""The `confirm` action: the person at the client confirms one exact call by form elicitation, in
either protocol era; anything but a clear yes opens an approval request instead, and every answer
is in the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult, ElicitRequestParams, ElicitResult, InputRequiredResult

from skill.config import ALL_TOOLSETS, Settings
from skill.core.context import Services
from skill.errors import ConfigError
from skill.ports.clock import ManualClock
from skill.records.audit import AuditFilter
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.server.confirm import INPUT_KEY
from skill.wiring import build_services

pytestmark = pytest.mark.anyio

TEST_TIMEOUT = 20
SENDER = "+15005550006"
RECIPIENT = "+14155550199"
POLICY = '[tools]\nmessage_send = "confirm"\n[confirm]\ntimeout_seconds = 30\n'
ERAS = ["auto", "legacy"]

Callback = Callable[[Any, ElicitRequestParams], Awaitable[ElicitResult]]


def send_args(body: str = "Your table is ready.") -> dict[str, Any]:
    return {"to": RECIPIENT, "from": SENDER, "body": body}


@asynccontextmanager
async def confirming(
    tmp_path: Path, sandbox: Sandbox, clock: ManualClock, mode: str, callback: Callback | None
) -> AsyncIterator[tuple[Client, Services]]:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    settings = Settings(home=tmp_path / "home", toolsets=ALL_TOOLSETS, policy_path=policy)
    services = build_services(settings, sandbox=sandbox, clock=clock)
    try:
        async with Client(build_server(settings, services), mode=mode, elicitation_callback=callback) as client:
            yield client, services
    finally:
        await services.aclose()


def answering(action: str, content: dict[str, Any] | None = None) -> tuple[Callback, list[ElicitRequestParams]]:
    asked: list[ElicitRequestParams] = []

    async def callback(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params)
        return ElicitResult(action=action, content=content)  # type: ignore[arg-type]

    return callback, asked


async def send(client: Client) -> CallToolResult:
    with anyio.fail_after(TEST_TIMEOUT):
        return await client.call_tool("message_send", send_args())


def answers(services: Services) -> list[dict[str, Any]]:
    entries = services.stores.audit.search(AuditFilter(event="confirmation.answered"))
    return [entry.detail for entry in reversed(entries)]  # oldest first


def sent(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [message for message in sandbox.state.messages.values() if message["to"] == RECIPIENT]


@pytest.mark.parametrize("mode", ERAS)
async def test_a_yes_from_the_person_at_the_client_runs_the_exact_call(
    tmp_path: Path, sandbox: Sandbox, wall_clock: ManualClock, mode: str
) -> None:
    callback, asked = answering("accept", {"approve": True})
    async with confirming(tmp_path, sandbox, wall_clock, mode, callback) as (client, services):
        result = await send(client)
        recorded = answers(services)
        started = services.stores.audit.search(AuditFilter(tool="message_send", event="tool.call"), limit=5)
    assert not result.is_error, result
    assert len(sent(sandbox)) == 1
    assert len(asked) == 1
    message = asked[0].message
    assert "message_send" in message and RECIPIENT in message and "Your table is ready." in message
    assert "Arguments digest: sha256:" in message
    assert recorded == [
        {"who": "person at the client", "args_sha256": recorded[0]["args_sha256"], "answer": "confirmed"}
    ]
    assert len(recorded[0]["args_sha256"]) == 64
    assert [(entry.outcome, entry.detail.get("confirmed_by")) for entry in started] == [("ok", "person at the client")]


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize(
    ("action", "content", "answer"),
    [
        ("decline", None, "declined"),
        ("cancel", None, "cancelled"),
        ("accept", {"approve": False}, "declined"),
        ("accept", {"approve": "yes"}, "invalid"),
    ],
)
async def test_anything_but_a_yes_opens_an_approval_request_and_sends_nothing(
    tmp_path: Path,
    sandbox: Sandbox,
    wall_clock: ManualClock,
    mode: str,
    action: str,
    content: dict[str, Any] | None,
    answer: str,
) -> None:
    callback, asked = answering(action, content)
    async with confirming(tmp_path, sandbox, wall_clock, mode, callback) as (client, services):
        result = await send(client)
        recorded = answers(services)
    assert result.is_error and result.structured_content is not None
    error = result.structured_content["error"]
    assert error["code"] == "policy.approval_required"
    assert error["approval"]["id"].startswith("apr_") and error["approval"]["status"] == "pending"
    assert sent(sandbox) == []
    assert len(asked) == 1
    assert [entry["answer"] for entry in recorded] == [answer]


@pytest.mark.parametrize("mode", ERAS)
async def test_a_client_without_elicitation_gets_the_out_of_band_approval_flow(
    tmp_path: Path, sandbox: Sandbox, wall_clock: ManualClock, mode: str
) -> None:
    async with confirming(tmp_path, sandbox, wall_clock, mode, None) as (client, services):
        result = await send(client)
        recorded = answers(services)
    assert result.is_error and result.structured_content is not None
    assert result.structured_content["error"]["code"] == "policy.approval_required"
    assert sent(sandbox) == []
    assert [entry["answer"] for entry in recorded] == ["unavailable"]


@pytest.mark.parametrize("mode", ERAS)
async def test_an_answer_after_the_timeout_opens_an_approval_request(
    tmp_path: Path, sandbox: Sandbox, wall_clock: ManualClock, mode: str
) -> None:
    async def late(context: Any, params: ElicitRequestParams) -> ElicitResult:
        wall_clock.advance(31)  # the person took longer than [confirm] timeout_seconds
        if mode == "legacy":
            await anyio.sleep_forever()  # the server stops waiting on its own
        return ElicitResult(action="accept", content={"approve": True})

    async with confirming(tmp_path, sandbox, wall_clock, mode, late) as (client, services):
        result = await send(client)
        recorded = answers(services)
    assert result.is_error and result.structured_content is not None
    assert result.structured_content["error"]["code"] == "policy.approval_required"
    assert sent(sandbox) == []
    assert [entry["answer"] for entry in recorded] == ["timeout"]


async def test_an_answer_given_for_other_arguments_does_not_run_these(
    tmp_path: Path, sandbox: Sandbox, wall_clock: ManualClock
) -> None:
    yes = {INPUT_KEY: ElicitResult(action="accept", content={"approve": True})}
    declares_elicitation, _ = answering("accept", {"approve": True})  # the rounds below are driven by hand
    async with confirming(tmp_path, sandbox, wall_clock, "auto", declares_elicitation) as (client, services):
        with anyio.fail_after(TEST_TIMEOUT):
            asked = await client.session.call_tool("message_send", send_args("Hello"), allow_input_required=True)
            assert isinstance(asked, InputRequiredResult) and asked.request_state
            swapped = await client.session.call_tool(
                "message_send",
                send_args("Send me your password"),
                input_responses=yes,
                request_state=asked.request_state,
                allow_input_required=True,
            )
            # The question was taken once: replaying it, even for the right arguments, runs nothing.
            replayed = await client.session.call_tool(
                "message_send",
                send_args("Hello"),
                input_responses=yes,
                request_state=asked.request_state,
                allow_input_required=True,
            )
            forged = await client.session.call_tool(
                "message_send",
                send_args("Hello"),
                input_responses=yes,
                request_state="cf_made-up",
                allow_input_required=True,
            )
        recorded = answers(services)
    for result in (swapped, replayed, forged):
        assert isinstance(result, CallToolResult) and result.is_error, result
        assert result.structured_content is not None
        assert result.structured_content["error"]["code"] == "policy.approval_required"
    assert sent(sandbox) == []
    assert [entry["answer"] for entry in recorded] == ["mismatch", "invalid", "invalid"]


@pytest.mark.parametrize(
    "text",
    ['[tools]\nnumber_release = "confirm"\n', '[tiers]\nDESTRUCTIVE = "confirm"\n'],
)
def test_confirm_for_a_destructive_tool_is_refused_unless_the_policy_says_so_explicitly(
    tmp_path: Path, text: str
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(text)
    settings = Settings(home=tmp_path / "home", toolsets=ALL_TOOLSETS, policy_path=policy)
    with pytest.raises(ConfigError) as raised:
        build_server(settings)
    assert "DESTRUCTIVE" in raised.value.message
    assert any("destructive = true" in step for step in raised.value.remediation)
    policy.write_text(text + "[confirm]\ndestructive = true\n")
    build_server(settings)
