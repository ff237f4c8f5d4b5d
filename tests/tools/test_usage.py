from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, SANDBOX_ACCOUNT_SID, Settings
from skill.core.context import Services
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call

pytestmark = pytest.mark.anyio
HOOKS = "https://hooks.example.com/spend"
TRIGGER = {"usage_category": "totalprice", "trigger_value": "50", "trigger_by": "price", "callback_url": HOOKS}


async def client_with_policy(
    settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, policy: Path, text: str
) -> AsyncIterator[tuple[Client, Services]]:
    policy.write_text(text)
    configured = settings.with_overrides(policy_path=policy)
    services = build_services(configured, sandbox=sandbox, clock=wall_clock)
    async with Client(build_server(configured, services)) as connected:
        yield connected, services
    await services.aclose()


@pytest.fixture
async def hooked(
    settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[Client, Services]]:
    """A client whose policy lets callbacks go to hooks.example.com without asking an operator."""
    text = '[webhooks]\nallowed_hosts = ["hooks.example.com"]\n'
    async for pair in client_with_policy(settings, sandbox, wall_clock, tmp_path / "hooks.toml", text):
        yield pair


@pytest.fixture
async def gated(
    settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[Client, Services]]:
    """A client whose policy sends trigger deletions to an operator; callbacks anywhere need one too."""
    text = '[tools]\nusage_trigger_delete = "approve"\n'
    async for pair in client_with_policy(settings, sandbox, wall_clock, tmp_path / "gated.toml", text):
        yield pair


async def create(client: Client, **changes: Any) -> dict[str, Any]:
    created = await call(client, "usage_trigger_create", {**TRIGGER, **changes})
    assert not created.is_error, created
    return created.data


async def test_usage_summary_for_today_lists_the_days_usage_with_prices_and_balance(client: Client) -> None:
    result = await call(client, "usage_summary", {"period": "today"})
    assert not result.is_error, result
    by_category = {c["category"]: c for c in result.data["categories"]}
    assert by_category["sms"]["count"] == "38" and by_category["sms"]["price"] == "0.3239"
    assert by_category["calls"]["usage_unit"] == "minutes"
    assert "totalprice" not in by_category
    assert result.data["start_date"] == result.data["end_date"]
    assert result.data["balance"] == "42.17" and result.data["currency"] == "USD"
    assert result.data["environment"] == "sandbox"


async def test_usage_summary_total_matches_its_categories_and_ranks_the_costliest(client: Client) -> None:
    result = await call(client, "usage_summary", {"period": "this_month"})
    assert not result.is_error, result
    prices = [Decimal(c["price"]) for c in result.data["categories"]]
    assert Decimal(result.data["total_price"]) == sum(prices)
    top = result.data["top_categories"]
    assert [t["category"] for t in top][:2] == ["sms", "calls"]
    assert [Decimal(t["price"]) for t in top] == sorted((Decimal(t["price"]) for t in top), reverse=True)


async def test_usage_summary_for_a_range_counts_each_whole_day_before_the_end(client: Client, sandbox: Sandbox) -> None:
    day = sandbox.clock.now_dt().date()
    args = {"after": day.replace(day=1).isoformat(), "before": (day + timedelta(days=1)).isoformat()}
    ranged = await call(client, "usage_summary", args)
    month = await call(client, "usage_summary", {"period": "this_month"})
    assert ranged.data["period"] == "custom"
    assert ranged.data["end_date"] == day.isoformat()
    assert ranged.data["total_price"] == month.data["total_price"]
    sms = next(c for c in ranged.data["categories"] if c["category"] == "sms")
    assert sms["count"] == str(38 * day.day)


async def test_a_range_without_an_end_runs_to_today_on_the_sandbox_clock(client: Client, sandbox: Sandbox) -> None:
    sandbox.clock.advance(86400 * 45)  # the simulated Twilio is weeks ahead of this machine
    day = sandbox.clock.now_dt().date()
    result = await call(client, "usage_summary", {"after": (day - timedelta(days=9)).isoformat()})
    assert not result.is_error, result
    assert result.data["end_date"] == day.isoformat()
    sms = next(c for c in result.data["categories"] if c["category"] == "sms")
    assert sms["count"] == str(38 * 10)


