from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, SANDBOX_ACCOUNT_SID, Settings
from skill.core.context import Services
from skill.errors import UpstreamError
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import Called, approve, call

pytestmark = pytest.mark.anyio
OLD_KEY = make_sid("SK", "seed", "deploy")


async def rotate(client: Client, services: Services, old_key_sid: str = OLD_KEY) -> Called:
    """Call credentials_rotate, approve it as an operator, and call again."""
    gated = await call(client, "credentials_rotate", {"old_key_sid": old_key_sid})
    assert gated.error["code"] == "policy.approval_required", gated
    approval_id = await approve(services, gated)
    return await call(client, "credentials_rotate", {"old_key_sid": old_key_sid, "approval_id": approval_id})


def sink_lines(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return dict(re.findall(r"^(TWILIO_API_KEY_\w+)=(\S+)$", path.read_text(), re.MULTILINE))


async def authenticates(sandbox: Sandbox, sid: str, secret: str) -> bool:
    token = base64.b64encode(f"{sid}:{secret}".encode()).decode()
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox") as http:
        response = await http.get(
            f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/IncomingPhoneNumbers.json",
            headers={"Authorization": f"Basic {token}", "X-Twilio-Host": "api.twilio.com"},
            timeout=10,
        )
    return response.status_code == 200


async def test_rotation_waits_for_approval_and_changes_nothing_before(client: Client, sandbox: Sandbox) -> None:
    before = set(sandbox.state.keys)
    gated = await call(client, "credentials_rotate", {"old_key_sid": OLD_KEY})
    assert gated.error["code"] == "policy.approval_required"
    assert OLD_KEY in gated.error["approval"]["summary"]
    assert set(sandbox.state.keys) == before


async def test_rotation_replaces_the_key_only_after_the_new_one_authenticates(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    result = await rotate(client, services)
    assert not result.is_error, result
    data = result.data
    assert data["rotated"] is True and data["restart_required"] is False
    new_sid = data["new_key_sid"]
    assert [s["step"] for s in data["steps"]] == [
        "check_old",
        "create",
        "store",
        "verify",
        "revoke_old",
        "unstore_old",
    ]
    assert all(step["ok"] for step in data["steps"])
    assert OLD_KEY not in sandbox.state.keys
    assert new_sid in sandbox.state.keys
    secret = sandbox.state.keys[new_sid]["secret"]
    lines = sink_lines(services.settings.secrets_path)
    assert lines == {f"TWILIO_API_KEY_{new_sid}": secret}
    assert data["env_var"] == f"TWILIO_API_KEY_{new_sid}"
    assert await authenticates(sandbox, new_sid, secret)
    assert secret not in json.dumps(data)
    events = [e for e in services.stores.audit.tail(50) if e.event.startswith("rotation.")]
    assert {e.event for e in events} >= {"rotation.create", "rotation.verify", "rotation.revoke_old"}
    assert all(secret not in json.dumps(e.detail) for e in events)


async def test_rotation_whose_new_key_fails_keeps_the_old_key_and_takes_the_new_one_back(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    sandbox.state.keys_fail_auth = True
    result = await rotate(client, services)
    assert not result.is_error, result
    data = result.data
    assert data["rotated"] is False and "new_key_sid" not in data
    steps = {s["step"]: s["ok"] for s in data["steps"]}
    assert steps["verify"] is False
    assert steps["delete_new"] is True and steps["unstore_new"] is True
    assert "revoke_old" not in steps
    assert parent_keys(sandbox) == [OLD_KEY]
    assert sink_lines(services.settings.secrets_path) == {}
    assert "left untouched" in data["message"]
    outcomes = {e.event: e.outcome for e in services.stores.audit.tail(50) if e.event.startswith("rotation.")}
    assert outcomes["rotation.verify"] == "error"
    assert "rotation.revoke_old" not in outcomes


async def test_rotating_the_skills_own_key_says_to_restart_with_the_new_one(home: Path, sandbox: Sandbox) -> None:
    settings = Settings(home=home, api_key=OLD_KEY, toolsets=ALL_TOOLSETS)
    services = build_services(settings, sandbox=sandbox)
    try:
        async with Client(build_server(settings, services)) as own:
            result = await rotate(own, services)
    finally:
        await services.aclose()
    assert not result.is_error, result
    assert result.data["rotated"] is True and result.data["restart_required"] is True
    new_sid = result.data["new_key_sid"]
    assert f"TWILIO_API_KEY={new_sid}" in result.data["message"]
    assert f"TWILIO_API_KEY_{new_sid}" in result.data["message"]


async def test_rotating_an_unknown_key_is_refused_before_an_approval_is_opened(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    result = await call(client, "credentials_rotate", {"old_key_sid": "SK" + "0" * 32})
    assert result.error["code"] == "twilio.20404"
    assert result.error["approval"] is None
    assert services.stores.approvals.list() == []
    assert parent_keys(sandbox) == [OLD_KEY]


async def test_the_operator_sees_which_key_is_replaced_and_that_it_cannot_be_undone(client: Client) -> None:
    gated = await call(client, "credentials_rotate", {"old_key_sid": OLD_KEY})
    impact = gated.error["approval"]["impact"]
    assert impact["resource"] == f'API key "deploy key" ({OLD_KEY})'
    facts = {fact["label"]: fact["value"] for fact in impact["facts"]}
    assert facts["used by this server"] == "no" and facts["secret in this server's sink"] == "no"
    assert {fact["label"]: fact["value"] for fact in impact["blast_radius"]}["restart"] == "nothing on this server"
    assert impact["reversibility"] == "not reversible"


async def test_rotating_the_servers_own_key_tells_the_operator_a_restart_follows(home: Path, sandbox: Sandbox) -> None:
    settings = Settings(home=home, api_key=OLD_KEY, toolsets=ALL_TOOLSETS)
    services = build_services(settings, sandbox=sandbox)
    try:
        async with Client(build_server(settings, services)) as own:
            gated = await call(own, "credentials_rotate", {"old_key_sid": OLD_KEY})
    finally:
        await services.aclose()
    impact = gated.error["approval"]["impact"]
    assert {fact["label"]: fact["value"] for fact in impact["facts"]}["used by this server"] == "yes"
    restart = {fact["label"]: fact["value"] for fact in impact["blast_radius"]}["restart"]
    assert restart == "this server must restart with the new key"


async def test_a_rotation_refused_part_way_keeps_its_approval_used_since_it_makes_several_changes(
    client: Client, services: Services, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    gated = await call(client, "credentials_rotate", {"old_key_sid": OLD_KEY})
    approval_id = await approve(services, gated)

    async def refused(friendly_name: str | None) -> tuple[object, str]:
        raise UpstreamError("Create API key: refused", code="twilio.20001", http_status=400)

    monkeypatch.setattr(services.twilio.keys, "create", refused)
    result = await call(client, "credentials_rotate", {"old_key_sid": OLD_KEY, "approval_id": approval_id})
    assert result.error["code"] == "twilio.20001"
    assert "used up" in result.error["approval"]["note"]
    assert services.approvals.get(approval_id).status == "used"


def parent_keys(sandbox: Sandbox) -> list[str]:
    """The parent account's keys (each subaccount has its own besides)."""
    return [sid for sid, key in sandbox.state.keys.items() if key["account_sid"] == SANDBOX_ACCOUNT_SID]
