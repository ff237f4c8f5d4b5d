"""Voice calls that wait for an operator: the target is fetched first, a call that could not run opens
no approval, and the approval says what the call would touch and whether it can be undone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio
CALLER = "+15005550006"
CALLEE = "+14155550199"
SEEDED_RECORDING = make_sid("RE", "seed", "recording", 0)  # 95 s, of a call from the support line
SEEDED_CALL = make_sid("CA", "seed", "call", 0)
GATED = ("call_create", "call_update", "ivr_deploy")
IVR_BASE = "https://hooks.example.com/twilio/voice/ivr"
MENU = {
    "base_url": IVR_BASE,
    "start": "main",
    "nodes": [{"id": "main", "prompt": "Bye.", "action": {"kind": "hangup"}}],
}


@pytest.fixture
async def gated(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[tuple[Client, Services]]:
    """A client whose policy sends every voice write to an operator."""
    policy = tmp_path / "gated.toml"
    policy.write_text("[tools]\n" + "".join(f'{name} = "approve"\n' for name in GATED))
    gated_settings = settings.with_overrides(policy_path=policy)
    services = build_services(gated_settings, sandbox=sandbox)
    async with Client(build_server(gated_settings, services)) as connected:
        yield connected, services
    await services.aclose()


def facts(impact: dict[str, Any]) -> dict[str, str]:
    return {fact["label"]: fact["value"] for fact in impact["facts"]}


async def test_deleting_an_unknown_recording_is_not_found_and_opens_no_approval(
    client: Client, services: Services
) -> None:
    refused = await call(client, "recording_delete", {"sid": "RE" + "0" * 32})
    assert refused.error["code"] == "twilio.20404"
    assert refused.error["approval"] is None
    assert services.stores.approvals.list() == []


async def test_a_recording_delete_approval_names_the_call_its_length_and_date_and_says_it_is_final(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    gated = await call(client, "recording_delete", {"sid": SEEDED_RECORDING})
    impact = gated.error["approval"]["impact"]
    assert SEEDED_RECORDING in impact["resource"]
    shown = facts(impact)
    assert shown["call"] == f"{SEEDED_CALL} from +14155550142 to +14155550199"
    assert shown["duration"] == "95 s" and shown["status"] == "completed"
    started = sandbox.state.recordings[SEEDED_RECORDING]["start"]
    assert shown["recorded"] == datetime.fromtimestamp(int(started), UTC).isoformat()
    assert impact["reversibility"] == "not reversible"
    deleted = await call(
        client, "recording_delete", {"sid": SEEDED_RECORDING, "approval_id": await approve(services, gated)}
    )
    assert deleted.data == {"sid": SEEDED_RECORDING, "deleted": True, "environment": "sandbox"}


async def test_a_recording_whose_call_is_gone_still_names_the_call_sid(client: Client, sandbox: Sandbox) -> None:
    del sandbox.state.calls[SEEDED_CALL]
    gated = await call(client, "recording_delete", {"sid": SEEDED_RECORDING})
    assert facts(gated.error["approval"]["impact"])["call"] == SEEDED_CALL


async def place(client: Client, **extra: Any) -> str:
    placed = await call(
        client, "call_create", {"to": CALLEE, "from": CALLER, "url": "https://example.com/ivr", **extra}
    )
    assert not placed.is_error, placed
    return str(placed.data["sid"])


@pytest.mark.parametrize(
    ("change", "steps", "code"),
    [
        ({"status": "completed"}, 0, "twilio.20404"),
        ({"status": "canceled"}, 2, "twilio.21220"),
        ({"twiml": "<Response><Hangup/></Response>"}, 5, "twilio.21220"),
        ({"status": "completed"}, 5, "twilio.21220"),
    ],
    ids=["unknown call", "cancel once answered", "redirect after the end", "hang up after the end"],
)
async def test_a_call_update_that_could_not_run_opens_no_approval(
    client: Client,
    gated: tuple[Client, Services],
    sandbox: Sandbox,
    change: dict[str, str],
    steps: int,
    code: str,
) -> None:
    gated_client, services = gated
    sid = await place(client) if steps else "CA" + "2" * 32
    sandbox.clock.advance(steps * sandbox.step_seconds)
    refused = await call(gated_client, "call_update", {"sid": sid, **change})
    assert refused.error["code"] == code, refused
    assert refused.error["approval"] is None and refused.error["remediation"]
    assert services.stores.approvals.list() == []


async def test_a_call_update_approval_shows_the_live_call_and_what_changes(
    client: Client, gated: tuple[Client, Services], sandbox: Sandbox
) -> None:
    gated_client, services = gated
    sid = await place(client)
    sandbox.clock.advance(2 * sandbox.step_seconds)
    redirect = await call(gated_client, "call_update", {"sid": sid, "url": "https://example.com/next"})
    impact = redirect.error["approval"]["impact"]
    assert sid in impact["resource"] and CALLEE in impact["resource"]
    assert facts(impact)["status"] == "in-progress" and facts(impact)["from"] == CALLER
    assert facts(impact)["redirect to"] == "https://example.com/next"
    assert impact["reversibility"] == "reversible"
    hang_up = await call(gated_client, "call_update", {"sid": sid, "status": "completed"})
    assert hang_up.error["approval"]["impact"]["reversibility"] == "not reversible"
    approved = await approve(services, hang_up)
    ended = await call(gated_client, "call_update", {"sid": sid, "status": "completed", "approval_id": approved})
    assert ended.data["status"] == "completed"


async def test_a_call_create_approval_names_the_callee_the_caller_id_and_the_cost(
    gated: tuple[Client, Services], sandbox: Sandbox
) -> None:
    gated_client, _ = gated
    twiml = "<Response><Say>Your table is ready.</Say></Response>"
    asked = await call(
        gated_client, "call_create", {"to": "(415) 555-0199", "from": CALLER, "twiml": twiml, "record": True}
    )
    impact = asked.error["approval"]["impact"]
    assert impact["resource"] == f"a call to {CALLEE}"
    assert facts(impact) == {
        "caller ID": CALLER,
        "instructions": f"inline TwiML ({len(twiml)} characters)",
        "recorded": "yes",
    }
    assert impact["reversibility"] == "costs money"
    cost = impact["cost"]
    assert (cost["amount"], cost["currency"], cost["estimate"]) == ("0.07", "USD", True)
    assert "per minute x 5 minutes" in cost["basis"] and "call_minutes" in cost["basis"]
    assert [c for c in sandbox.state.calls.values() if c["twiml"]] == []


async def test_a_call_create_approval_without_a_listed_price_is_still_asked_without_a_cost(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    policy = tmp_path / "anywhere.toml"
    policy.write_text('[limits]\nallowed_countries = ["*"]\n\n[tools]\ncall_create = "approve"\n')
    anywhere = settings.with_overrides(policy_path=policy)
    services = build_services(anywhere, sandbox=sandbox)
    async with Client(build_server(anywhere, services)) as client:
        asked = await call(client, "call_create", {"to": "+81312345678", "from": CALLER, "url": "https://e.com/a"})
    await services.aclose()
    impact = asked.error["approval"]["impact"]
    assert impact["resource"] == "a call to +81312345678" and impact["cost"] is None
    assert impact["reversibility"] == "costs money"


async def test_an_ivr_deploy_approval_says_whether_it_replaces_a_deployed_menu(
    client: Client, gated: tuple[Client, Services]
) -> None:
    gated_client, services = gated
    first = await call(gated_client, "ivr_deploy", {"name": "front", "menu": MENU})
    impact = first.error["approval"]["impact"]
    assert impact["resource"] == "new IVR menu front" and impact["blast_radius"] == []
    assert facts(impact)["start URL"] == f"{IVR_BASE}/front/main"
    deployed = await call(
        gated_client, "ivr_deploy", {"name": "front", "menu": MENU, "approval_id": await approve(services, first)}
    )
    assert deployed.data["replaced"] is False
    again = await call(gated_client, "ivr_deploy", {"name": "front", "menu": MENU, "max_invalid": 5})
    replaced = again.error["approval"]["impact"]
    assert replaced["resource"] == "IVR menu front"
    assert [fact["label"] for fact in replaced["blast_radius"]] == ["replaces"]
    assert "(1 nodes)" in replaced["blast_radius"][0]["value"]
