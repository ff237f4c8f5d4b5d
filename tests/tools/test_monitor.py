from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from skill.core import monitor
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call

pytestmark = pytest.mark.anyio
WEBHOOK_ALERT = make_sid("NO", "seed", "alert", 0)
SEEDED_CODES = [11200, 12200, 11200, 30003, 21610, 30007]  # newest first


def hours_ago(sandbox: Sandbox, hours: float) -> str:
    return (datetime.fromtimestamp(sandbox.clock.now(), UTC) - timedelta(hours=hours)).isoformat()


async def every_page(client: Client, args: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(all items, every page's data) following next_cursor to the end."""
    items: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    cursor = None
    for _ in range(20):
        result = await call(client, "alerts_list", {**args, **({"cursor": cursor} if cursor else {})})
        assert not result.is_error, result
        pages.append(result.data)
        items.extend(result.data["items"])
        cursor = result.data.get("next_cursor")
        if not result.data["has_more"]:
            break
    return items, pages


async def test_alerts_list_returns_the_seeded_alerts_newest_first(client: Client) -> None:
    result = await call(client, "alerts_list")
    assert not result.is_error, result
    alerts = result.data["items"]
    assert [a["error_code"] for a in alerts] == SEEDED_CODES
    moments = [a["date_generated"] for a in alerts]
    assert moments == sorted(moments, reverse=True)
    assert result.data["count"] == 6 and result.data["has_more"] is False
    assert alerts[0]["request_url"] == "https://hooks.example.invalid/sms"
    assert alerts[0]["message"].startswith("An attempt to retrieve content")


async def test_alerts_list_pages_through_every_alert_exactly_once(client: Client) -> None:
    items, pages = await every_page(client, {"limit": 4})
    assert [len(page["items"]) for page in pages] == [4, 2]
    assert [page["has_more"] for page in pages] == [True, False]
    assert "next_cursor" not in pages[-1]
    sids = [a["sid"] for a in items]
    assert len(sids) == len(set(sids)) == 6
    assert [a["error_code"] for a in items] == SEEDED_CODES


async def test_a_cursor_used_with_other_filters_is_refused(client: Client) -> None:
    first = await call(client, "alerts_list", {"limit": 2})
    cursor = first.data["next_cursor"]
    refused = await call(client, "alerts_list", {"limit": 2, "cursor": cursor, "log_level": "error"})
    assert refused.error["code"] == "input.invalid_cursor"
    by_code = await call(client, "alerts_list", {"error_code": 11200, "limit": 1})
    other_code = {"error_code": 30007, "limit": 1, "cursor": by_code.data["next_cursor"]}
    assert (await call(client, "alerts_list", other_code)).error["code"] == "input.invalid_cursor"
    forged = await call(client, "alerts_list", {"cursor": "not-a-cursor"})
    assert forged.error["code"] == "input.invalid_cursor"


async def test_alerts_list_filters_by_log_level(client: Client) -> None:
    warnings = await call(client, "alerts_list", {"log_level": "warning"})
    assert [a["error_code"] for a in warnings.data["items"]] == [12200]


async def test_an_error_code_is_matched_after_fetching_and_says_what_it_scanned(client: Client) -> None:
    items, pages = await every_page(client, {"error_code": 11200, "limit": 1})
    assert [a["sid"] for a in items] == [make_sid("NO", "seed", "alert", 0), make_sid("NO", "seed", "alert", 1)]
    assert all(page["scanned"] >= 1 for page in pages)
    assert pages[-1]["has_more"] is False
    assert sum(page["scanned"] for page in pages) <= 6


async def test_a_scan_that_reaches_its_bound_says_more_are_left(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monitor, "CODE_SCAN", 3)
    first = await call(client, "alerts_list", {"error_code": 30007})
    assert first.data["items"] == [] and first.data["scanned"] == 3 and first.data["has_more"] is True
    rest = await call(client, "alerts_list", {"error_code": 30007, "cursor": first.data["next_cursor"]})
    assert [a["error_code"] for a in rest.data["items"]] == [30007]
    assert rest.data["scanned"] == 3 and rest.data["has_more"] is False


async def test_alerts_list_keeps_to_the_after_and_before_window(client: Client, sandbox: Sandbox) -> None:
    window = {"after": hours_ago(sandbox, 5), "before": hours_ago(sandbox, 2)}
    result = await call(client, "alerts_list", window)
    assert not result.is_error, result
    assert [a["error_code"] for a in result.data["items"]] == [12200, 11200]
    future = await call(client, "alerts_list", {"after": "2999-01-01"})
    assert future.data["items"] == [] and future.data["count"] == 0


async def test_alerts_grouped_by_code_come_with_the_catalogue_title(client: Client) -> None:
    result = await call(client, "alerts_list", {"group_by_code": True, "log_level": "error"})
    assert not result.is_error, result
    groups = {g["error_code"]: g for g in result.data["groups"]}
    assert groups[11200]["count"] == 2
    assert groups[11200]["title"] == "HTTP retrieval failure"
    assert set(groups) == {11200, 30003, 30007, 21610}
    assert result.data["groups"][0]["error_code"] == 11200
    assert result.data["items"] == [] and result.data["scanned"] == 5 and result.data["has_more"] is False


async def test_alerts_list_refuses_an_unreadable_or_reversed_window(client: Client, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
    unreadable = await call(client, "alerts_list", {"after": "yesterday-ish"})
    assert unreadable.error["code"] == "input.invalid" and "after" in unreadable.error["message"]
    reversed_window = await call(client, "alerts_list", {"after": "2025-02-01", "before": "2025-01-01"})
    assert reversed_window.error["code"] == "input.invalid_date_range"
    assert sandbox.served == []


async def test_alert_get_shows_request_response_and_the_error_explained(client: Client) -> None:
    result = await call(client, "alert_get", {"sid": WEBHOOK_ALERT})
    assert not result.is_error, result
    assert result.data["sid"] == WEBHOOK_ALERT
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


async def test_alert_get_refuses_a_sid_of_the_wrong_kind_or_length_before_any_request(
    client: Client, sandbox: Sandbox
) -> None:
    sandbox.record_responses = True
    for sid in ("SM" + "0" * 32, "NO" + "0" * 40):
        result = await call(client, "alert_get", {"sid": sid})
        assert result.error["code"] == "input.invalid"
        assert "sid" in result.error["message"]
    assert sandbox.served == []
