from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.errors import PolicyError
from skill.gateways.http import RetryPolicy
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import Elapse, call
from tests.tools.pages import read_pages

pytestmark = pytest.mark.anyio
SERVICE = make_sid("VA", "seed", "verify")
PHONE = "+14155550100"
RELAXED = """
[limits]
verify_cooldown_seconds = 0
verify_sends_per_hour = 100
"""


@pytest.fixture(autouse=True)
def no_retries(services: Services) -> None:
    # Twilio's 429 answers are retried by the HTTP client; these tests want the first answer.
    services.twilio.http.retry = RetryPolicy(attempts=1)


@pytest.fixture
async def gated(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[tuple[Client, Services]]:
    """A client whose policy sends every verification start and check to an operator."""
    path = tmp_path / "gated.toml"
    path.write_text('[tools]\nverification_start = "approve"\nverification_check = "approve"\n')
    gated_settings = settings.with_overrides(policy_path=path, home=tmp_path / "gated-home")
    services = build_services(gated_settings, sandbox=sandbox)
    async with Client(build_server(gated_settings, services)) as connected:
        yield connected, services
    await services.aclose()


@pytest.fixture
async def relaxed(
    settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, tmp_path: Path
) -> AsyncIterator[Client]:
    """A client whose policy lifts the local send limits, to reach Twilio's own."""
    path = tmp_path / "relaxed.toml"
    path.write_text(RELAXED)
    relaxed_settings = settings.with_overrides(policy_path=path, home=tmp_path / "relaxed-home")
    services = build_services(relaxed_settings, sandbox=sandbox, clock=wall_clock)
    services.twilio.http.retry = RetryPolicy(attempts=1)
    async with Client(build_server(relaxed_settings, services)) as connected:
        yield connected
    await services.aclose()


async def delivered_codes(sandbox: Sandbox, to: str) -> list[str]:
    """Codes the sandbox delivered to `to`, read through its inspection route."""
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox") as inspector:
        response = await inspector.get("/_sandbox/verify/codes", params={"to": to})
    return [item["code"] for item in response.json()["codes"]]


async def start(client: Client, to: str = PHONE, **extra: str) -> dict[str, object]:
    result = await call(client, "verification_start", {"service_sid": SERVICE, "to": to, **extra})
    assert not result.is_error, result
    return result.data


async def test_verify_services_list_shows_the_seeded_service_and_one_created_with_longer_codes(
    client: Client, sandbox: Sandbox
) -> None:
    listed = await call(client, "verify_services_list")
    assert [s["friendly_name"] for s in listed.data["items"]] == ["Sandbox login"]
    assert listed.data["has_more"] is False
    created = await call(client, "verify_service_create", {"friendly_name": "Shop", "code_length": 8})
    assert not created.is_error, created
    service = created.data  # the service itself, flat
    assert service["code_length"] == 8 and service["sid"].startswith("VA")
    await call(client, "verification_start", {"service_sid": service["sid"], "to": PHONE})
    assert [len(code) for code in await delivered_codes(sandbox, PHONE)] == [8]
    assert (await call(client, "verify_services_list")).data["count"] == 2


async def test_verify_service_create_refuses_a_code_length_outside_four_to_ten(client: Client) -> None:
    result = await call(client, "verify_service_create", {"friendly_name": "Shop", "code_length": 12})
    assert result.error["code"] == "input.invalid"
    assert "code_length" in result.error["message"]


async def test_the_delivered_code_approves_the_check_and_neither_result_nor_audit_contains_it(
    client: Client, sandbox: Sandbox, services: Services
) -> None:
    started = await start(client, "(415) 555-0100")
    assert started["to"] == PHONE and started["status"] == "pending" and started["send_attempts"] == 1
    [code] = await delivered_codes(sandbox, PHONE)
    assert code not in str(started)
    checked = await call(client, "verification_check", {"service_sid": SERVICE, "to": PHONE, "code": code})
    assert not checked.is_error, checked
    assert checked.data["approved"] is True and checked.data["status"] == "approved"
    entries = services.stores.audit.tail(5, tool="verification_check")
    assert entries and entries[-1].detail["args"]["code"] == "[redacted]"
    assert all(code not in json.dumps(entry.detail) for entry in entries)


async def test_a_wrong_code_is_not_approved_and_the_right_one_still_works_by_verification_sid(
    client: Client, sandbox: Sandbox
) -> None:
    started = await start(client)
    [code] = await delivered_codes(sandbox, PHONE)
    wrong = "1" * len(code) if code != "1" * len(code) else "2" * len(code)
    missed = await call(client, "verification_check", {"service_sid": SERVICE, "to": PHONE, "code": wrong})
    assert missed.data["approved"] is False and missed.data["status"] == "pending"
    assert sandbox.state.verifications[str(started["sid"])]["checks"] == 1
    right = await call(
        client, "verification_check", {"service_sid": SERVICE, "verification_sid": started["sid"], "code": code}
    )
    assert right.data["approved"] is True


async def test_a_check_needs_exactly_one_of_to_and_verification_sid(client: Client) -> None:
    neither = await call(client, "verification_check", {"service_sid": SERVICE, "code": "123456"})
    assert neither.error["code"] == "input.verification_target"


async def test_a_second_send_within_the_cooldown_is_refused_locally_with_the_remaining_wait(
    client: Client, sandbox: Sandbox, elapse: Elapse
) -> None:
    await start(client)
    refused = await call(client, "verification_start", {"service_sid": SERVICE, "to": PHONE})
    assert refused.error["code"] == "policy.verify_cooldown"
    assert "wait 60 seconds" in refused.error["message"] and refused.error["retryable"] is True
    assert any("channel='call'" in step for step in refused.error["remediation"])
    elapse(45)
    later = await call(client, "verification_start", {"service_sid": SERVICE, "to": PHONE})
    assert "wait 15 seconds" in later.error["message"]
    assert len(await delivered_codes(sandbox, PHONE)) == 1
    elapse(15)
    await start(client)
    assert len(await delivered_codes(sandbox, PHONE)) == 2


async def test_the_hourly_cap_refuses_the_sixth_send_with_the_time_until_the_oldest_ages_out(
    client: Client, sandbox: Sandbox, elapse: Elapse
) -> None:
    for _ in range(5):
        await start(client)
        elapse(61)
    refused = await call(client, "verification_start", {"service_sid": SERVICE, "to": PHONE})
    assert refused.error["code"] == "policy.verify_rate_limited"
    # The first send was 5 * 61 = 305 seconds ago; it leaves the one-hour window in 3295 seconds.
    assert "3295 seconds" in refused.error["message"]
    assert len(await delivered_codes(sandbox, PHONE)) == 5
    other = await call(client, "verification_start", {"service_sid": SERVICE, "to": "+14155550101"})
    assert not other.is_error


async def test_twilios_max_send_attempts_offers_another_channel_and_the_wait_until_expiry(
    relaxed: Client, sandbox: Sandbox, elapse: Elapse
) -> None:
    for _ in range(5):
        await start(relaxed)
    elapse(100)
    refused = await call(relaxed, "verification_start", {"service_sid": SERVICE, "to": PHONE})
    error = refused.error
    assert error["code"] == "twilio.60203" and error["http_status"] == 429
    steps = " ".join(error["remediation"])
    assert "verification_check" in error["remediation"][0]
    assert "500 seconds" in steps and "channel='call'" in steps and "channel='email'" in steps


async def test_twilio_throttling_a_call_offers_sms_or_email_and_a_wait(relaxed: Client, sandbox: Sandbox) -> None:
    sandbox.faults.queue = ["429"]
    refused = await call(relaxed, "verification_start", {"service_sid": SERVICE, "to": PHONE, "channel": "call"})
    error = refused.error
    assert error["http_status"] == 429
    steps = " ".join(error["remediation"])
    assert "60 seconds" in steps and "channel='sms'" in steps and "channel='email'" in steps
    assert await delivered_codes(sandbox, PHONE) == []


async def test_five_wrong_checks_close_the_verification_and_the_sixth_gets_60202_with_another_channel(
    client: Client, sandbox: Sandbox
) -> None:
    await start(client)
    [code] = await delivered_codes(sandbox, PHONE)
    wrong = "9" * len(code) if code != "9" * len(code) else "8" * len(code)
    statuses = []
    for _ in range(5):
        checked = await call(client, "verification_check", {"service_sid": SERVICE, "to": PHONE, "code": wrong})
        statuses.append(checked.data["status"])
    assert statuses == ["pending"] * 4 + ["max_attempts_reached"]
    blocked = await call(client, "verification_check", {"service_sid": SERVICE, "to": PHONE, "code": code})
    error = blocked.error
    assert error["code"] == "twilio.60202" and error["http_status"] == 429
    assert error["remediation"][0].startswith("Stop checking")
    assert "600 seconds" in error["remediation"][1] and "channel='call'" in error["remediation"][2]


async def test_a_verification_expires_after_ten_minutes_on_the_sandbox_clock(
    client: Client, sandbox: Sandbox, elapse: Elapse
) -> None:
    await start(client)
    [code] = await delivered_codes(sandbox, PHONE)
    elapse(601)
    late = await call(client, "verification_check", {"service_sid": SERVICE, "to": PHONE, "code": code})
    assert late.error["code"] == "twilio.20404" and late.error["http_status"] == 404
    assert "expired" in late.error["remediation"][0]
    fresh = await start(client)
    assert fresh["send_attempts"] == 1


async def test_an_email_verification_passes_the_country_gate_and_channels_must_fit_the_address(
    client: Client, sandbox: Sandbox
) -> None:
    # Digits in an email address must not be read as a phone number in a country the policy refuses.
    address = "+442079460000@Example.com"
    sent = await start(client, address, channel="email")
    assert sent["to"] == address.lower() and sent["channel"] == "email"
    assert len(await delivered_codes(sandbox, address.lower())) == 1
    by_sms = await call(client, "verification_start", {"service_sid": SERVICE, "to": "a@example.com"})
    assert by_sms.error["code"] == "input.invalid_phone"
    email_to_phone = await call(client, "verification_start", {"service_sid": SERVICE, "to": PHONE, "channel": "email"})
    assert email_to_phone.error["code"] == "input.invalid_email"


async def test_a_phone_in_a_country_outside_the_policy_is_refused_before_sending(
    client: Client, sandbox: Sandbox
) -> None:
    refused = await call(client, "verification_start", {"service_sid": SERVICE, "to": "+442079460000"})
    assert refused.error["code"] == "policy.country_not_allowed"
    assert sandbox.state.verify_codes == []


async def test_an_unknown_service_is_reported_as_not_found(client: Client) -> None:
    missing = make_sid("VA", "no", "such")
    result = await call(client, "verification_start", {"service_sid": missing, "to": PHONE})
    assert result.error["code"] == "twilio.20404"


async def test_verify_services_list_pages_through_every_service_exactly_once(client: Client) -> None:
    for index in range(4):
        made = await call(client, "verify_service_create", {"friendly_name": f"Shop {index}"})
        assert not made.is_error, made
    items, pages = await read_pages(client, "verify_services_list", {"limit": 2})
    assert [page["count"] for page in pages] == [2, 2, 1]
    assert sorted(item["friendly_name"] for item in items) == ["Sandbox login"] + [f"Shop {i}" for i in range(4)]
    assert len({item["sid"] for item in items}) == 5
    assert all(page["has_more"] for page in pages[:-1]) and pages[-1]["has_more"] is False


async def test_a_cursor_that_is_not_one_the_server_gave_out_is_refused(client: Client) -> None:
    forged = await call(client, "verify_services_list", {"cursor": "eyJwYWdlIjo5OTl9"})
    assert forged.error["code"] == "input.invalid_cursor"


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("verify_service_create", {"friendly_name": "x" * 33}),
        ("verification_start", {"service_sid": SERVICE, "to": "1" * 255}),
        ("verification_start", {"service_sid": SERVICE, "to": PHONE, "locale": "x" * 11}),
        ("verification_start", {"service_sid": SERVICE + "0", "to": PHONE}),
        ("verification_check", {"service_sid": SERVICE, "to": PHONE, "code": "1" * 11}),
        ("verification_check", {"service_sid": SERVICE, "to": "a" * 250 + "@x.io", "code": "1234"}),
        ("verify_services_list", {"cursor": "c" * 513}),
    ],
    ids=["name", "to", "locale", "sid", "code", "email", "cursor"],
)
async def test_over_long_arguments_are_refused_before_any_request(
    client: Client, sandbox: Sandbox, tool: str, args: dict[str, object]
) -> None:
    sandbox.record_responses = True
    refused = await call(client, tool, args)
    assert refused.error["code"] == "input.invalid"
    assert sandbox.served == []


