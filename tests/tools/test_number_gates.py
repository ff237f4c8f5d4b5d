"""What an operator is shown before a number is bought, repointed or released, and the calls that
are refused before any operator is asked: an unknown number, one the account already owns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import Settings
from skill.core import number_impact
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import Elapse, call

pytestmark = pytest.mark.anyio
SUPPORT = make_sid("PN", "seed", "+14155550142")
SERVICE = make_sid("MG", "seed", "service")
UNKNOWN = "PN" + "0" * 32


def facts(impact: dict[str, Any], part: str = "facts") -> dict[str, str]:
    return {fact["label"]: fact["value"] for fact in impact[part]}


async def send_from_support(client: Client, count: int) -> None:
    for index in range(count):
        sent = await call(client, "message_send", {"to": f"+1415555020{index}", "from": "+14155550142", "body": "hi"})
        assert not sent.is_error, sent


@pytest.fixture
async def trusting(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[tuple[Client, Services]]:
    """A client whose policy lets numbers point at hooks.example.com without an operator."""
    policy = tmp_path / "hosts.toml"
    policy.write_text('[webhooks]\nallowed_hosts = ["hooks.example.com"]\n')
    trusted = settings.with_overrides(policy_path=policy)
    services = build_services(trusted, sandbox=sandbox)
    async with Client(build_server(trusted, services)) as connected:
        yield connected, services
    await services.aclose()


async def test_releasing_an_unknown_number_is_not_found_and_opens_no_approval(
    client: Client, services: Services
) -> None:
    result = await call(client, "number_release", {"sid": UNKNOWN})
    assert result.error["code"] == "twilio.20404"
    assert result.error["approval"] is None
    assert services.stores.approvals.list() == []


async def test_a_release_shows_the_number_what_it_serves_and_its_last_30_days(
    client: Client, services: Services, elapse: Elapse
) -> None:
    await send_from_support(client, 2)
    elapse(60)  # the messages go out on the sandbox clock
    gated = await call(client, "number_release", {"sid": SUPPORT})
    impact = gated.error["approval"]["impact"]
    assert impact["resource"] == 'Phone number +14155550142 "Support line"'
    now = facts(impact)
    assert (now["SMS URL"], now["voice URL"]) == ("none", "https://example.com/voice")
    assert now["kind"] == "local; SMS, MMS, voice"
    assert now["messaging service"] == f'"Sandbox notifications" ({SERVICE})'
    assert now["monthly fee it stops"] == "about 1.15 USD per month, local number in US"
    assert facts(impact, "blast_radius") == {
        "messages, last 30 days": "2 sent, 0 received",
        "calls, last 30 days": "3 made, 0 received",  # the sandbox's seeded calls from the support line
    }
    assert impact["reversibility"] == "not reversible"
    (stored,) = services.stores.approvals.list()
    assert stored.impact is not None and stored.impact.resource == impact["resource"]


async def test_traffic_counts_stop_at_their_cap_and_say_there_is_more(
    client: Client, elapse: Elapse, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(number_impact, "TRAFFIC_CAP", 2)
    await send_from_support(client, 3)
    elapse(60)
    gated = await call(client, "number_release", {"sid": SUPPORT})
    reach = facts(gated.error["approval"]["impact"], "blast_radius")
    assert reach == {"messages, last 30 days": "2+ sent, 0 received", "calls, last 30 days": "2+ made, 0 received"}


async def test_a_number_in_no_service_says_so(client: Client) -> None:
    gated = await call(client, "number_release", {"sid": make_sid("PN", "seed", "+15005550006")})
    impact = gated.error["approval"]["impact"]
    assert facts(impact)["messaging service"] == "none"
    assert facts(impact)["SMS URL"] == "https://example.com/sms"
    assert impact["resource"] == 'Phone number +15005550006 "Sandbox valid sender"'


async def test_repointing_a_number_at_an_unlisted_host_waits_for_approval_showing_old_and_new(
    client: Client, services: Services
) -> None:
    args = {
        "sid": SUPPORT,
        "voice_url": "https://elsewhere.example.net/in",
        "sms_url": "https://elsewhere.example.net/s",
    }
    gated = await call(client, "number_configure", args)
    assert gated.error["code"] == "policy.approval_required"
    assert "elsewhere.example.net" in gated.error["message"]
    impact = gated.error["approval"]["impact"]
    changes = facts(impact)
    assert changes["voice URL"] == "https://example.com/voice → https://elsewhere.example.net/in"
    assert changes["SMS URL"] == "none → https://elsewhere.example.net/s"
    assert changes["messaging service"] == f'"Sandbox notifications" ({SERVICE})'
    assert "calls, last 30 days" in facts(impact, "blast_radius")
    assert impact["reversibility"] == "reversible"
    number = (await call(client, "numbers_list", {"phone_number": "+14155550142"})).data["items"][0]
    assert number["voice_url"] == "https://example.com/voice"  # nothing changed yet


@pytest.mark.parametrize("field", ["sms_url", "voice_url", "status_callback"])
async def test_every_url_a_number_takes_is_gated_by_host(trusting: tuple[Client, Services], field: str) -> None:
    client, services = trusting
    allowed = await call(client, "number_configure", {"sid": SUPPORT, field: "https://hooks.example.com/twilio"})
    assert not allowed.is_error, allowed
    assert allowed.data[field] == "https://hooks.example.com/twilio"
    foreign = await call(client, "number_configure", {"sid": SUPPORT, field: "https://hooks.example.com.evil.test/x"})
    assert foreign.error["code"] == "policy.approval_required"
    assert len(services.stores.approvals.list()) == 1


async def test_repointing_an_unknown_number_is_not_found_and_opens_no_approval(
    client: Client, services: Services
) -> None:
    result = await call(client, "number_configure", {"sid": UNKNOWN, "sms_url": "https://elsewhere.example.net/s"})
    assert result.error["code"] == "twilio.20404"
    assert services.stores.approvals.list() == []


async def test_a_purchase_shows_the_number_its_country_and_kind_and_that_it_costs_money(client: Client) -> None:
    candidate = (await call(client, "number_search", {"area_code": 512, "limit": 1})).data["available"][0]
    args = {
        "phone_number": candidate["phone_number"],
        "voice_url": "https://hooks.example.com/v",
        "friendly_name": "IVR",
    }
    gated = await call(client, "number_buy", args)
    impact = gated.error["approval"]["impact"]
    assert impact["resource"] == f'Phone number {candidate["phone_number"]} "IVR"'
    assert facts(impact) == {
        "country": "US",
        "kind": "local",
        "SMS URL": "none",
        "voice URL": "https://hooks.example.com/v",
    }
    assert impact["reversibility"] == "costs money"
    assert impact["cost"] == {
        "amount": "1.15",
        "currency": "USD",
        "basis": "per month, local number in US",
        "estimate": True,
    }


async def test_a_toll_free_purchase_says_toll_free_and_costs_its_own_fee(client: Client) -> None:
    candidate = (await call(client, "number_search", {"kind": "toll_free", "limit": 1})).data["available"][0]
    gated = await call(client, "number_buy", {"phone_number": candidate["phone_number"]})
    impact = gated.error["approval"]["impact"]
    assert facts(impact)["kind"] == "toll_free"
    assert (impact["cost"]["amount"], impact["cost"]["basis"]) == ("2.15", "per month, toll free number in US")


async def test_a_purchase_without_a_published_price_says_the_fee_is_unknown(client: Client) -> None:
    gated = await call(client, "number_buy", {"phone_number": "+81312345678"})
    impact = gated.error["approval"]["impact"]
    assert impact.get("cost") is None
    assert facts(impact)["monthly fee"] == "unknown (not_found.price)"
    assert (facts(impact)["country"], impact["reversibility"]) == ("JP", "costs money")


@pytest.mark.parametrize("written", ["+14155550142", "(415) 555-0142", "+15005550006"])
async def test_buying_a_number_the_account_owns_is_refused_before_an_approval_is_opened(
    client: Client, services: Services, written: str
) -> None:
    refused = await call(client, "number_buy", {"phone_number": written})
    assert refused.error["code"] == "input.number_owned"
    assert "number_configure" in refused.error["remediation"][0]
    assert services.stores.approvals.list() == []