async def test_usage_summary_refuses_mixed_half_or_empty_ranges_before_any_request(
    client: Client, sandbox: Sandbox
) -> None:
    sandbox.record_responses = True
    mixed = await call(client, "usage_summary", {"period": "today", "after": "2025-01-01", "before": "2025-01-02"})
    assert mixed.error["code"] == "input.invalid_period"
    half = await call(client, "usage_summary", {"before": "2025-01-01"})
    assert half.error["code"] == "input.invalid_period"
    backwards = await call(client, "usage_summary", {"after": "2025-02-01", "before": "2025-01-01"})
    assert backwards.error["code"] == "input.invalid_period"
    unreadable = await call(client, "usage_summary", {"after": "1/1/2025"})
    assert unreadable.error["code"] == "input.invalid" and "after" in unreadable.error["message"]
    assert sandbox.served == []


async def test_a_trigger_is_created_listed_and_deleted(hooked: tuple[Client, Services], sandbox: Sandbox) -> None:
    client, _ = hooked
    trigger = await create(client, friendly_name="spend alarm")
    assert trigger["sid"].startswith("UT") and trigger["recurring"] == "monthly"
    assert trigger["trigger_by"] == "price" and trigger["trigger_value"] == "50"
    assert trigger["friendly_name"] == "spend alarm" and trigger["warnings"] == []
    listed = await call(client, "usage_triggers_list")
    assert [t["sid"] for t in listed.data["items"]] == [trigger["sid"]]
    removed = await call(client, "usage_trigger_delete", {"sid": trigger["sid"]})
    assert removed.data == {"sid": trigger["sid"], "deleted": True, "environment": "sandbox"}
    assert [t for t in sandbox.state.usage_triggers.values() if t["account_sid"] == SANDBOX_ACCOUNT_SID] == []
    assert (await call(client, "usage_triggers_list")).data["count"] == 0


async def test_an_offset_value_counts_from_the_current_usage(hooked: tuple[Client, Services]) -> None:
    client, _ = hooked
    trigger = await create(client, usage_category="sms", trigger_by="count", trigger_value="+10", recurring="daily")
    assert trigger["current_value"] == "38" and trigger["trigger_value"] == "48"


async def test_a_plain_http_callback_is_allowed_in_the_sandbox_with_a_warning(hooked: tuple[Client, Services]) -> None:
    client, _ = hooked
    trigger = await create(client, callback_url="http://hooks.example.com/spend")
    assert "plain http" in trigger["warnings"][0]


async def test_a_plain_http_callback_is_refused_in_live_mode_before_any_request(tmp_path: Path) -> None:
    live = Settings(home=tmp_path / "live", account_sid=SANDBOX_ACCOUNT_SID, auth_token="x" * 32, toolsets=ALL_TOOLSETS)
    services = build_services(live)
    try:
        async with Client(build_server(live, services)) as live_client:
            refused = await call(live_client, "usage_trigger_create", {**TRIGGER, "callback_url": "http://e.com/s"})
    finally:
        await services.aclose()
    assert refused.error["code"] == "input.insecure_url"
    assert refused.data["environment"] == "live"


async def test_an_unknown_category_is_twilios_refusal(hooked: tuple[Client, Services]) -> None:
    client, _ = hooked
    result = await call(client, "usage_trigger_create", {**TRIGGER, "usage_category": "carrier-pigeons"})
    assert result.error["code"] == "twilio.20001"
    assert result.error["http_status"] == 400


