from __future__ import annotations

import pytest
from mcp import Client

from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call

pytestmark = pytest.mark.anyio
WEBHOOK_ALERT = make_sid("NO", "seed", "alert", 0)


async def test_alerts_list_returns_the_seeded_alerts_newest_first(client: Client) -> None:
    result = await call(client, "alerts_list")
    assert not result.is_error, result
    alerts = result.data["alerts"]
    assert {a["error_code"] for a in alerts} == {11200, 30003, 30007, 21610, 12200}
    moments = [a["date_generated"] for a in alerts]
    assert moments == sorted(moments, reverse=True)
    assert result.data["count"] == len(alerts) == 6
    assert alerts[0]["request_url"] == "https://hooks.example.invalid/sms"


async def test_alerts_list_filters_by_log_level_and_error_code(client: Client) -> None:
    warnings = await call(client, "alerts_list", {"log_level": "warning"})
    assert [a["error_code"] for a in warnings.data["alerts"]] == [12200]
    only = await call(client, "alerts_list", {"error_code": 11200, "limit": 1})
    assert [a["error_code"] for a in only.data["alerts"]] == [11200]


async def test_alerts_list_filters_by_dates_and_reads_whole_days(client: Client, sandbox: Sandbox) -> None:
    today = sandbox.clock.now_dt().date()
    recent = await call(client, "alerts_list", {"start_date": today.isoformat()})
    assert not recent.is_error, recent
    assert all(a["date_generated"][:10] == today.isoformat() for a in recent.data["alerts"])
    future = await call(client, "alerts_list", {"start_date": "2999-01-01"})
    assert future.data["alerts"] == [] and future.data["count"] == 0


async def test_alerts_grouped_by_code_come_with_the_catalogue_title(client: Client) -> None:
    result = await call(client, "alerts_list", {"group_by_code": True, "log_level": "error"})
    assert not result.is_error, result
    groups = {g["error_code"]: g for g in result.data["groups"]}
    assert groups[11200]["count"] == 2
    assert groups[11200]["title"] == "HTTP retrieval failure"
    assert set(groups) == {11200, 30003, 30007, 21610}
    assert result.data["groups"][0]["error_code"] == 11200
    assert result.data["alerts"] == []


async def test_alerts_list_refuses_an_unreadable_or_reversed_date_range(client: Client) -> None:
    unreadable = await call(client, "alerts_list", {"start_date": "yesterday-ish"})
    assert unreadable.error["code"] == "input.invalid_date"
    reversed_range = await call(client, "alerts_list", {"start_date": "2025-02-01", "end_date": "2025-01-01"})
    assert reversed_range.error["code"] == "input.invalid_date_range"


async def test_alert_get_shows_request_response_and_the_error_explained(client: Client) -> None:
    result = await call(client, "alert_get", {"sid": WEBHOOK_ALERT})
    assert not result.is_error, result
    assert result.data["request_url"] == "https://hooks.example.invalid/sms"
    assert result.data["request_method"] == "POST"
    assert result.data["response_status"] == 502
    assert "Bad Gateway" in result.data["response_body"]
    explanation = result.data["explanation"]
    assert explanation["code"] == 11200 and explanation["title"] == "HTTP retrieval failure"
    assert explanation["remediation"]


async def test_alert_get_of_an_unknown_alert_is_twilio_not_found(client: Client) -> None:
    result = await call(client, "alert_get", {"sid": "NO" + "0" * 32})
    assert result.error["code"] == "twilio.20404"
    assert result.error["http_status"] == 404


async def test_alert_get_refuses_a_sid_of_the_wrong_kind(client: Client) -> None:
    result = await call(client, "alert_get", {"sid": "SM" + "0" * 32})
    assert result.error["code"] == "input.invalid"
    assert "sid" in result.error["message"]
