from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.errors import ConfigError
from skill.policy.policy import load_policy
from skill.policy.tiers import Tier
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio

POLICY = """
[tiers]
WRITE = "allow"
[tools]
subaccount_create = "allow"
apikey_create = "deny"
[[rules]]
tool = "subaccount_create"
when = { friendly_name = "prod*" }
action = "approve"
[[rules]]
tool = "subaccount_create"
when = { friendly_name = "forbidden*" }
action = "deny"
[limits]
sends_per_day = 3
allowed_countries = ["US"]
"""


@pytest.fixture
def policy_settings(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return settings.with_overrides(policy_path=path)


@pytest.fixture
async def policy_client(policy_settings: Settings, sandbox: Sandbox) -> AsyncIterator[tuple[Client, Services]]:
    services = build_services(policy_settings, sandbox=sandbox)
    async with Client(build_server(policy_settings, services)) as connected:
        yield connected, services
    await services.aclose()


def test_the_built_in_policy_allows_reads_writes_sends_and_gates_destructive_calls() -> None:
    policy = load_policy(None)
    assert policy.action_for("x", Tier.READ, {})[0] == "allow"
    assert policy.action_for("x", Tier.WRITE, {})[0] == "allow"
    assert policy.action_for("x", Tier.SEND, {})[0] == "allow"
    assert policy.action_for("x", Tier.DESTRUCTIVE, {})[0] == "approve"


def test_a_policy_file_with_an_unknown_action_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[tools]\nmessage_send = "maybe"\n')
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert "allow, approve, deny" in info.value.remediation[0]


def test_a_policy_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[tools\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_policy(path)


async def test_a_denied_tool_does_nothing_and_says_why(policy_client: tuple[Client, Services]) -> None:
    client, services = policy_client
    before = await call(client, "subaccounts_list")
    result = await call(client, "subaccount_create", {"friendly_name": "forbidden-one"})
    assert result.error["code"] == "policy.denied"
    assert "Nothing was done" in result.error["message"]
    after = await call(client, "subaccounts_list")
    assert after.data["count"] == before.data["count"]
    entries = services.stores.audit.tail(5, tool="subaccount_create")
    assert entries[-1].outcome == "refused" and entries[-1].detail["code"] == "policy.denied"


async def test_a_rule_on_arguments_gates_only_matching_calls(policy_client: tuple[Client, Services]) -> None:
    client, services = policy_client
    free = await call(client, "subaccount_create", {"friendly_name": "staging-2"})
    assert not free.is_error
    gated = await call(client, "subaccount_create", {"friendly_name": "prod-eu"})
    assert gated.error["code"] == "policy.approval_required"
    approval_id = await approve(services, gated)
    done = await call(client, "subaccount_create", {"friendly_name": "prod-eu", "approval_id": approval_id})
    assert not done.is_error


async def test_an_approval_is_bound_to_its_exact_arguments(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    subs = (await call(client, "subaccounts_list")).data["items"]
    first, second = subs[0]["sid"], subs[1]["sid"]
    gated = await call(client, "subaccount_set_status", {"sid": first, "status": "suspended"})
    approval_id = await approve(services, gated)
    args = {"status": "suspended", "approval_id": approval_id}
    other = await call(client, "subaccount_set_status", {"sid": second, **args})
    assert other.error["code"] == "policy.approval_mismatch"
    assert sandbox.state.accounts[second]["status"] == "active"
    ok = await call(client, "subaccount_set_status", {"sid": first, **args})
    assert not ok.is_error
    again = await call(client, "subaccount_set_status", {"sid": first, **args})
    assert again.error["code"] == "policy.approval_used"


async def test_a_pending_or_denied_approval_runs_nothing(client: Client, services: Services, sandbox: Sandbox) -> None:
    sid = (await call(client, "subaccounts_list")).data["items"][0]["sid"]
    args = {"sid": sid, "status": "closed"}
    gated = await call(client, "subaccount_set_status", args)
    approval_id = gated.error["approval"]["id"]
    pending = await call(client, "subaccount_set_status", {**args, "approval_id": approval_id})
    assert pending.error["code"] == "policy.approval_pending"
    services.approvals.decide(approval_id, approve=False, operator="op", reason="not today")
    denied = await call(client, "subaccount_set_status", {**args, "approval_id": approval_id})
    assert denied.error["code"] == "policy.approval_denied"
    assert "not today" in denied.error["message"]
    status = await call(client, "approval_status", {"approval_id": approval_id})
    assert status.data["status"] == "denied"
    assert sandbox.state.accounts[sid]["status"] == "active"


async def test_an_expired_approval_is_refused(client: Client, services: Services, wall_clock: ManualClock) -> None:
    sid = (await call(client, "subaccounts_list")).data["items"][0]["sid"]
    args = {"sid": sid, "status": "suspended"}
    gated = await call(client, "subaccount_set_status", args)
    approval_id = await approve(services, gated)
    wall_clock.advance(services.settings.approval_ttl_seconds)
    expired = await call(client, "subaccount_set_status", {**args, "approval_id": approval_id})
    assert expired.error["code"] == "policy.approval_expired"
    status = await call(client, "approval_status", {"approval_id": approval_id})
    assert status.data["status"] == "expired"


async def test_approval_status_of_an_unknown_id_is_a_clear_error(client: Client) -> None:
    result = await call(client, "approval_status", {"approval_id": "apr_0000000000000000"})
    assert result.error["code"] == "not_found.approval"


async def test_no_tool_can_approve_a_request(client: Client) -> None:
    names = {tool.name for tool in (await client.list_tools()).tools}
    assert not any("approve" in name for name in names)
    for tool in (await client.list_tools()).tools:
        assert "approve" not in " ".join(tool.input_schema.get("properties", {}))


async def test_a_send_to_a_country_outside_the_policy_is_refused_and_nothing_is_sent(
    policy_client: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, services = policy_client
    before = len(sandbox.state.messages)
    args = {"to": "+442071838750", "from": "+15005550006", "body": "hello"}
    result = await call(client, "message_send", args)
    assert result.error["code"] == "policy.country_not_allowed"
    assert "GB" in result.error["message"]
    assert len(sandbox.state.messages) == before


async def test_sends_beyond_the_daily_cap_wait_for_approval(policy_client: tuple[Client, Services]) -> None:
    client, services = policy_client
    args = {"to": "+14155550100", "from": "+15005550006", "body": "hello"}
    for _ in range(3):
        sent = await call(client, "message_send", args)
        assert not sent.is_error, sent
    over = await call(client, "message_send", args)
    assert over.error["code"] == "policy.approval_required"
    assert "daily limit of 3" in over.error["message"]
    approval_id = await approve(services, over)
    done = await call(client, "message_send", {**args, "approval_id": approval_id})
    assert not done.is_error, done


async def test_a_call_that_could_never_run_is_refused_before_an_approval_is_opened(
    policy_client: tuple[Client, Services],
) -> None:
    client, services = policy_client
    args = {"to": "+14155550100", "from": "+15005550006", "body": "hello"}
    for _ in range(3):
        assert not (await call(client, "message_send", args)).is_error
    invalid = await call(client, "message_send", {**args, "to": "12345"})
    assert invalid.error["code"] == "input.invalid_phone"
    services.stores.suppressions.add("+14155550100", source="test")
    opted_out = await call(client, "message_send", args)
    assert opted_out.error["code"] == "policy.opted_out"
    assert services.stores.approvals.list() == []


async def test_parallel_sends_cannot_pass_the_daily_cap_together(policy_client: tuple[Client, Services]) -> None:
    client, services = policy_client
    args = {"to": "+14155550100", "from": "+15005550006", "body": "hello"}
    results: list[Any] = []

    async def send_one() -> None:
        results.append(await call(client, "message_send", args))

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(send_one)
    sent = [r for r in results if not r.is_error]
    gated = [r for r in results if r.is_error and r.error["code"] == "policy.approval_required"]
    assert len(sent) == 3 and len(gated) == 5
    assert services.stores.send_counter.count(services.profile, "message_send") == 3


async def test_a_failed_send_gives_its_place_under_the_cap_back(policy_client: tuple[Client, Services]) -> None:
    client, services = policy_client
    failed = await call(client, "message_send", {"to": "+15005550001", "from": "+15005550006", "body": "x"})
    assert failed.error["code"] == "twilio.21211"
    assert services.stores.send_counter.count(services.profile, "message_send") == 0


async def test_rules_match_the_destination_however_it_is_written(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[[rules]]\ntool = "message_send"\nwhen = { to = "+1212*" }\naction = "deny"\n')
    ruled = settings.with_overrides(policy_path=path)
    services = build_services(ruled, sandbox=sandbox)
    async with Client(build_server(ruled, services)) as client:
        for written in ("+12125550100", "(212) 555-0100", "whatsapp:+12125550100", "212.555.0100"):
            result = await call(client, "message_send", {"to": written, "from": "+15005550006", "body": "x"})
            assert result.error["code"] == "policy.denied", written
    await services.aclose()
    assert sandbox.state.messages == {}


def test_a_policy_naming_an_unknown_tool_or_argument_is_refused_when_the_server_is_built(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(
        '[tools]\nmesage_send = "deny"\n[[rules]]\ntool = "message_send"\nwhen = { from_ = "+1*" }\naction = "deny"\n'
    )
    with pytest.raises(ConfigError) as info:
        build_server(settings.with_overrides(policy_path=path))
    assert info.value.code == "config.policy_unknown_name"
    assert "mesage_send" in info.value.message
    assert "no argument 'from_'" in info.value.message  # rules match the names agents send, e.g. "from"


def test_a_limit_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "limits.toml"
    path.write_text('[limits]\nsends_per_day = "lots"\n')
    with pytest.raises(ConfigError, match="sends_per_day"):
        load_policy(path)


async def test_reactivating_a_subaccount_needs_no_approval(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    sid = (await call(client, "subaccounts_list")).data["items"][0]["sid"]
    sandbox.state.accounts[sid]["status"] = "suspended"
    result = await call(client, "subaccount_set_status", {"sid": sid, "status": "active"})
    assert not result.is_error, result
    assert sandbox.state.accounts[sid]["status"] == "active"


def test_api_writes_wait_for_approval_unless_api_allow_names_the_operation(tmp_path: Path) -> None:
    built_in = load_policy(None)
    assert built_in.action_for("twilio_api_call", Tier.WRITE, {"operation": "sync_v1.CreateService"})[0] == "approve"
    assert built_in.action_for("twilio_api_call", Tier.READ, {"operation": "sync_v1.ListService"})[0] == "allow"
    assert built_in.action_for("twilio_api_call", Tier.DESTRUCTIVE, {"operation": "sync_v1.DeleteService"})[0] == (
        "approve"
    )
    assert built_in.may_require_approval("twilio_api_call", Tier.WRITE)
    path = tmp_path / "api.toml"
    path.write_text('[api]\nallow = ["conversations_v1.*", "sync_v1.CreateDocument"]\n')
    policy = load_policy(path)
    allowed = policy.action_for("twilio_api_call", Tier.WRITE, {"operation": "conversations_v1.CreateConversation"})
    assert allowed == ("allow", "[api].allow names conversations_v1.CreateConversation")
    assert policy.action_for("twilio_api_call", Tier.WRITE, {"operation": "sync_v1.CreateDocument"})[0] == "allow"
    assert policy.action_for("twilio_api_call", Tier.WRITE, {"operation": "sync_v1.UpdateDocument"})[0] == "approve"
    # [api].allow lifts approval for writes only; a delete stays with its tier's default.
    delete = policy.action_for(
        "twilio_api_call", Tier.DESTRUCTIVE, {"operation": "conversations_v1.DeleteConversation"}
    )
    assert delete[0] == "approve"
    assert policy.describe()["api"] == {"allow": ["conversations_v1.*", "sync_v1.CreateDocument"]}


def test_api_allow_may_name_a_whole_product_or_spec_but_nothing_beyond_it(tmp_path: Path) -> None:
    path = tmp_path / "products.toml"
    path.write_text('[api]\nallow = ["taskrouter", "sync_v1", "api"]\n')
    policy = load_policy(path)

    def action(operation: str) -> str:
        return policy.action_for("twilio_api_call", Tier.WRITE, {"operation": operation})[0]

    assert action("taskrouter_v1.CreateWorker") == "allow"
    assert action("sync_v1.CreateDocument") == "allow"
    assert action("api_v2010.CreateQueue") == "allow"  # the product api is API v2010
    for other in ("accounts_v1.CreateCredentialAws", "chat_v2.CreateService", "trusthub_v1.CreateEndUser"):
        assert action(other) == "approve", other
    assert policy.action_for("twilio_api_call", Tier.DESTRUCTIVE, {"operation": "taskrouter_v1.DeleteWorker"})[0] == (
        "approve"
    )


def test_api_writes_follow_a_denying_write_tier_and_bad_api_sections_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "deny.toml"
    path.write_text('[tiers]\nWRITE = "deny"\n[api]\nallow = ["sync_v1.*"]\n')
    assert load_policy(path).action_for("twilio_api_call", Tier.WRITE, {"operation": "sync_v1.CreateService"})[0] == (
        "deny"
    )
    for bad in ('allow = "sync_v1.*"', "allow = [1]", 'allow = ["sync v1; rm"]'):
        path.write_text(f"[api]\n{bad}\n")
        with pytest.raises(ConfigError, match=r"\[api\].allow"):
            load_policy(path)
