"""Every list tool, read one item a page in the sandbox, gives what one large page gives: no list
stops silently at its limit. A new list tool with no case here fails until it has one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID
from skill.core.context import Services
from skill.server.registry import all_tools
from skill.server.schemas import input_schema
from tests.conftest import approve, call
from tests.tools.pages import read_all
from tests.tools.test_webhook_tools import deliver

pytestmark = pytest.mark.anyio
Setup = Callable[[Client, Services], Awaitable[dict[str, Any]]]


async def nothing(client: Client, services: Services) -> dict[str, Any]:
    return {}


async def run(client: Client, services: Services, tool: str, args: dict[str, Any]) -> None:
    """Call a tool, approving it as an operator would when it waits for one."""
    result = await call(client, tool, args)
    if result.is_error and result.error["code"] == "policy.approval_required":
        result = await call(client, tool, {**args, "approval_id": await approve(services, result)})
    assert not result.is_error, result


async def a_second_key(client: Client, services: Services) -> dict[str, Any]:
    await run(client, services, "apikey_create", {"friendly_name": "paging"})
    return {}


async def a_second_verify_service(client: Client, services: Services) -> dict[str, Any]:
    await run(client, services, "verify_service_create", {"friendly_name": "Paging"})
    return {}


async def two_triggers(client: Client, services: Services) -> dict[str, Any]:
    for value in ("100", "200"):
        args = {"usage_category": "sms", "trigger_value": value, "callback_url": "https://hooks.example.com/usage"}
        await run(client, services, "usage_trigger_create", args)
    return {}


async def two_optouts(client: Client, services: Services) -> dict[str, Any]:
    for number in ("+14155550181", "+14155550182"):
        assert not (await call(client, "optout_add", {"phone_number": number})).is_error
    return {}


async def two_messages(client: Client, services: Services) -> dict[str, Any]:
    for number in ("+14155550181", "+14155550182"):
        sent = await call(client, "message_send", {"to": number, "from": "+15005550006", "body": "paging"})
        assert not sent.is_error, sent
    return {}


async def a_flow_with_executions(client: Client, services: Services) -> dict[str, Any]:
    flows = (await call(client, "studio_flows_list", {})).data["items"]
    published = next(flow for flow in flows if flow["status"] == "published")
    for number in ("+14155550181", "+14155550182"):
        started = await call(
            client, "studio_execution_start", {"flow_sid": published["sid"], "to": number, "from": "+15005550006"}
        )
        assert not started.is_error, started
    return {"flow_sid": published["sid"]}


async def two_events(client: Client, services: Services) -> dict[str, Any]:
    await deliver(
        services,
        *(
            {"AccountSid": SANDBOX_ACCOUNT_SID, "MessageSid": "SM" + digit * 32, "MessageStatus": "delivered"}
            for digit in "12"
        ),
    )
    return {}


async def bounces(client: Client, services: Services) -> dict[str, Any]:
    return {"kind": "bounces"}


CASES: dict[str, Setup] = {
    "subaccounts_list": nothing,
    "apikeys_list": a_second_key,
    "messages_list": two_messages,
    "optout_list": two_optouts,
    "messaging_services_list": nothing,
    "numbers_list": nothing,
    "calls_list": nothing,
    "recordings_list": nothing,
    "conferences_list": nothing,
    "verify_services_list": a_second_verify_service,
    "email_templates_list": nothing,
    "email_suppressions_list": bounces,
    "studio_flows_list": nothing,
    "studio_executions_list": a_flow_with_executions,
    "alerts_list": nothing,
    "usage_triggers_list": two_triggers,
    "webhook_events_list": two_events,
}


def list_tools() -> list[str]:
    return sorted(
        spec.name
        for spec in all_tools()
        if {"limit", "cursor"} <= set(input_schema(spec)["properties"]) and spec.name.endswith("_list")
    )


def test_every_list_tool_has_a_paging_case() -> None:
    assert set(list_tools()) <= set(CASES), sorted(set(list_tools()) - set(CASES))


@pytest.mark.parametrize("tool", sorted(CASES))
async def test_a_list_read_one_item_a_page_gives_the_whole_list(tool: str, client: Client, services: Services) -> None:
    args = await CASES[tool](client, services)
    whole = await call(client, tool, {**args, "limit": 1000})
    assert not whole.is_error, whole
    assert whole.data["has_more"] is False
    expected = whole.data["items"]
    assert len(expected) >= 2, f"{tool}: the sandbox needs two or more items to cross a page"
    paged, cursors = await read_all(client, tool, {**args, "limit": 1})
    assert paged == expected
    assert len(cursors) == len(expected) - 1