async def test_a_waiting_verification_start_names_the_service_and_its_cost(gated: tuple[Client, Services]) -> None:
    client, services = gated
    waiting = await call(client, "verification_start", {"service_sid": SERVICE, "to": PHONE, "channel": "call"})
    impact = waiting.error["approval"]["impact"]
    assert impact["resource"] == f"Verify service Sandbox login ({SERVICE})"
    assert {"label": "channel", "value": "call"} in impact["facts"]
    assert {"label": "code length", "value": "6"} in impact["facts"]
    assert impact["reversibility"] == "costs money"
    # The Verify fee and the call that reads the code out, priced for the destination.
    assert impact["cost"]["currency"] == "USD" and "Verify fee" in impact["cost"]["basis"]
    assert "minute" in impact["cost"]["basis"]


async def test_a_verification_start_for_an_unknown_service_opens_no_approval(
    gated: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, services = gated
    missing = await call(client, "verification_start", {"service_sid": make_sid("VA", "no", "such"), "to": PHONE})
    assert missing.error["code"] == "twilio.20404"
    assert missing.error["approval"] is None
    assert services.stores.approvals.list() == []
    assert sandbox.state.verify_codes == []


async def test_a_check_without_a_target_is_refused_before_an_approval_is_opened(
    gated: tuple[Client, Services],
) -> None:
    client, services = gated
    both = {"service_sid": SERVICE, "to": PHONE, "verification_sid": "VE" + "0" * 32, "code": "1234"}
    for args in ({"service_sid": SERVICE, "code": "1234"}, both):
        refused = await call(client, "verification_check", args)
        assert refused.error["code"] == "input.verification_target"
    assert services.stores.approvals.list() == []


async def test_the_code_reaches_no_summary_approval_or_audit_entry_even_when_refused_or_approved(
    gated: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, services = gated
    started = await call(client, "verification_start", {"service_sid": SERVICE, "to": PHONE})
    services.approvals.decide(started.error["approval"]["id"], approve=True, operator="test-operator")
    await call(
        client,
        "verification_start",
        {"service_sid": SERVICE, "to": PHONE, "approval_id": started.error["approval"]["id"]},
    )
    [code] = await delivered_codes(sandbox, PHONE)
    too_long = code + "00000"
    refused = await call(client, "verification_check", {"service_sid": SERVICE, "to": PHONE, "code": too_long})
    assert refused.error["code"] == "input.invalid" and too_long not in json.dumps(refused.data)
    args = {"service_sid": SERVICE, "to": PHONE, "code": code}
    waiting = await call(client, "verification_check", args)
    assert code not in json.dumps(waiting.data)
    approval_id = waiting.error["approval"]["id"]
    services.approvals.decide(approval_id, approve=True, operator="test-operator")
    checked = await call(client, "verification_check", {**args, "approval_id": approval_id})
    assert checked.data["approved"] is True
    stored = services.approvals.get(approval_id)
    assert stored.arguments()["code"] == "[redacted]"
    assert code not in stored.summary and code not in stored.args_json
    entries = services.stores.audit.tail(50)
    logged = [json.dumps(entry.detail) for entry in entries]
    assert logged and not [text for text in logged if code in text or too_long in text]


async def test_a_send_whose_price_is_unknown_still_reaches_the_operator_without_a_cost(
    gated: tuple[Client, Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unpriced(*_: object) -> None:
        raise PolicyError("no rate", code="policy.spend_unknown")

    monkeypatch.setattr("skill.core.verify.estimate_call", unpriced)
    client, services = gated
    waiting = await call(client, "verification_start", {"service_sid": SERVICE, "to": PHONE})
    assert waiting.error["code"] == "policy.approval_required"
    assert "cost" not in waiting.error["approval"]["impact"] or waiting.error["approval"]["impact"]["cost"] is None
    assert len(services.stores.approvals.list()) == 1
