"""Every tool that can wait for an operator shows what it would do: with every tier sent to an
operator, each gated tool's request carries an impact (the resource in human terms, a reversibility,
a cost for what costs money), and once approved the same call runs. A new gated tool with no case
here fails until it has one."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.policy.policy import Policy
from skill.policy.tiers import Tier
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.server.registry import all_tools
from skill.wiring import build_services
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio
Args = Callable[[Client, Services], Awaitable[dict[str, Any]]]
SENDER = "+15005550006"
FLOW = {
    "description": "impact",
    "initial_state": "Trigger",
    "flags": {},
    "states": [
        {"name": "Trigger", "type": "trigger", "transitions": [{"event": "incomingRequest", "next": "hi"}]},
        {"name": "hi", "type": "send-message", "transitions": [{"event": "sent"}], "properties": {"body": "Hi"}},
    ],
}


async def first(client: Client, tool: str, args: dict[str, Any] | None = None, **match: Any) -> dict[str, Any]:
    listed = await call(client, tool, args or {})
    assert not listed.is_error, listed
    items = listed.data.get("items") or listed.data.get("available") or []
    return next(item for item in items if all(item.get(key) == value for key, value in match.items()))


async def subaccount(client: Client, services: Services) -> dict[str, Any]:
    return {"sid": (await first(client, "subaccounts_list", status="active"))["sid"], "status": "suspended"}


async def key(client: Client, services: Services) -> dict[str, Any]:
    return {"sid": (await first(client, "apikeys_list"))["sid"]}


async def rotated_key(client: Client, services: Services) -> dict[str, Any]:
    return {"old_key_sid": (await first(client, "apikeys_list"))["sid"]}


async def service(client: Client, services: Services) -> dict[str, Any]:
    return {"sid": (await first(client, "messaging_services_list"))["sid"], "sticky_sender": False}


async def available(client: Client, services: Services) -> dict[str, Any]:
    return {"phone_number": (await first(client, "number_search", {"area_code": 415, "limit": 3}))["phone_number"]}


async def owned(client: Client, services: Services) -> dict[str, Any]:
    return {"sid": (await first(client, "numbers_list", phone_number="+14155550142"))["sid"]}


async def reconfigured(client: Client, services: Services) -> dict[str, Any]:
    return {**await owned(client, services), "voice_url": "https://example.com/voice-next"}


async def recording(client: Client, services: Services) -> dict[str, Any]:
    return {"sid": (await first(client, "recordings_list"))["sid"]}


async def verification(client: Client, services: Services) -> dict[str, Any]:
    return {"service_sid": (await first(client, "verify_services_list"))["sid"], "to": "+14155550100"}


async def suppression(client: Client, services: Services) -> dict[str, Any]:
    found = await first(client, "email_suppressions_list", {"kind": "bounces"})
    return {"kind": "bounces", "email": found["email"]}


async def flow(client: Client, services: Services) -> dict[str, Any]:
    sid = (await first(client, "studio_flows_list", status="published"))["sid"]
    return {"sid": sid, "definition": json.dumps(FLOW), "status": "published"}


async def execution(client: Client, services: Services) -> dict[str, Any]:
    sid = (await first(client, "studio_flows_list", status="published"))["sid"]
    return {"flow_sid": sid, "to": "+14155550100", "from": SENDER}


async def optout(client: Client, services: Services) -> dict[str, Any]:
    args = {"phone_number": "+14155550177"}
    waiting = await call(client, "optout_add", args)  # adding is a WRITE: this policy asks for it too
    assert not (await call(client, "optout_add", {**args, "approval_id": await approve(services, waiting)})).is_error
    return args


def fixed(args: dict[str, Any]) -> Args:
    async def given(client: Client, services: Services) -> dict[str, Any]:
        return args

    return given


async def sync_service(client: Client, services: Services) -> dict[str, Any]:
    made = await services.twilio.operations.request(
        "POST", "https://sync.twilio.com/v1/Services", what="a service to change", form={"FriendlyName": "s"}
    )
    return {
        "operation": "sync_v1.UpdateService",
        "parameters": json.dumps({"Sid": made[1]["sid"], "FriendlyName": "t"}),
    }


async def promotion(client: Client, services: Services) -> dict[str, Any]:
    """staging's configuration planned against prod (skill.sandbox.seed_fleet)."""
    exported = await call(client, "config_export", {"account": "staging", "roles": ["alerts=+18005550301"]})
    args = {"account": "prod", "roles": ["alerts=+18005550201"], "document": json.dumps(exported.data["document"])}
    planned = await call(client, "config_plan", args)
    return {**args, "plan_digest": planned.data["plan_digest"]}


