from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from mcp import Client

from skill.core.compliance import sender_kind
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call

pytestmark = pytest.mark.anyio
NOTIFICATIONS = make_sid("MG", "seed", "service")
PROMOTIONS = make_sid("MG", "seed", "promotions")
TEST_NUMBER = make_sid("PN", "seed", "+15005550006")
TOLL_FREE = make_sid("PN", "seed", "+18005550123")


def by_code(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["code"]: f for f in findings}


async def test_each_seeded_problem_is_found_exactly_once(client: Client) -> None:
    result = await call(client, "compliance_status")
    assert not result.is_error, result
    findings = result.data["findings"]
    assert Counter(f["code"] for f in findings) == {
        "a2p.campaign_suspended": 1,
        "a2p.unregistered_number": 1,
        "tollfree.unverified": 1,
    }
    found = by_code(findings)
    assert found["a2p.campaign_suspended"]["subject"] == PROMOTIONS
    assert found["a2p.campaign_suspended"]["twilio_code"] == 30033
    assert found["a2p.unregistered_number"]["subject"] == "+15005550006"
    assert found["a2p.unregistered_number"]["twilio_code"] == 30034
    assert found["tollfree.unverified"]["subject"] == "+18005550123"
    assert found["tollfree.unverified"]["twilio_code"] == 30032
    assert "PENDING_REVIEW" in found["tollfree.unverified"]["message"]
    assert all(f["severity"] == "error" and f["remediation"] and f["tools"] for f in findings)
    assert result.data["ok"] is False


async def test_findings_carry_catalogue_titles_and_name_the_tools_that_fix_them(client: Client) -> None:
    found = by_code((await call(client, "compliance_status")).data["findings"])
    unregistered = found["a2p.unregistered_number"]
    assert unregistered["title"] == "US A2P 10DLC: message from an unregistered number"
    first_step = unregistered["remediation"][0]
    assert "messaging_service_sender_add" in first_step and NOTIFICATIONS in first_step and TEST_NUMBER in first_step
    assert "messaging_service_sender_add" in unregistered["tools"]
    assert found["tollfree.unverified"]["title"] == "Toll-free number has not been verified"


async def test_the_report_shows_campaign_brand_and_verification_per_service(client: Client) -> None:
    result = await call(client, "compliance_status")
    services = {s["sid"]: s for s in result.data["services"]}
    notifications = services[NOTIFICATIONS]
    assert notifications["campaign"]["status"] == "VERIFIED"
    assert notifications["campaign"]["brand_status"] == "APPROVED"
    senders = {s["phone_number"]: s for s in notifications["senders"]}
    assert senders["+14155550142"]["kind"] == "us_long_code"
    assert senders["+14155550142"]["registration"] == "registered"
    assert senders["+18005550123"]["kind"] == "toll_free"
    assert senders["+18005550123"]["tollfree_verification_status"] == "PENDING_REVIEW"
    assert services[PROMOTIONS]["campaign"]["status"] == "SUSPENDED"
    assert [n["phone_number"] for n in result.data["unassigned_numbers"]] == ["+15005550006"]


async def test_registering_the_test_number_clears_its_finding(client: Client) -> None:
    args = {"service_sid": NOTIFICATIONS, "phone_number_sid": TEST_NUMBER}
    assert not (await call(client, "messaging_service_sender_add", args)).is_error
    codes = [f["code"] for f in (await call(client, "compliance_status")).data["findings"]]
    assert "a2p.unregistered_number" not in codes


async def test_a_number_moved_into_the_suspended_service_is_reported_with_the_campaign(client: Client) -> None:
    args = {"service_sid": PROMOTIONS, "phone_number_sid": TEST_NUMBER}
    assert not (await call(client, "messaging_service_sender_add", args)).is_error
    found = by_code((await call(client, "compliance_status")).data["findings"])
    assert "a2p.unregistered_number" not in found
    assert "+15005550006" in found["a2p.campaign_suspended"]["message"]


async def test_an_approved_toll_free_verification_clears_its_finding(client: Client, sandbox: Sandbox) -> None:
    for verification in sandbox.state.tollfree_verifications.values():
        verification["status"] = "TWILIO_APPROVED"
    codes = [f["code"] for f in (await call(client, "compliance_status")).data["findings"]]
    assert "tollfree.unverified" not in codes


async def test_a_service_with_a_campaign_in_review_gets_a_warning(client: Client, sandbox: Sandbox) -> None:
    for campaign in sandbox.state.a2p_campaigns.values():
        if campaign["messaging_service_sid"] == NOTIFICATIONS:
            campaign["campaign_status"] = "IN_PROGRESS"
    found = by_code((await call(client, "compliance_status")).data["findings"])
    assert found["a2p.campaign_pending"]["severity"] == "warning"
    assert found["a2p.campaign_pending"]["subject"] == NOTIFICATIONS


async def test_compliance_status_for_one_service_skips_numbers_outside_it(client: Client) -> None:
    result = await call(client, "compliance_status", {"service_sid": NOTIFICATIONS})
    assert not result.is_error, result
    assert [s["sid"] for s in result.data["services"]] == [NOTIFICATIONS]
    assert result.data["unassigned_numbers"] == []
    assert [f["code"] for f in result.data["findings"]] == ["tollfree.unverified"]


async def test_compliance_status_for_an_unknown_service_is_not_found(client: Client) -> None:
    result = await call(client, "compliance_status", {"service_sid": "MG" + "0" * 32})
    assert result.error["code"] == "twilio.20404"
    assert "messaging_services_list" in result.error["remediation"][0]


def test_sender_kinds_follow_the_number_plan() -> None:
    assert sender_kind("+14155550142") == "us_long_code"
    assert sender_kind("+18885550100") == "toll_free"
    assert sender_kind("+447700900123") == "other"
    assert sender_kind("+1415555014") == "other"
