"""Local checks run before the policy gate: a call that could never succeed is refused at once, and
no approval is opened (or used up) for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, Settings
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio
GATED = (
    "number_configure",
    "messaging_service_update",
    "studio_flow_deploy",
    "studio_flow_export",
    "studio_execution_start",
    "verification_start",
    "verification_check",
    "email_suppression_remove",
    "webhook_probe",
    "call_create",
    "call_update",
    "apikey_create",
)
NUMBER = make_sid("PN", "seed", "+15005550006")
FLOW = make_sid("FW", "seed", "survey")
VERIFY_SERVICE = make_sid("VA", "seed", "verify")
MESSAGING_SERVICE = "MG" + "1" * 32
CALL = "CA" + "1" * 32
BROKEN_FLOW = '{"states": [], "initial_state": "Trigger"}'


@pytest.fixture
async def gated(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[tuple[Client, Services]]:
    """A client whose policy sends every tool above (and every destructive one) to an operator."""
    policy = tmp_path / "gated.toml"
    policy.write_text("[tools]\n" + "".join(f'{name} = "approve"\n' for name in GATED))
    gated_settings = settings.with_overrides(policy_path=policy)
    services = build_services(gated_settings, sandbox=sandbox)
    async with Client(build_server(gated_settings, services)) as connected:
        yield connected, services
    await services.aclose()


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("subaccount_set_status", {"sid": SANDBOX_ACCOUNT_SID, "status": "closed"}, "input.not_a_subaccount"),
    ("number_configure", {"sid": NUMBER}, "input.nothing_to_change"),
    ("number_configure", {"sid": NUMBER, "sms_url": "https://[bad/sms"}, "input.invalid_url"),
    ("number_configure", {"sid": NUMBER, "voice_url": "/relative"}, "input.invalid_url"),
    ("messaging_service_update", {"sid": MESSAGING_SERVICE}, "input.nothing_to_change"),
    ("studio_flow_deploy", {"sid": FLOW, "definition": BROKEN_FLOW}, "input.invalid_flow_definition"),
    ("studio_flow_deploy", {"definition": BROKEN_FLOW, "status": "published"}, "input.flow_target_required"),
    ("studio_flow_export", {"sid": FLOW, "path": "state.db"}, "input.invalid"),
    ("studio_execution_start", {"flow_sid": FLOW, "to": "12", "from": "+15005550006"}, "input.invalid_phone"),
    ("studio_execution_start", {"flow_sid": FLOW, "to": "+14155550100", "from": "nope!"}, "input.invalid_phone"),
    ("verification_start", {"service_sid": VERIFY_SERVICE, "to": "12"}, "input.invalid_phone"),
    ("verification_start", {"service_sid": VERIFY_SERVICE, "to": "x", "channel": "email"}, "input.invalid_email"),
    ("optout_remove", {"phone_number": "12"}, "input.invalid_phone"),
    ("email_suppression_remove", {"kind": "bounces", "email": "not an address"}, "input.invalid_email"),
    ("webhook_probe", {"url": "https://[bad/hook"}, "input.invalid_url"),
    ("webhook_probe", {"url": "ftp://example.com/hook"}, "input.invalid_url"),
    (
        "call_create",
        {"to": "+14155550100", "from": "+15005550006", "twiml": "<Response><Dial>+442071838750</Dial></Response>"},
        "policy.country_not_allowed",
    ),
    (
        "call_update",
        {"sid": CALL, "twiml": "<Response><Dial><Number>+442071838750</Number></Dial></Response>"},
        "policy.country_not_allowed",
    ),
]


@pytest.mark.parametrize(("tool", "args", "code"), REFUSED, ids=[f"{t}-{c}" for t, _, c in REFUSED])
async def test_a_call_that_cannot_succeed_is_refused_before_an_approval_is_opened(
    gated: tuple[Client, Services], tool: str, args: dict[str, Any], code: str
) -> None:
    client, services = gated
    refused = await call(client, tool, args)
    assert refused.error["code"] == code, refused
    assert refused.error["approval"] is None
    assert services.stores.approvals.list() == []


async def test_the_local_verify_cooldown_is_checked_before_an_approval_is_opened(
    gated: tuple[Client, Services],
) -> None:
    client, services = gated
    services.stores.verify_sends.record(services.profile, "+14155550100", "sms")
    refused = await call(client, "verification_start", {"service_sid": VERIFY_SERVICE, "to": "(415) 555-0100"})
    assert refused.error["code"] == "policy.verify_cooldown"
    assert services.stores.approvals.list() == []


async def test_a_call_that_passes_the_checks_still_waits_for_the_operator(gated: tuple[Client, Services]) -> None:
    client, services = gated
    waiting = await call(client, "number_configure", {"sid": NUMBER, "sms_url": "https://example.com/sms"})
    assert waiting.error["code"] == "policy.approval_required"
    assert waiting.error["approval"]["summary"] == (
        f'Change phone number "{NUMBER}": sms_url="https://example.com/sms".'
    )
    done = await call(
        client,
        "number_configure",
        {"sid": NUMBER, "sms_url": "https://example.com/sms", "approval_id": await approve(services, waiting)},
    )
    assert not done.is_error, done
    assert done.data["sms_url"] == "https://example.com/sms"


async def test_a_verification_check_summary_never_shows_the_code(gated: tuple[Client, Services]) -> None:
    client, services = gated
    waiting = await call(
        client, "verification_check", {"service_sid": VERIFY_SERVICE, "to": "+14155550100", "code": "918273"}
    )
    summary = waiting.error["approval"]["summary"]
    # The number is masked like every phone number in a summary; the code never appears at all.
    assert (
        summary == f'Check a code against the verification sent to "+1415***0100" (Verify service "{VERIFY_SERVICE}").'
    )
    (stored,) = services.stores.approvals.list()
    assert "918273" not in stored.summary and "918273" not in stored.args_json


async def test_an_api_key_creation_is_summarised_for_the_operator(gated: tuple[Client, Services]) -> None:
    client, _ = gated
    waiting = await call(client, "apikey_create", {"friendly_name": "ci-deploy"})
    assert waiting.error["approval"]["summary"] == (
        'Create API key "ci-deploy"; its secret goes to the local secret sink.'
    )


async def test_studio_flow_export_is_listed_as_a_write_tool(client: Client) -> None:
    listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    export = listed["studio_flow_export"]
    assert export.annotations is not None
    assert export.annotations.read_only_hint is not True
    assert export.annotations.destructive_hint is False
