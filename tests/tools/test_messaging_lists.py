"""The messaging lists say when they stop: pages read to the end hold every item once, a cursor is
bound to its filters, and a status filter says how much it looked through."""

from __future__ import annotations

import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from tests.conftest import call
from tests.tools.pages import read_pages

pytestmark = pytest.mark.anyio
SENDER = "+15005550006"


async def send_many(client: Client, count: int, to: str = "+14155550199") -> list[str]:
    sids = []
    for index in range(count):
        sent = await call(client, "message_send", {"to": to, "from": SENDER, "body": f"note {index}"})
        assert not sent.is_error, sent
        sids.append(sent.data["sid"])
    return sids


async def test_messages_list_read_page_by_page_holds_every_message_once(client: Client) -> None:
    sids = await send_many(client, 7)
    items, pages = await read_pages(client, "messages_list", {"from": SENDER, "limit": 3})
    assert sorted(item["sid"] for item in items) == sorted(sids)
    assert [page["count"] for page in pages] == [3, 3, 1]


async def test_a_cursor_used_with_other_filters_or_forged_is_refused(client: Client) -> None:
    await send_many(client, 4)
    first = await call(client, "messages_list", {"from": SENDER, "limit": 2})
    cursor = first.data["next_cursor"]
    other = await call(client, "messages_list", {"from": SENDER, "to": "+14155550100", "limit": 2, "cursor": cursor})
    assert other.error["code"] == "input.invalid_cursor"
    status = await call(client, "messages_list", {"from": SENDER, "status": "queued", "limit": 2, "cursor": cursor})
    assert status.error["code"] == "input.invalid_cursor"
    forged = await call(client, "messages_list", {"from": SENDER, "limit": 2, "cursor": cursor[:-4] + "AAAA"})
    assert forged.error["code"] == "input.invalid_cursor"


async def test_a_status_filter_reports_what_it_scanned_and_continues_where_it_stopped(
    client: Client, sandbox: Sandbox
) -> None:
    sids = await send_many(client, 5)
    failing = await send_many(client, 2, to="+15005550011")  # accepted, then failed
    sandbox.clock.advance(5 * sandbox.step_seconds)
    first = await call(client, "messages_list", {"from": SENDER, "status": "failed", "limit": 1})
    assert first.data["count"] == 1 and first.data["has_more"] is True and first.data["scanned"] >= 1
    items, pages = await read_pages(client, "messages_list", {"from": SENDER, "status": "failed", "limit": 1})
    assert sorted(item["sid"] for item in items) == sorted(failing)
    assert sum(page["scanned"] for page in pages) == len(sids) + len(failing)


async def test_optout_list_pages_through_a_long_list(client: Client, services: Services) -> None:
    numbers = [f"+1415555{index:04d}" for index in range(130)]
    for number in numbers:
        services.stores.suppressions.add(number, source="test")
    items, pages = await read_pages(client, "optout_list", {"limit": 50})
    assert sorted(item["phone"] for item in items) == sorted(numbers)
    assert len(pages) == 3
    refused = await call(client, "optout_list", {"cursor": "not-a-cursor"})
    assert refused.error["code"] == "input.invalid_cursor"


async def test_over_long_arguments_are_refused_before_any_request(client: Client, sandbox: Sandbox) -> None:
    huge = "x" * 100_000
    for tool, args in (
        ("message_send", {"to": "+14155550199", "from": SENDER, "body": "hi", "idempotency_key": huge}),
        ("message_send", {"to": huge, "from": SENDER, "body": "hi"}),
        ("messages_list", {"to": huge}),
        ("messages_list", {"cursor": huge}),
        ("message_preview", {"body": huge}),
        ("optout_add", {"phone_number": huge}),
    ):
        result = await call(client, tool, args)
        assert result.error["code"] == "input.invalid", (tool, result)
    assert sandbox.state.messages == {}


async def test_a_message_says_which_account_it_belongs_to_in_every_tool(client: Client) -> None:
    sent = await call(client, "message_send", {"to": "+14155550199", "from": SENDER, "body": "account"})
    fetched = await call(client, "message_get", {"sid": sent.data["sid"]})
    listed = await call(client, "messages_list", {"to": "+14155550199", "limit": 5})
    assert sent.data["account_sid"] == fetched.data["account_sid"] == SANDBOX_ACCOUNT_SID
    assert [item["account_sid"] for item in listed.data["items"]] == [SANDBOX_ACCOUNT_SID]
