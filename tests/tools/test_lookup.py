from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from tests.conftest import call

pytestmark = pytest.mark.anyio


async def lookup(client: Client, phone: str, *fields: str) -> dict[str, Any]:
    args = {"phone_number": phone, "fields": list(fields or ["line_type_intelligence"])}
    result = await call(client, "number_lookup", args)
    assert not result.is_error, result
    return result.data


@pytest.mark.parametrize(
    ("phone", "line_type", "reachable", "expected_error"),
    [
        ("+14155550142", "mobile", "yes", None),
        ("+15005550006", "mobile", "yes", None),
        ("+14155550144", "landline", "no", 30006),
        ("+14155550146", "fixedVoip", "maybe", None),
        ("+14155550147", "nonFixedVoip", "maybe", None),
        ("+18005550199", "tollFree", "maybe", 30006),
    ],
)
async def test_the_line_type_says_what_it_means_for_sms(
    client: Client, phone: str, line_type: str, reachable: str, expected_error: int | None
) -> None:
    data = await lookup(client, phone)
    assert data["phone_number"] == phone and data["valid"] is True
    assert data["line_type"] == line_type
    assert data["sms_reachable"] == reachable
    assert data.get("expected_error") == expected_error
    assert data["sms_advice"]


async def test_a_landline_is_reported_as_unable_to_take_sms(client: Client) -> None:
    data = await lookup(client, "(415) 555-0145")
    assert data["phone_number"] == "+14155550145"
    assert "30006" in data["sms_advice"] and "landline" in data["sms_advice"].lower()
    assert data["carrier_name"] and data.get("mobile_country_code") is None


async def test_voip_numbers_come_with_a_filtering_caveat(client: Client) -> None:
    data = await lookup(client, "+14155550147")
    assert "30007" in data["sms_advice"]


async def test_a_mobile_number_names_its_carrier_network(client: Client) -> None:
    data = await lookup(client, "+14155550140")
    assert data["carrier_name"] and data["mobile_country_code"] == "310" and data["mobile_network_code"]
    assert data["country_code"] == "US" and data["national_format"] == "(415) 555-0140"


async def test_caller_name_is_returned_for_us_numbers(client: Client) -> None:
    data = await lookup(client, "+14155550144", "caller_name")
    assert data["caller_name"] == "SANDBOX BUSINESS 0144" and data["caller_type"] == "BUSINESS"
    assert data.get("line_type") is None and data["sms_reachable"] == "unknown"
    assert "line_type_intelligence" in data["sms_advice"]


async def test_caller_name_outside_the_us_reports_the_coverage_error(client: Client) -> None:
    data = await lookup(client, "+16135550143", "caller_name", "line_type_intelligence")
    assert data.get("caller_name") is None
    assert data["package_errors"] == {"caller_name": 60600}
    assert (await lookup(client, "+14155550142"))["package_errors"] == {}
    assert data["line_type"] == "mobile" and data["country_code"] == "CA"


async def test_an_invalid_number_is_refused_locally_and_nothing_is_billed(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    sandbox.record_responses = True
    result = await call(client, "number_lookup", {"phone_number": "+1415555"})
    assert result.error["code"] == "input.invalid_phone"
    assert result.error["remediation"]
    assert sandbox.served == []
    assert services.stores.send_counter.count(services.profile, "number_lookup") == 0


async def test_a_lookup_counts_as_a_billed_send(client: Client, services: Services) -> None:
    await lookup(client, "+14155550142")
    assert services.stores.send_counter.count(services.profile, "number_lookup") == 1


async def test_a_number_outside_the_allowed_countries_can_be_looked_up_since_nobody_is_contacted(
    client: Client, sandbox: Sandbox
) -> None:
    sandbox.record_responses = True
    result = await call(client, "number_lookup", {"phone_number": "+447911123456"})
    assert not result.is_error, result
    assert result.data["phone_number"] == "+447911123456"
    assert len(sandbox.served) == 1


@pytest.mark.parametrize(
    "args",
    [
        {"phone_number": "+14155550142", "fields": ["sim_swap"]},
        {"phone_number": "+14155550142", "fields": ["caller_name", "caller_name", "caller_name"]},
        {"phone_number": "+1" + "4" * 63},
        {"phone": "+14155550142"},
    ],
)
async def test_bad_arguments_are_refused_by_the_schema_before_any_request(
    client: Client, sandbox: Sandbox, args: dict[str, Any]
) -> None:
    sandbox.record_responses = True
    result = await call(client, "number_lookup", args)
    assert result.error["code"] == "input.invalid"
    assert sandbox.served == []
