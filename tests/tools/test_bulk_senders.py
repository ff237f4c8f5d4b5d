"""How fast a bulk send through a Messaging Service may go: its senders together, its US long codes at
its A2P 10DLC campaign's throughput when Twilio reports one, and the policy's rates over both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.bulk_jobs import SENDER, people
from tests.conftest import call

pytestmark = pytest.mark.anyio

CAMPAIGNED = make_sid("MG", "seed", "service")  # a VERIFIED campaign: AT&T 240 per minute, 4 per second
SUSPENDED = make_sid("MG", "seed", "promotions")  # its campaign reports 600 per second, but is suspended
LONG_CODES = ("+15005550006", "+14155550142")


def pool(sandbox: Sandbox, service: str, *numbers: str) -> None:
    sandbox.state.services[service]["senders"] = {
        sid: 0.0 for sid, number in sandbox.state.numbers.items() if number["phone_number"] in numbers
    }


async def rate(client: Client, service: str, count: int = 8) -> dict[str, float]:
    args = {"body": "Hi", "messaging_service_sid": service, "recipients": people(count), "dry_run": True}
    result = await call(client, "bulk_send_create", args)
    assert not result.is_error, result
    report = result.data["report"]
    return {"rate": report["rate_segments_per_second"], "seconds": report["seconds"]}


async def test_a_service_with_a_verified_campaign_sends_its_long_codes_at_the_campaigns_rate(
    client: Client, sandbox: Sandbox
) -> None:
    pool(sandbox, CAMPAIGNED, *LONG_CODES, SENDER)
    # The two long codes share the campaign's 4 per second; the toll-free number adds its own 3.
    assert await rate(client, CAMPAIGNED, 14) == {"rate": 7.0, "seconds": 2}


async def test_a_service_without_a_verified_campaign_counts_one_per_second_per_long_code(
    client: Client, sandbox: Sandbox
) -> None:
    pool(sandbox, SUSPENDED, *LONG_CODES, SENDER)
    assert await rate(client, SUSPENDED, 10) == {"rate": 5.0, "seconds": 2}
    pool(sandbox, SUSPENDED, *LONG_CODES)
    del sandbox.state.a2p_campaigns[make_sid("QE", "seed", SUSPENDED)]  # no campaign at all
    assert (await rate(client, SUSPENDED))["rate"] == 2.0


@pytest.fixture
async def tuned(
    tmp_path: Path, settings: Settings, sandbox: Sandbox, wall_clock: ManualClock
) -> AsyncIterator[tuple[Client, Services]]:
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[bulk]\nrates = {{ "{LONG_CODES[1]}" = 10, "{SUSPENDED}" = 25 }}\n')
    services = build_services(settings.with_overrides(policy_path=policy), sandbox=sandbox, clock=wall_clock)
    async with Client(build_server(settings.with_overrides(policy_path=None), services)) as connected:
        yield connected, services
    services.stores.close()


async def test_the_policys_rates_win_over_the_campaigns(tuned: tuple[Client, Services], sandbox: Sandbox) -> None:
    client, _ = tuned
    pool(sandbox, CAMPAIGNED, *LONG_CODES, SENDER)
    # The configured long code at 10, the other at the campaign's 4, the toll-free number at 3.
    assert (await rate(client, CAMPAIGNED))["rate"] == 17.0
    pool(sandbox, SUSPENDED, *LONG_CODES)
    assert (await rate(client, SUSPENDED))["rate"] == 25.0  # a rate configured for the service itself
