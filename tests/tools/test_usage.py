from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, SANDBOX_ACCOUNT_SID, Settings
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import call

pytestmark = pytest.mark.anyio
TRIGGER = {
    "usage_category": "totalprice",
    "trigger_value": "50",
    "trigger_by": "price",
    "callback_url": "https://example.com/spend",
}


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


async def test_usage_summary_for_a_date_range_counts_each_day(client: Client, sandbox: Sandbox) -> None:
    day = sandbox.clock.now_dt().date()
    args = {"start_date": day.replace(day=1).isoformat(), "end_date": day.isoformat()}
    ranged = await call(client, "usage_summary", args)
    month = await call(client, "usage_summary", {"period": "this_month"})
    assert ranged.data["period"] == "custom"
    assert ranged.data["total_price"] == month.data["total_price"]
    sms = next(c for c in ranged.data["categories"] if c["category"] == "sms")
    assert sms["count"] == str(38 * day.day)


async def test_usage_summary_refuses_mixed_or_half_periods(client: Client) -> None:
    mixed = await call(
        client, "usage_summary", {"period": "today", "start_date": "2025-01-01", "end_date": "2025-01-02"}
    )
    assert mixed.error["code"] == "input.invalid_period"
    half = await call(client, "usage_summary", {"start_date": "2025-01-01"})
    assert half.error["code"] == "input.invalid_period"
    backwards = await call(client, "usage_summary", {"start_date": "2025-02-01", "end_date": "2025-01-01"})
    assert backwards.error["code"] == "input.invalid_period"
    unreadable = await call(client, "usage_summary", {"start_date": "1/1/2025", "end_date": "2025-01-02"})
    assert unreadable.error["code"] == "input.invalid_date"


async def test_usage_trigger_create_list_and_delete(client: Client, sandbox: Sandbox) -> None:
    created = await call(client, "usage_trigger_create", {**TRIGGER, "friendly_name": "spend alarm"})
    assert not created.is_error, created
    trigger = created.data["trigger"]
    assert trigger["sid"].startswith("UT") and trigger["recurring"] == "monthly"
    assert trigger["trigger_by"] == "price" and trigger["trigger_value"] == "50"
    assert created.data["warnings"] == []
    listed = await call(client, "usage_triggers_list")
    assert [t["sid"] for t in listed.data["triggers"]] == [trigger["sid"]]
    removed = await call(client, "usage_trigger_delete", {"sid": trigger["sid"]})
    assert not removed.is_error, removed
    assert removed.data["deleted"] is True
    assert [t for t in sandbox.state.usage_triggers.values() if t["account_sid"] == SANDBOX_ACCOUNT_SID] == []
    assert (await call(client, "usage_triggers_list")).data["count"] == 0


async def test_usage_trigger_offset_value_counts_from_the_current_usage(client: Client) -> None:
    created = await call(
        client,
        "usage_trigger_create",
        {**TRIGGER, "usage_category": "sms", "trigger_by": "count", "trigger_value": "+10", "recurring": "daily"},
    )
    assert not created.is_error, created
    trigger = created.data["trigger"]
    assert trigger["current_value"] == "38" and trigger["trigger_value"] == "48"


async def test_usage_trigger_with_plain_http_callback_is_allowed_in_the_sandbox_with_a_warning(client: Client) -> None:
    created = await call(client, "usage_trigger_create", {**TRIGGER, "callback_url": "http://example.com/spend"})
    assert not created.is_error, created
    assert "plain http" in created.data["warnings"][0]


async def test_usage_trigger_with_plain_http_callback_is_refused_in_live_mode_before_any_request(
    tmp_path: Path,
) -> None:
    live = Settings(home=tmp_path / "live", account_sid=SANDBOX_ACCOUNT_SID, auth_token="x" * 32, toolsets=ALL_TOOLSETS)
    services = build_services(live)
    try:
        async with Client(build_server(live, services)) as live_client:
            refused = await call(
                live_client, "usage_trigger_create", {**TRIGGER, "callback_url": "http://example.com/spend"}
            )
    finally:
        await services.aclose()
    assert refused.error["code"] == "input.insecure_url"
    assert refused.data["environment"] == "live"


async def test_usage_trigger_for_an_unknown_category_reports_twilios_refusal(client: Client) -> None:
    result = await call(client, "usage_trigger_create", {**TRIGGER, "usage_category": "carrier-pigeons"})
    assert result.error["code"] == "twilio.20001"
    assert result.error["http_status"] == 400


async def test_usage_trigger_delete_of_an_unknown_trigger_is_not_found(client: Client) -> None:
    result = await call(client, "usage_trigger_delete", {"sid": "UT" + "0" * 32})
    assert result.error["code"] == "twilio.20404"


async def test_usage_trigger_create_refuses_a_malformed_value(client: Client) -> None:
    result = await call(client, "usage_trigger_create", {**TRIGGER, "trigger_value": "fifty"})
    assert result.error["code"] == "input.invalid"
    assert "trigger_value" in result.error["message"]