async def test_a_callback_on_a_host_not_allowed_waits_for_an_operator_with_the_triggers_impact(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    args = {**TRIGGER, "usage_category": "sms", "trigger_by": "count", "callback_url": "https://elsewhere.example/t"}
    waiting = await call(client, "usage_trigger_create", args)
    assert waiting.error["code"] == "policy.approval_required"
    assert [t for t in sandbox.state.usage_triggers.values() if t["account_sid"] == SANDBOX_ACCOUNT_SID] == []
    impact = waiting.error["approval"]["impact"]
    assert "sms" in impact["resource"] and "50" in impact["resource"]
    facts = {fact["label"]: fact["value"] for fact in impact["facts"]}
    assert facts["callback URL"] == "https://elsewhere.example/t"
    day = sandbox.clock.now_dt().day
    assert facts["now"] == f"count {38 * day} (monthly)"
    assert impact["blast_radius"] == [{"label": "called when it fires", "value": "elsewhere.example"}]
    approval_id = await approve(services, waiting)
    created = await call(client, "usage_trigger_create", {**args, "approval_id": approval_id})
    assert not created.is_error, created
    assert created.data["callback_url"] == "https://elsewhere.example/t"


async def test_an_unknown_category_opens_no_approval(client: Client, services: Services) -> None:
    args = {**TRIGGER, "usage_category": "carrier-pigeons", "callback_url": "https://elsewhere.example/t"}
    refused = await call(client, "usage_trigger_create", args)
    assert refused.error["code"] == "twilio.20001"
    assert refused.error["approval"] is None
    assert services.stores.approvals.list() == []


async def test_deleting_an_unknown_trigger_is_not_found_without_or_with_a_gate(
    client: Client, gated: tuple[Client, Services]
) -> None:
    unknown = {"sid": "UT" + "0" * 32}
    assert (await call(client, "usage_trigger_delete", unknown)).error["code"] == "twilio.20404"
    gated_client, gated_services = gated
    refused = await call(gated_client, "usage_trigger_delete", unknown)
    assert refused.error["code"] == "twilio.20404"
    assert gated_services.stores.approvals.list() == []


async def test_a_gated_delete_shows_the_trigger_it_would_remove(
    hooked: tuple[Client, Services], gated: tuple[Client, Services], sandbox: Sandbox
) -> None:
    trigger = await create(hooked[0], friendly_name="spend alarm")
    waiting = await call(gated[0], "usage_trigger_delete", {"sid": trigger["sid"]})
    assert waiting.error["code"] == "policy.approval_required"
    impact = waiting.error["approval"]["impact"]
    assert "spend alarm" in impact["resource"] and trigger["sid"] in impact["resource"]
    facts = {fact["label"]: fact["value"] for fact in impact["facts"]}
    assert facts["fires when"] == "price reaches 50 (monthly)"
    assert facts["callback URL"] == HOOKS
    assert impact["reversibility"] == "reversible"
    assert trigger["sid"] in sandbox.state.usage_triggers


async def test_triggers_list_pages_through_every_trigger_exactly_once(hooked: tuple[Client, Services]) -> None:
    client, _ = hooked
    made = [(await create(client, trigger_value=str(10 * n)))["sid"] for n in range(1, 6)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await call(client, "usage_triggers_list", {"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert not page.is_error, page
        pages += 1
        seen += [t["sid"] for t in page.data["items"]]
        cursor = page.data.get("next_cursor")
        if not page.data["has_more"]:
            break
        assert pages < 5
    assert sorted(seen) == sorted(made) and len(set(seen)) == 5 and pages == 3
    first = await call(client, "usage_triggers_list", {"limit": 2})
    mixed = {"limit": 2, "cursor": first.data["next_cursor"], "after": "2020-01-01T00:00:00Z"}
    assert (await call(client, "usage_triggers_list", mixed)).error["code"] == "input.invalid_cursor"


async def test_triggers_list_keeps_to_the_creation_window_and_says_what_it_scanned(
    hooked: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, _ = hooked
    early = await create(client)
    sandbox.clock.advance(7200)
    late = await create(client, trigger_value="60")
    middle = (sandbox.clock.now_dt() - timedelta(hours=1)).isoformat()
    after = await call(client, "usage_triggers_list", {"after": middle})
    assert [t["sid"] for t in after.data["items"]] == [late["sid"]] and after.data["scanned"] == 2
    before = await call(client, "usage_triggers_list", {"before": middle})
    assert [t["sid"] for t in before.data["items"]] == [early["sid"]]


async def test_a_malformed_or_over_long_trigger_is_refused_before_any_request(client: Client, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
    for changes in (
        {"trigger_value": "fifty"},
        {"trigger_value": "1" * 19},
        {"friendly_name": "x" * 65},
        {"usage_category": "a" * 65},
        {"callback_url": "https://e.com/" + "a" * 2048},
    ):
        result = await call(client, "usage_trigger_create", {**TRIGGER, **changes})
        assert result.error["code"] == "input.invalid", changes
        assert next(iter(changes)) in result.error["message"]
    assert sandbox.served == []
