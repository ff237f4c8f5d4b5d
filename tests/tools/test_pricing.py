"""pricing_get and message_preview's cost, through the MCP client against the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from skill.config import Settings
from skill.sandbox.app import Sandbox
from skill.sandbox.magic import VALID
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import call

pytestmark = pytest.mark.anyio


async def policy_client(settings: Settings, sandbox: Sandbox, tmp_path: Path, text: str) -> AsyncIterator[Client]:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    configured = settings.with_overrides(policy_path=path)
    services = build_services(configured, sandbox=sandbox)
    async with Client(build_server(configured, services)) as connected:
        yield connected
    await services.aclose()


@pytest.fixture
async def euro_client(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Client]:
    policy = '[pricing]\ncurrency = "EUR"\nrates = { "USD/EUR" = "0.90" }\n'
    async for connected in policy_client(settings, sandbox, tmp_path, policy):
        yield connected


@pytest.fixture
async def yen_client(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Client]:
    async for connected in policy_client(settings, sandbox, tmp_path, '[pricing]\ncurrency = "JPY"\n'):
        yield connected


async def test_pricing_get_answers_a_countrys_prices_flat(client: Client) -> None:
    result = await call(client, "pricing_get", {"country": "gb"})
    assert not result.is_error, result
    assert result.data == {
        "sid": "GB",
        "country": "United Kingdom",
        "currency": "USD",
        "sms_outbound_high": "0.0524",
        "sms_outbound_low": "0.0463",
        "sms_inbound": "0.0075",
        "voice_outbound_high": "0.0395",
        "voice_outbound_low": "0.014",
        "voice_inbound": "0.01",
        "number_local": "1.15",
        "number_mobile": "1.15",
        "number_toll_free": "2.15",
        "environment": "sandbox",
    }


async def test_pricing_get_leaves_out_what_a_country_does_not_offer(client: Client) -> None:
    result = await call(client, "pricing_get", {"country": "US"})
    assert result.data["number_local"] == "1.15" and "number_mobile" not in result.data


async def test_pricing_get_refuses_anything_but_a_two_letter_code(client: Client) -> None:
    for bad in ("USA", "1A", "", "U$"):
        result = await call(client, "pricing_get", {"country": bad})
        assert result.error["code"] == "input.invalid", bad


async def test_pricing_get_of_a_country_without_prices_is_not_found(client: Client) -> None:
    result = await call(client, "pricing_get", {"country": "ZZ"})
    assert result.error["code"] == "not_found.price"
    assert "ZZ" in result.error["message"] and result.error["remediation"]


async def test_pricing_get_converts_to_the_accounts_currency(euro_client: Client) -> None:
    result = await call(euro_client, "pricing_get", {"country": "FR"})
    assert result.data["currency"] == "EUR"
    assert result.data["number_mobile"] == "3.825"  # 4.25 USD x 0.90
    assert result.data["sms_outbound_high"] == "0.07182"


async def test_pricing_get_without_a_rate_keeps_usd_and_says_why(yen_client: Client) -> None:
    result = await call(yen_client, "pricing_get", {"country": "FR"})
    assert result.data["currency"] == "USD" and result.data["number_mobile"] == "4.25"
    assert "no USD/JPY rate" in result.data["note"]


async def test_message_preview_without_a_recipient_stays_local(client: Client, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
    result = await call(client, "message_preview", {"body": "hello"})
    assert result.data["segments"] == 1 and "cost" not in result.data
    assert sandbox.served == []


async def test_message_preview_with_a_recipient_estimates_the_cost_of_its_segments(client: Client) -> None:
    body = "✓" * 71  # UCS-2, over one segment: 2 segments
    result = await call(client, "message_preview", {"body": body, "to": "+447400123456"})
    assert result.data["segments"] == 2
    cost = result.data["cost"]
    assert cost["estimate"] is True
    assert (cost["amount"], cost["currency"]) == ("0.1048", "USD")
    assert cost["basis"].startswith("per segment x 2 segments x 1 recipient")


async def test_message_preview_refuses_a_recipient_that_is_not_a_number(client: Client) -> None:
    result = await call(client, "message_preview", {"body": "hi", "to": "not a number"})
    assert result.error["code"] == "input.invalid_phone"
    magic = await call(client, "message_preview", {"body": "hi", "to": VALID})
    assert magic.data["cost"]["amount"] == "0.0083"
