"""approval_id as a hostile client sends it: every JSON type and size, and ids that look like a real one.

Each attack is made on a SEND and a DESTRUCTIVE tool for which an operator has approved exactly this call,
so a value read loosely (coerced, normalised, trimmed) would run it. It must not: the answer is a
structured refusal, nothing reaches the sandbox, the real approval stays unused, and the audit log
holds what was tried (bounded) and how it ended.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.server.dispatch import AUDIT_STRING_CHARS
from skill.wiring import build_services
from tests.conftest import call
from tests.security.calls import assert_structured, calls_of, seeded_number, send_args

pytestmark = pytest.mark.anyio

# Message bodies starting with "gated" wait for an operator; others go out under the default policy.
POLICY = '[[rules]]\ntool = "message_send"\nwhen = { body = "gated*" }\naction = "approve"\n'
UNKNOWN = "apr_0123456789abcdef"
TEN_MB = "a" * (10 * 1024 * 1024)

WRONG_TYPES: list[Any] = [
    {"id": UNKNOWN},
    {},
    [UNKNOWN],
    [],
    0,
    1,
    -1,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63) - 1,
    10**40,
    10**5000,
    1.5,
    0.0,
    1e308,
    float("inf"),
    float("-inf"),
    float("nan"),
    True,
    False,
    None,
    "",
    " ",
    TEN_MB,
    "apr_" + "0" * 100_000,
]


def look_alikes(real: str) -> list[str]:
    """Strings a loose reader could take for `real`: case, width, script, invisible and spacing tricks."""
    hex_part = real.removeprefix("apr_")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in hex_part)
    arabic = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in hex_part)
    return [
        real.upper(),
        "APR_" + hex_part,
        "apr_" + hex_part.upper(),
        "apr_" + fullwidth,
        "apr_" + arabic,
        "\u0430pr_" + hex_part,  # Cyrillic a
        "apr\uff3f" + hex_part,  # full-width low line
        real + "\n",
        real + " ",
        " " + real,
        real + "\u200b",
        "\u200b" + real,
        "\u202e" + real,
        real[:-1],
        real + "0",
        real + "\x00",
        real[:8] + "\u00ad" + real[8:],  # soft hyphen
        f"{real}' OR '1'='1",
        real.replace("apr_", "apr-"),
    ]


@dataclass
class Approved:
    """A call an operator approved, on one tool, and what it would change."""

    tool: str
    args: dict[str, Any]
    approval_id: str

    def untouched(self, sandbox: Sandbox, before: int) -> bool:
        if self.tool == "message_send":
            return len(sandbox.state.messages) == before
        return self.args["sid"] in sandbox.state.numbers and len(sandbox.state.numbers) == before


def sandbox_size(tool: str, sandbox: Sandbox) -> int:
    return len(sandbox.state.messages) if tool == "message_send" else len(sandbox.state.numbers)


@pytest.fixture
async def gated_client(
    settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[Client, Services]]:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    gated = settings.with_overrides(policy_path=policy)
    services = build_services(gated, sandbox=sandbox, clock=wall_clock)
    async with Client(build_server(gated, services)) as client:
        yield client, services
    await services.aclose()


async def approved_call(client: Client, services: Services, sandbox: Sandbox, tool: str) -> Approved:
    args = send_args(body="gated: your table is ready") if tool == "message_send" else {"sid": seeded_number(sandbox)}
    first = await call(client, tool, args)
    assert first.error["code"] == "policy.approval_required", first
    approval_id = first.error["approval"]["id"]
    services.approvals.decide(approval_id, approve=True, operator="ops")
    return Approved(tool, args, approval_id)


def recorded(services: Services, tool: str) -> dict[str, Any]:
    """The newest tool.call entry of the tool, as stored."""
    entry = calls_of(services, tool)[-1]
    return {"outcome": entry.outcome, "approval_id": entry.approval_id, **entry.detail}


@pytest.mark.parametrize("tool", ["message_send", "number_release"])
async def test_an_approval_id_of_the_wrong_type_or_size_is_refused_and_runs_nothing(
    gated_client: tuple[Client, Services], sandbox: Sandbox, tool: str
) -> None:
    client, services = gated_client
    approved = await approved_call(client, services, sandbox, tool)
    before = sandbox_size(tool, sandbox)
    for value in WRONG_TYPES:
        shown = f"{value.bit_length()}-bit int" if isinstance(value, int) else repr(value)[:60]
        result = await call(client, tool, {**approved.args, "approval_id": value})
        error = assert_structured(result)
        assert error["code"] == "input.invalid", (shown, error)
        assert "approval_id" in error["message"], shown
        assert len(json.dumps(result.data)) < 5_000, shown  # the answer does not echo what it was given
        assert approved.untouched(sandbox, before), shown
        assert services.approvals.get(approved.approval_id).status == "approved", shown
        entry = recorded(services, tool)
        assert (entry["outcome"], entry["code"], entry["approval_id"]) == ("refused", "input.invalid", None), shown
        kept = entry["args"]["approval_id"]
        if isinstance(value, str):
            assert kept == value[:AUDIT_STRING_CHARS] + ("…" if len(value) > AUDIT_STRING_CHARS else ""), shown
        else:
            assert len(json.dumps(kept)) <= 200, shown  # bounded, and still JSON
    assert services.stores.send_counter.count(services.profile, "message_send") == 0


@pytest.mark.parametrize("tool", ["message_send", "number_release"])
async def test_no_look_alike_of_an_approved_id_runs_the_approved_call(
    gated_client: tuple[Client, Services], sandbox: Sandbox, tool: str
) -> None:
    client, services = gated_client
    approved = await approved_call(client, services, sandbox, tool)
    before = sandbox_size(tool, sandbox)
    for fake in look_alikes(approved.approval_id):
        result = await call(client, tool, {**approved.args, "approval_id": fake})
        error = assert_structured(result)
        assert error["code"] == "input.invalid", (fake, error)
        assert approved.untouched(sandbox, before), fake
        assert recorded(services, tool)["args"]["approval_id"] == fake
    assert services.approvals.get(approved.approval_id).status == "approved"
    # The real id still runs the call once: the look-alikes failed for what they are, not by accident.
    done = await call(client, tool, {**approved.args, "approval_id": approved.approval_id})
    assert not done.is_error, done
    assert not approved.untouched(sandbox, before)


@pytest.mark.parametrize("tool", ["message_send", "number_release"])
@pytest.mark.parametrize("body", ["gated: your table is ready", "Your table is ready."])
async def test_a_well_formed_id_that_does_not_exist_is_refused_by_the_policy_even_on_an_allowed_call(
    gated_client: tuple[Client, Services], sandbox: Sandbox, tool: str, body: str
) -> None:
    client, services = gated_client
    args = send_args(body=body) if tool == "message_send" else {"sid": seeded_number(sandbox)}
    before = sandbox_size(tool, sandbox)
    result = await call(client, tool, {**args, "approval_id": UNKNOWN})
    error = assert_structured(result)
    assert error["code"] == "policy.approval_invalid", error
    assert sandbox_size(tool, sandbox) == before
    assert services.approvals.list() == []  # no request was opened on the agent's behalf
    entry = recorded(services, tool)
    assert (entry["outcome"], entry["code"], entry["approval_id"]) == ("refused", "policy.approval_invalid", UNKNOWN)
    assert services.stores.send_counter.count(services.profile, "message_send") == 0


async def test_an_approval_granted_for_another_call_does_not_run_this_one(
    gated_client: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, services = gated_client
    approved = await approved_call(client, services, sandbox, "message_send")
    before = len(sandbox.state.messages)
    for other in (
        send_args(body="Your table is ready."),  # a call the policy allows, riding on another's approval
        send_args(body="gated: something else"),
        send_args(body=approved.args["body"], to="+14155550111"),
    ):
        result = await call(client, "message_send", {**other, "approval_id": approved.approval_id})
        assert assert_structured(result)["code"] == "policy.approval_mismatch"
    released = await call(
        client, "number_release", {"sid": seeded_number(sandbox), "approval_id": approved.approval_id}
    )
    assert assert_structured(released)["code"] == "policy.approval_mismatch"
    assert len(sandbox.state.messages) == before
    assert services.approvals.get(approved.approval_id).status == "approved"


async def test_a_read_tool_refuses_an_approval_id_as_an_unknown_argument(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    for value in (UNKNOWN, None, 2**64, {"id": UNKNOWN}):
        result = await call(client, "numbers_list", {"approval_id": value})
        error = assert_structured(result)
        assert error["code"] == "input.invalid" and "approval_id" in error["message"]
