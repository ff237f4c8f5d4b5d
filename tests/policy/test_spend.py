"""Spend caps: SEND calls estimated from published prices, counted per profile and day/month, and a
call that would cross a cap held for an operator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.errors import ConfigError
from skill.policy.policy import load_policy
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.sandbox.magic import VALID
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import Called, approve, call

pytestmark = pytest.mark.anyio
SEND = {"to": "+14155550100", "from": VALID, "body": "hello"}  # one segment to the US: 0.0083 USD
PER_SEND = Decimal("0.0083")
MID_MAY = datetime(2026, 5, 15, 12, tzinfo=UTC).timestamp()


@dataclass
class Capped:
    client: Client
    services: Services

    def spent(self) -> tuple[Decimal, Decimal]:
        totals = self.services.stores.spend.totals(self.services.profile)
        return totals.today, totals.month


Open = Callable[[str], Any]


@pytest.fixture
async def capped(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Open]:
    """Opens a client on a policy of the given text, with the wall clock in the middle of a month."""
    opened: list[Services] = []

    async def open_client(policy: str) -> Capped:
        path = tmp_path / f"policy{len(opened)}.toml"
        path.write_text(policy)
        configured = settings.with_overrides(policy_path=path)
        services = build_services(configured, sandbox=sandbox, clock=ManualClock(MID_MAY))
        opened.append(services)
        client = await stack.enter_async_context(Client(build_server(configured, services)))
        return Capped(client, services)

    from contextlib import AsyncExitStack

    async with AsyncExitStack() as stack:
        yield open_client
    for services in opened:
        await services.aclose()


def policy(limits: str, pricing: str = "") -> str:
    return f'[limits]\nallowed_countries = ["US", "GB", "BR"]\n{limits}\n[pricing]\n{pricing}\n'


def impact_rows(result: Called) -> dict[str, Any]:
    impact = result.error["approval"]["impact"]
    assert impact is not None
    return {fact["label"]: fact["value"] for fact in impact["facts"]} | {"cost": impact["cost"]}


def test_caps_and_prices_are_read_from_the_policy_as_decimal_strings(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        '[limits]\nspend_per_day = "25.00"\nspend_per_month = 300\n'
        '[pricing]\ncurrency = "eur"\nrates = { "usd/eur" = "0.92" }\ncall_minutes = 3\nemail_price = "0.001"\n'
    )
    loaded = load_policy(path)
    assert (loaded.spend_per_day, loaded.spend_per_month) == (Decimal("25.00"), Decimal(300))
    assert loaded.pricing.currency == "EUR" and loaded.pricing.rates == {("USD", "EUR"): Decimal("0.92")}
    assert (loaded.pricing.call_minutes, loaded.pricing.email_price) == (3, Decimal("0.001"))
    assert loaded.describe()["limits"]["spend_per_day"] == "25.00"
    assert load_policy(None).spend_capped is False


@pytest.mark.parametrize(
    "text",
    [
        "[limits]\nspend_per_day = 25.5\n",  # a float: inexact
        '[limits]\nspend_per_day = "-1"\n',
        '[limits]\nspend_per_month = "lots"\n',
        '[limits]\nspend_per_day = "NaN"\n',
        '[pricing]\nrates = { "USD-EUR" = "0.9" }\n',
        '[pricing]\nrates = { "USD/EUR" = "0" }\n',
        '[pricing]\ncurrency = "euro"\n',
        "[pricing]\ncall_minutes = 0\n",
    ],
)
def test_a_cap_or_price_that_is_not_a_clear_amount_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as refused:
        load_policy(path)
    assert refused.value.code == "config.policy_invalid"


async def test_a_send_that_would_cross_the_daily_cap_waits_and_runs_once_approved(capped: Open) -> None:
    run = await capped(policy('spend_per_day = "0.0249"'))  # three sends' worth
    for _ in range(3):
        assert not (await call(run.client, "message_send", SEND)).is_error
    assert run.spent() == (Decimal("0.0249"), Decimal("0.0249"))
    over = await call(run.client, "message_send", SEND)
    assert over.error["code"] == "policy.approval_required"
    assert "would take today's spend to 0.0332 USD, over the cap of 0.0249 USD" in over.error["message"]
    rows = impact_rows(over)
    assert rows["spend today"] == "0.0249 USD of a 0.0249 USD cap"
    assert (rows["cost"]["amount"], rows["cost"]["currency"], rows["cost"]["estimate"]) == ("0.0083", "USD", True)
    assert over.error["approval"]["impact"]["reversibility"] == "costs money"
    assert run.spent()[0] == Decimal("0.0249")  # nothing counted while it waits
    approval_id = await approve(run.services, over)
    done = await call(run.client, "message_send", {**SEND, "approval_id": approval_id})
    assert not done.is_error, done
    assert run.spent()[0] == Decimal("0.0332")  # an approved call's spend is still recorded
    assert run.services.stores.send_counter.count(run.services.profile, "message_send") == 4  # each send once


async def test_parallel_sends_cannot_pass_the_spend_cap_together(capped: Open, sandbox: Sandbox) -> None:
    run = await capped(policy('spend_per_day = "0.0249"'))
    results: list[Called] = []

    async def send_one() -> None:
        results.append(await call(run.client, "message_send", SEND))

    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(send_one)
    sent = [r for r in results if not r.is_error]
    gated = [r for r in results if r.is_error and r.error["code"] == "policy.approval_required"]
    assert len(sent) == 3 and len(gated) == 5
    assert run.spent()[0] == Decimal("0.0249")
    assert len(sandbox.state.messages) == 3
    assert run.services.stores.send_counter.count(run.services.profile, "message_send") == 3


async def test_the_monthly_cap_counts_reconciled_days_of_the_month(capped: Open) -> None:
    from skill.core.spend import reconcile_recent

    run = await capped(policy('spend_per_month = "0.78"'))
    assert not (await call(run.client, "message_send", SEND)).is_error
    [yesterday] = await reconcile_recent(run.services, 1)
    assert yesterday.billed == Decimal("0.7649")  # the sandbox's usage total for a day
    over = await call(run.client, "message_send", SEND)
    assert "this month's spend to 0.7815 USD" in over.error["message"]
    assert impact_rows(over)["spend this month"] == "0.7732 USD of a 0.78 USD cap"


async def test_a_send_twilio_refuses_gives_its_spend_back(capped: Open) -> None:
    run = await capped(policy('spend_per_day = "1.00"'))
    failed = await call(run.client, "message_send", {**SEND, "to": "+15005550001"})
    assert failed.error["code"] == "twilio.21211"
    assert run.spent() == (0, 0)


async def test_a_send_with_an_unknown_outcome_keeps_its_spend(capped: Open, sandbox: Sandbox) -> None:
    run = await capped(policy('spend_per_day = "1.00"'))
    assert not (await call(run.client, "message_send", SEND)).is_error  # prices are fetched and kept
    sandbox.faults.queue = ["500"]
    lost = await call(run.client, "message_send", SEND)
    assert lost.error["code"] == "upstream.outcome_unknown"
    assert run.spent()[0] == 2 * PER_SEND  # it may have gone out


async def test_a_replayed_send_gives_its_spend_back(capped: Open) -> None:
    run = await capped(policy('spend_per_day = "1.00"'))
    keyed = {**SEND, "idempotency_key": "once"}
    assert (await call(run.client, "message_send", keyed)).data["replayed"] is False
    assert (await call(run.client, "message_send", keyed)).data["replayed"] is True
    assert run.spent()[0] == PER_SEND


async def test_a_send_held_by_the_daily_count_records_its_spend_when_approved(capped: Open) -> None:
    run = await capped(policy('sends_per_day = 1\nspend_per_day = "5.00"'))
    assert not (await call(run.client, "message_send", SEND)).is_error
    held = await call(run.client, "message_send", SEND)
    assert "daily limit of 1" in held.error["message"]
    assert impact_rows(held)["spend today"] == "0.0083 USD of a 5.00 USD cap"
    done = await call(run.client, "message_send", {**SEND, "approval_id": await approve(run.services, held)})
    assert not done.is_error, done
    assert run.spent()[0] == 2 * PER_SEND


async def test_without_caps_sends_cost_no_pricing_request_and_count_nothing(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    sandbox.record_responses = True
    assert not (await call(client, "message_send", SEND)).is_error
    assert not any(r["host"] == "pricing.twilio.com" for r in sandbox.served)
    assert services.stores.spend.totals(services.profile).today == 0


async def test_a_send_whose_cost_cannot_be_estimated_waits_for_an_operator(capped: Open, sandbox: Sandbox) -> None:
    run = await capped(policy('spend_per_day = "100.00"'))
    held = await call(run.client, "message_send", {**SEND, "to": "+5511987654321"})  # no Brazilian prices listed
    assert held.error["code"] == "policy.approval_required"
    assert "could not be estimated" in held.error["message"] and "BR" in held.error["message"]
    assert sandbox.state.messages == {}


async def test_a_cost_in_another_currency_than_the_caps_waits_for_an_operator(capped: Open) -> None:
    run = await capped(policy('spend_per_day = "100"', 'currency = "JPY"'))
    held = await call(run.client, "message_send", SEND)
    assert held.error["code"] == "policy.approval_required"
    assert "estimated in USD and the account is billed in JPY" in held.error["message"]
    converted = await capped(policy('spend_per_day = "100"', 'currency = "JPY"\nrates = { "USD/JPY" = "150" }'))
    assert not (await call(converted.client, "message_send", SEND)).is_error
    assert converted.spent()[0] == Decimal("1.245")  # 0.0083 USD x 150


async def test_a_read_tool_is_never_estimated_or_counted(capped: Open) -> None:
    run = await capped(policy('spend_per_day = "0"'))
    assert not (await call(run.client, "pricing_get", {"country": "US"})).is_error
    assert not (await call(run.client, "messages_list", {"limit": 1})).is_error
    assert run.spent() == (0, 0)
