"""What each SEND tool's call is estimated to cost, and past days reconciled with Twilio's usage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from skill.config import Settings
from skill.core import spend
from skill.core.context import Services
from skill.errors import InputError, PolicyError
from skill.policy.tiers import Tier
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.sandbox.magic import VALID
from skill.server.registry import all_tools
from skill.wiring import build_services

pytestmark = pytest.mark.anyio
US = "+14155550100"


@pytest.fixture
def priced(settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, tmp_path: Path) -> Iterator[Services]:
    path = tmp_path / "policy.toml"
    path.write_text('[pricing]\ncall_minutes = 3\nemail_price = "0.001"\nmms_price = "0.025"\n')
    created = build_services(settings.with_overrides(policy_path=path), sandbox=sandbox, clock=wall_clock)
    yield created
    created.stores.close()


def test_every_send_tool_has_an_estimate_and_only_send_tools_do() -> None:
    send_tools = {spec.name for spec in all_tools() if spec.tier is Tier.SEND}
    assert set(spend.ESTIMATORS) == send_tools


async def amount(services: Services, tool: str, args: dict[str, object]) -> tuple[str, str]:
    estimate = await spend.estimate_call(services, tool, args)
    assert estimate.estimate is True
    return estimate.amount, estimate.basis


async def test_a_message_is_its_segments_at_the_destinations_price(priced: Services) -> None:
    figure, basis = await amount(priced, "message_send", {"to": US, "from": VALID, "body": "x" * 161})
    assert figure == "0.0166" and "2 segments" in basis
    mms, basis = await amount(priced, "message_send", {"to": US, "from": VALID, "media_urls": ["https://e.x/a.png"]})
    assert mms == "0.025" and "mms_price" in basis
    whatsapp, basis = await amount(priced, "message_send", {"to": f"whatsapp:{US}", "from": VALID, "body": "x"})
    assert whatsapp == "0.0083" and basis.startswith("WhatsApp counted as SMS")


async def test_a_call_is_the_assumed_minutes_at_the_destinations_rate(priced: Services) -> None:
    figure, basis = await amount(priced, "call_create", {"to": "+447400123456", "from": VALID})
    assert figure == "0.1185" and "3 minutes" in basis and "call_minutes" in basis  # 0.0395 x 3
    app, _ = await amount(priced, "call_create", {"to": "client:alice", "from": VALID})
    assert app == "0.012"  # Twilio's client rate, 0.004 x 3


async def test_a_verification_is_verifys_fee_plus_the_message_or_call_it_sends(priced: Services) -> None:
    by_sms, basis = await amount(priced, "verification_start", {"to": US, "channel": "sms", "service_sid": "VA1"})
    assert by_sms == "0.0583" and "verification_price" in basis
    by_call, _ = await amount(priced, "verification_start", {"to": US, "channel": "call"})
    assert by_call == "0.064"  # 0.05 + one minute at 0.014
    by_email, _ = await amount(priced, "verification_start", {"to": "a@example.com", "channel": "email"})
    assert by_email == "0.05"


async def test_email_lookup_and_studio_estimates(priced: Services, services: Services) -> None:
    three = {"to": ["a@example.com", "b@example.com"], "bcc": ["c@example.com"], "from": "me@example.com"}
    assert (await amount(priced, "email_send", three))[0] == "0.003"
    assert (await amount(services, "email_send", three))[0] == "0.00"  # free unless the policy prices it
    both = {"phone": US, "fields": ["line_type_intelligence", "caller_name"]}
    assert (await amount(priced, "number_lookup", both))[0] == "0.018"
    figure, basis = await amount(priced, "studio_execution_start", {"to": US, "from": VALID, "flow_sid": "FW1"})
    assert figure == "0.0083" and basis.startswith("assumed: the flow sends one SMS segment")


async def test_a_tool_without_an_estimate_cannot_be_counted(services: Services) -> None:
    with pytest.raises(PolicyError) as refused:
        await spend.estimate_call(services, "mystery_send", {})
    assert refused.value.code == "policy.spend_unknown"


async def test_reconciling_a_day_replaces_its_estimate_with_twilios_usage_total(
    services: Services, wall_clock: ManualClock
) -> None:
    wall_clock.advance(-86400)
    services.stores.spend.add(services.profile, Decimal("0.30"))
    wall_clock.advance(86400)
    services.stores.spend.add(services.profile, Decimal("0.10"))  # today: not touched
    yesterday = spend.utc_today(services) - timedelta(days=1)
    done = await spend.reconcile_day(services, yesterday)
    assert (done.day, done.estimated, done.billed, done.currency) == (
        yesterday.isoformat(), Decimal("0.30"), Decimal("0.7649"), "USD",
    )  # fmt: skip
    totals = services.stores.spend.totals(services.profile, yesterday.isoformat())
    assert totals.today == Decimal("0.7649")
    assert services.stores.spend.totals(services.profile).today == Decimal("0.10")


async def test_only_days_that_have_ended_can_be_reconciled(services: Services) -> None:
    for day in (spend.utc_today(services), spend.utc_today(services) + timedelta(days=1)):
        with pytest.raises(InputError) as refused:
            await spend.reconcile_day(services, day)
        assert refused.value.code == "input.invalid_day"
    with pytest.raises(InputError):
        await spend.reconcile_recent(services, 0)
    done = await spend.reconcile_recent(services, 3)
    assert [item.day for item in done] == [
        (spend.utc_today(services) - timedelta(days=back)).isoformat() for back in (3, 2, 1)
    ]