CASES: dict[str, Args] = {
    "twilio_api_call": sync_service,
    "config_apply": promotion,
    "subaccount_set_status": subaccount,
    "apikey_revoke": key,
    "credentials_rotate": rotated_key,
    "message_send": fixed({"to": "+14155550199", "from": SENDER, "body": "Your order shipped."}),
    "bulk_send_create": fixed(
        {"body": "Your order shipped.", "from": SENDER, "recipients": [{"phone_number": "+14155550199"}]}
    ),
    "optout_remove": optout,
    "messaging_service_create": fixed({"friendly_name": "Impact pool"}),
    "messaging_service_update": service,
    "number_buy": available,
    "number_configure": reconfigured,
    "number_release": owned,
    "number_lookup": fixed({"phone_number": "+14155550140", "fields": ["line_type_intelligence"]}),
    "call_create": fixed({"to": "+14155550199", "from": SENDER, "twiml": "<Response><Say>Hi</Say></Response>"}),
    "recording_delete": recording,
    "verification_start": verification,
    "email_send": fixed({"to": ["ana@example.com"], "from": "team@example.com", "subject": "Hi", "text": "Hello"}),
    "email_suppression_remove": suppression,
    "studio_flow_deploy": flow,
    "studio_execution_start": execution,
    "usage_trigger_create": fixed(
        {"usage_category": "sms", "trigger_value": "100", "callback_url": "https://example.com/usage"}
    ),
}
COSTS_MONEY = {"number_buy"}
SENDS = {spec.name for spec in all_tools() if spec.tier is Tier.SEND}


def gated_tools() -> set[str]:
    strict = Policy(tier_actions=dict.fromkeys(Tier, "approve"))
    return {
        spec.name
        for spec in all_tools()
        if spec.tier is not Tier.READ
        and Policy().may_require_approval(spec.name, spec.tier, sets_webhooks=bool(spec.webhook_args))
        and strict.may_require_approval(spec.name, spec.tier, sets_webhooks=bool(spec.webhook_args))
    }


@pytest.fixture
async def strict(
    settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[Client, Services]]:
    """A client whose policy sends every call that changes anything to an operator."""
    policy = tmp_path / "strict.toml"
    policy.write_text('[tiers]\nWRITE = "approve"\nSEND = "approve"\nDESTRUCTIVE = "approve"\n')
    configured = settings.with_overrides(policy_path=policy)
    services = build_services(configured, sandbox=sandbox, clock=wall_clock)
    async with Client(build_server(configured, services)) as connected:
        yield connected, services
    await services.aclose()


def test_every_gated_tool_has_an_impact_case() -> None:
    assert gated_tools() <= set(CASES), sorted(gated_tools() - set(CASES))


@pytest.mark.parametrize("tool", sorted(CASES))
async def test_a_gated_call_shows_its_impact_and_runs_once_approved(tool: str, strict: tuple[Client, Services]) -> None:
    client, services = strict
    args = await CASES[tool](client, services)
    waiting = await call(client, tool, args)
    assert waiting.error["code"] == "policy.approval_required", waiting
    impact = waiting.error["approval"]["impact"]
    assert impact is not None, f"{tool} opened a request with no impact"
    assert impact["resource"].strip()
    assert impact["reversibility"] in ("reversible", "not reversible", "costs money")
    if tool in COSTS_MONEY or tool in SENDS:
        assert impact["cost"] is not None, impact
    done = await call(client, tool, {**args, "approval_id": await approve(services, waiting)})
    assert not done.is_error, done


async def test_lifting_an_opt_out_nobody_has_opens_no_request(strict: tuple[Client, Services]) -> None:
    client, services = strict
    refused = await call(client, "optout_remove", {"phone_number": "+14155550178"})
    assert refused.error["code"] == "input.not_opted_out"
    assert services.stores.approvals.list() == []
