"""The `account` argument: a call runs on the environment or subaccount it names, under that account's
policy, with approvals, audit entries and counters bound to it; the parent's credentials reach API v2010
for it and the account's own key the other product APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, Settings
from skill.core.context import Services
from skill.core.secret_sink import SecretSink
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.sandbox.seed_fleet import key_secret, key_sid, subaccount_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio
PROD, STAGING, DEV = (subaccount_sid(name) for name in ("prod", "staging", "dev"))


def phones(result: Any) -> set[str]:
    return {number["phone_number"] for number in result.data["items"]}


async def test_a_call_with_account_lists_that_accounts_numbers_only(client: Client) -> None:
    own = phones(await call(client, "numbers_list"))
    prod = phones(await call(client, "numbers_list", {"account": "prod"}))
    by_sid = phones(await call(client, "numbers_list", {"account": STAGING}))
    assert prod == {"+18005550201", "+18005550202"}
    assert by_sid == {"+18005550301"}
    assert not own & (prod | by_sid)
    assert phones(await call(client, "numbers_list", {"account": SANDBOX_ACCOUNT_SID})) == own


async def test_an_unknown_account_is_refused_before_anything_runs(client: Client, services: Services) -> None:
    for value in ("production", "AC123", "x" * 500, 7):
        result = await call(client, "numbers_list", {"account": value})
        assert result.error["code"] == "input.unknown_account"
        assert "prod, staging, dev" in result.error["message"]


async def test_a_tool_that_reaches_no_account_takes_no_account_argument(client: Client) -> None:
    listed = {tool.name: tool.input_schema["properties"] for tool in (await client.list_tools()).tools}
    assert "account" in listed["message_send"] and "account" in listed["numbers_list"]
    assert "account" not in listed["error_explain"] and "account" not in listed["email_send"]
    refused = await call(client, "error_explain", {"code": 30003, "account": "prod"})
    assert refused.error["code"] == "input.invalid"


async def test_an_approval_granted_in_dev_never_runs_in_prod(client: Client, services: Services) -> None:
    dev_numbers = (await call(client, "numbers_list", {"account": "dev"})).data["items"]
    sid = dev_numbers[0]["sid"]
    gated = await call(client, "number_release", {"sid": sid, "account": "dev"})
    assert gated.error["code"] == "policy.approval_required"
    assert f"On account dev ({DEV})." in gated.error["approval"]["summary"]
    approval_id = await approve(services, gated)
    for elsewhere in ({"account": "prod"}, {"account": STAGING}, {}):
        refused = await call(client, "number_release", {"sid": sid, "approval_id": approval_id, **elsewhere})
        assert refused.error["code"] == "policy.approval_mismatch", elsewhere
    assert len((await call(client, "numbers_list", {"account": "dev"})).data["items"]) == 1
    released = await call(client, "number_release", {"sid": sid, "approval_id": approval_id, "account": DEV})
    assert not released.is_error, released
    assert (await call(client, "numbers_list", {"account": "dev"})).data["items"] == []


async def test_audit_entries_carry_the_account(client: Client, services: Services) -> None:
    sent = await call(
        client, "message_send", {"to": "+14155550100", "body": "hi", "from": "+18005550201", "account": "prod"}
    )
    assert not sent.is_error, sent
    entry = services.stores.audit.tail(limit=1)[0]
    assert (entry.tool, entry.outcome) == ("message_send", "ok")
    assert entry.profile == f"sandbox@{PROD}"
    assert entry.detail["args"]["account"] == PROD


async def prod_number(client: Client) -> str:
    return str((await call(client, "numbers_list", {"account": "prod"})).data["items"][0]["sid"])


async def test_sends_are_counted_per_account(client: Client, services: Services) -> None:
    args = {"to": "+14155550100", "body": "hello", "from": "+18005550201", "account": "prod"}
    sent = await call(client, "message_send", args)
    assert not sent.is_error, sent
    counter = services.stores.send_counter
    assert counter.count(f"sandbox@{PROD}", "message_send") == 1
    assert counter.count("sandbox", "message_send") == 0


OVERLAY = f"""
[webhooks]
allowed_hosts = ["example.com"]

[environments.prod]
account_sid = "{PROD}"
api_key = "{key_sid("prod")}"
[environments.prod.tools]
number_configure = "approve"
[environments.prod.limits]
allowed_countries = ["US"]

[environments.staging]
account_sid = "{STAGING}"
"""


@pytest.fixture
async def fleet(tmp_path: Path, sandbox: Sandbox, wall_clock: ManualClock) -> AsyncIterator[tuple[Client, Services]]:
    policy = tmp_path / "policy.toml"
    policy.write_text(OVERLAY)
    settings = Settings(home=tmp_path / "home", policy_path=policy, toolsets=("numbers", "messaging", "ops"))
    services = build_services(settings, sandbox=sandbox, clock=wall_clock)
    async with Client(build_server(settings, services)) as connected:
        yield connected, services
    await services.aclose()


async def test_a_prod_overlay_stricter_than_the_base_applies_to_prod_only(fleet: tuple[Client, Services]) -> None:
    client, services = fleet
    # A number's impact reads the services sending from it (Messaging): prod's own key is in the sink.
    SecretSink(services.settings.secrets_path).store(key_sid("prod"), key_secret("prod"), friendly_name="prod")
    change = {"sms_url": "https://example.com/new"}
    prod = await call(client, "number_configure", {"sid": await prod_number(client), **change, "account": "prod"})
    assert prod.error["code"] == "policy.approval_required"
    staging_sid = (await call(client, "numbers_list", {"account": "staging"})).data["items"][0]["sid"]
    staging = await call(client, "number_configure", {"sid": staging_sid, **change, "account": "staging"})
    assert not staging.is_error, staging
    canada = {"to": "+16135550123", "body": "hi"}
    refused = await call(client, "message_send", {**canada, "from": "+18005550201", "account": "prod"})
    assert refused.error["code"] == "policy.country_not_allowed"
    allowed = await call(client, "message_send", {**canada, "from": "+18005550301", "account": "staging"})
    assert not allowed.is_error, allowed


async def test_product_apis_need_the_accounts_own_key_and_say_which_is_missing(
    fleet: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, services = fleet
    missing = await call(client, "messaging_services_list", {"account": "staging"})
    assert missing.error["code"] == "config.account_key_missing"
    assert "environment staging" in missing.error["message"]
    assert "no api_key is set in [environments.staging]" in missing.error["message"]
    # prod names its key; its secret is found in the secret sink, where apikey_create puts new secrets
    absent = await call(client, "messaging_services_list", {"account": "prod"})
    assert absent.error["code"] == "config.account_key_missing"
    assert key_sid("prod") in absent.error["message"]
    SecretSink(services.settings.secrets_path).store(key_sid("prod"), key_secret("prod"), friendly_name="prod")
    found = await call(client, "messaging_services_list", {"account": "prod"})
    assert not found.is_error, found
    assert [s["friendly_name"] for s in found.data["items"]] == ["Notifications"]
    # API v2010 needs no key: the parent's credentials reach the subaccount there
    assert not (await call(client, "numbers_list", {"account": "staging"})).is_error


async def test_account_is_listed_only_where_several_accounts_are_in_play(
    tmp_path: Path, sandbox: Sandbox, wall_clock: ManualClock
) -> None:
    async def listed(settings: Settings) -> dict[str, Any]:
        services = build_services(settings, sandbox=sandbox, clock=wall_clock)
        async with Client(build_server(settings, services)) as client:
            tools = (await client.list_tools()).tools
        services.stores.close()
        return {tool.name: tool.input_schema["properties"] for tool in tools}

    single = await listed(Settings(home=tmp_path / "a", toolsets=("numbers",)))
    assert "account" not in single["numbers_list"]
    policy = tmp_path / "policy.toml"
    policy.write_text(OVERLAY)
    configured = await listed(Settings(home=tmp_path / "b", toolsets=("numbers",), policy_path=policy))
    assert configured["numbers_list"]["account"]["type"] == "string"
    assert "account" not in configured["number_search"]


async def test_a_subaccounts_own_subaccounts_are_those_it_owns_not_its_siblings(client: Client) -> None:
    own = await call(client, "subaccounts_list")
    assert {a["sid"] for a in own.data["items"]} == {PROD, STAGING, DEV}
    prod = await call(client, "subaccounts_list", {"account": "prod"})
    assert prod.data["items"] == []


async def test_an_idempotency_key_is_the_accounts_own(client: Client) -> None:
    args = {"to": "+14155550100", "body": "hello", "idempotency_key": "order-1"}
    prod = await call(client, "message_send", {**args, "from": "+18005550201", "account": "prod"})
    staging = await call(client, "message_send", {**args, "from": "+18005550301", "account": "staging"})
    assert not prod.is_error and not staging.is_error, (prod, staging)
    assert prod.data["sid"] != staging.data["sid"]
    again = await call(client, "message_send", {**args, "from": "+18005550201", "account": "prod"})
    assert again.data["sid"] == prod.data["sid"] and again.data.get("replayed") is True


async def test_a_subaccount_named_by_sid_alone_reaches_api_v2010_and_names_the_missing_key_elsewhere(
    client: Client, sandbox: Sandbox
) -> None:
    extra = subaccount_sid("qa")
    sandbox.state.accounts[extra] = {**sandbox.state.accounts[DEV], "sid": extra, "friendly_name": "qa"}
    assert (await call(client, "numbers_list", {"account": extra})).data["items"] == []
    refused = await call(client, "messaging_services_list", {"account": extra})
    assert refused.error["code"] == "config.account_key_missing"
    assert f"account {extra}" in refused.error["message"]
