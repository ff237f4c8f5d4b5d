from __future__ import annotations

import re

import pytest
from mcp import Client

from skill.core.context import Services
from skill.core.urls import check_webhook_url
from skill.errors import InputError
from tests.conftest import Called, approve, call

pytestmark = pytest.mark.anyio


async def buy(client: Client, services: Services, args: dict[str, object]) -> Called:
    """number_buy through its approval gate."""
    gated = await call(client, "number_buy", args)
    assert gated.error["code"] == "policy.approval_required", gated
    return await call(client, "number_buy", {**args, "approval_id": await approve(services, gated)})


async def test_numbers_list_shows_the_seeded_numbers_with_webhooks(client: Client) -> None:
    result = await call(client, "numbers_list")
    assert not result.is_error, result
    by_number = {n["phone_number"]: n for n in result.data["numbers"]}
    assert {"+15005550006", "+14155550142", "+18005550123"} <= set(by_number)
    assert by_number["+15005550006"]["sms_url"] == "https://example.com/sms"
    assert by_number["+18005550123"]["type"] == "toll_free"
    assert result.data["count"] == len(result.data["numbers"])
    assert result.data["environment"] == "sandbox"


async def test_numbers_list_filters_by_a_number_given_in_national_form(client: Client) -> None:
    result = await call(client, "numbers_list", {"phone_number": "(415) 555-0142"})
    assert [n["phone_number"] for n in result.data["numbers"]] == ["+14155550142"]


async def test_numbers_list_rejects_an_invalid_number_filter(client: Client) -> None:
    result = await call(client, "numbers_list", {"phone_number": "12"})
    assert result.error["code"] == "input.invalid_phone"
    assert result.error["remediation"]


async def test_number_search_honours_area_code_and_letters_as_keypad_digits(client: Client) -> None:
    result = await call(client, "number_search", {"area_code": 415, "contains": "CAFE", "limit": 5})
    assert not result.is_error, result
    found = result.data["available"]
    assert len(found) == 5
    for candidate in found:
        assert candidate["phone_number"].startswith("+1415")
        assert "2233" in candidate["phone_number"][2:]
        assert candidate["iso_country"] == "US"
        assert candidate["locality"] == "San Francisco"


async def test_number_search_wildcards_match_any_digit(client: Client) -> None:
    result = await call(client, "number_search", {"contains": "77*7", "limit": 4})
    numbers = [c["phone_number"] for c in result.data["available"]]
    assert len(numbers) == 4
    assert all(re.search(r"77\d7", n[2:]) for n in numbers)


async def test_number_search_is_deterministic(client: Client) -> None:
    first = await call(client, "number_search", {"area_code": 212, "limit": 3})
    again = await call(client, "number_search", {"area_code": 212, "limit": 3})
    assert first.data["available"] == again.data["available"]


async def test_number_search_capability_filters_hold_for_every_candidate(client: Client) -> None:
    with_mms = await call(client, "number_search", {"mms": True, "limit": 10})
    assert with_mms.data["count"] == 10
    assert all(c["capabilities"]["mms"] for c in with_mms.data["available"])
    without_sms = await call(client, "number_search", {"sms": False, "voice": True, "limit": 3})
    assert without_sms.data["count"] == 3
    assert all(not c["capabilities"]["sms"] and c["capabilities"]["voice"] for c in without_sms.data["available"])


async def test_number_search_toll_free_numbers_use_toll_free_prefixes(client: Client) -> None:
    result = await call(client, "number_search", {"type": "toll_free", "limit": 14})
    prefixes = {c["phone_number"][2:5] for c in result.data["available"]}
    assert result.data["count"] == 14
    assert prefixes <= {"800", "833", "844", "855", "866", "877", "888"}
    assert len(prefixes) > 1


async def test_number_search_finds_mobile_numbers_abroad_but_none_in_the_us(client: Client) -> None:
    uk = await call(client, "number_search", {"country": "gb", "type": "mobile", "limit": 3})
    assert [c["phone_number"][:4] for c in uk.data["available"]] == ["+447"] * 3
    us = await call(client, "number_search", {"country": "US", "type": "mobile"})
    assert us.error["code"] == "twilio.20404"
    assert "toll_free" in us.error["remediation"][0]


async def test_number_search_refuses_an_area_code_outside_north_america(client: Client) -> None:
    result = await call(client, "number_search", {"country": "GB", "area_code": 415})
    assert result.error["code"] == "twilio.21457"


async def test_number_search_rejects_a_malformed_pattern(client: Client) -> None:
    result = await call(client, "number_search", {"contains": "5$5"})
    assert result.error["code"] == "input.invalid"


async def test_number_buy_waits_for_approval_and_spends_nothing_before(client: Client, services: Services) -> None:
    candidate = (await call(client, "number_search", {"area_code": 512, "limit": 1})).data["available"][0]
    gated = await call(client, "number_buy", {"phone_number": candidate["phone_number"]})
    assert gated.error["code"] == "policy.approval_required"
    assert "monthly" in gated.error["approval"]["summary"]
    listed = await call(client, "numbers_list", {"phone_number": candidate["phone_number"]})
    assert listed.data["numbers"] == []


async def test_number_buy_then_numbers_list_shows_it_and_search_no_longer_offers_it(
    client: Client, services: Services
) -> None:
    candidate = (await call(client, "number_search", {"area_code": 512, "limit": 1})).data["available"][0]
    bought = await buy(
        client, services, {"phone_number": candidate["phone_number"], "sms_url": "https://example.com/in"}
    )
    assert not bought.is_error, bought
    number = bought.data["number"]
    assert number["phone_number"] == candidate["phone_number"]
    assert number["sms_url"] == "https://example.com/in"
    assert number["capabilities"] == candidate["capabilities"]
    listed = await call(client, "numbers_list", {"phone_number": candidate["phone_number"]})
    assert [n["sid"] for n in listed.data["numbers"]] == [number["sid"]]
    again = await call(client, "number_search", {"area_code": 512, "limit": 1})
    assert again.data["available"][0]["phone_number"] != candidate["phone_number"]


async def test_number_buy_of_the_valid_test_number_succeeds(client: Client, services: Services) -> None:
    bought = await buy(client, services, {"phone_number": "+15005550006", "friendly_name": "test line"})
    assert not bought.is_error, bought
    assert bought.data["number"]["friendly_name"] == "test line"


@pytest.mark.parametrize(("magic", "code"), [("+15005550000", "twilio.21422"), ("+15005550001", "twilio.21421")])
async def test_number_buy_of_a_magic_test_number_fails_with_its_twilio_code(
    client: Client, services: Services, magic: str, code: str
) -> None:
    refused = await buy(client, services, {"phone_number": magic})
    assert refused.error["code"] == code
    assert refused.error["remediation"][0] == "Nothing was bought and nothing was charged."


async def test_number_buy_of_a_number_the_account_owns_is_not_available(client: Client, services: Services) -> None:
    refused = await buy(client, services, {"phone_number": "+14155550142"})
    assert refused.error["code"] == "twilio.21422"
    assert "already" in refused.error["message"]


async def test_number_buy_rejects_an_invalid_number_before_any_approval(client: Client) -> None:
    result = await call(client, "number_buy", {"phone_number": "+1 555"})
    assert result.error["code"] == "input.invalid_phone"
    assert result.error["approval"] is None


async def test_number_configure_sets_webhooks_and_warns_about_http_in_the_sandbox(client: Client) -> None:
    sid = (await call(client, "numbers_list", {"phone_number": "+14155550142"})).data["numbers"][0]["sid"]
    result = await call(
        client,
        "number_configure",
        {"sid": sid, "sms_url": "http://example.com/sms", "sms_method": "GET", "friendly_name": "Support"},
    )
    assert not result.is_error, result
    number = result.data["number"]
    assert (number["sms_url"], number["sms_method"], number["friendly_name"]) == (
        "http://example.com/sms",
        "GET",
        "Support",
    )
    assert len(result.data["warnings"]) == 1 and "https" in result.data["warnings"][0]
    secure = await call(client, "number_configure", {"sid": sid, "voice_url": "https://example.com/voice"})
    assert secure.data["warnings"] == []
    assert secure.data["number"]["voice_url"] == "https://example.com/voice"


async def test_number_configure_refuses_a_call_with_nothing_to_change(client: Client) -> None:
    sid = (await call(client, "numbers_list")).data["numbers"][0]["sid"]
    result = await call(client, "number_configure", {"sid": sid})
    assert result.error["code"] == "input.nothing_to_change"


async def test_number_configure_refuses_a_url_that_is_not_http(client: Client) -> None:
    sid = (await call(client, "numbers_list")).data["numbers"][0]["sid"]
    result = await call(client, "number_configure", {"sid": sid, "voice_url": "ftp://example.com/x"})
    assert result.error["code"] == "input.invalid_url"


async def test_number_configure_of_an_unknown_sid_is_not_found(client: Client) -> None:
    result = await call(client, "number_configure", {"sid": "PN" + "0" * 32, "friendly_name": "x"})
    assert result.error["code"] == "twilio.20404"
    assert result.error["http_status"] == 404


def test_live_mode_refuses_plain_http_webhooks_with_a_remedy() -> None:
    with pytest.raises(InputError) as raised:
        check_webhook_url("http://example.com/sms", field="sms_url", mode="live")
    assert raised.value.code == "input.insecure_url"
    assert any("https" in step for step in raised.value.remediation)
    assert check_webhook_url("https://example.com/sms", field="sms_url", mode="live") is None


async def test_number_release_waits_for_approval_then_the_number_is_gone(client: Client, services: Services) -> None:
    candidate = (await call(client, "number_search", {"area_code": 206, "limit": 1})).data["available"][0]
    sid = (await buy(client, services, {"phone_number": candidate["phone_number"]})).data["number"]["sid"]
    gated = await call(client, "number_release", {"sid": sid})
    assert gated.error["code"] == "policy.approval_required"
    assert sid in gated.error["approval"]["summary"]
    assert (await call(client, "numbers_list", {"phone_number": candidate["phone_number"]})).data["count"] == 1
    released = await call(client, "number_release", {"sid": sid, "approval_id": await approve(services, gated)})
    assert not released.is_error, released
    assert released.data["released"]["phone_number"] == candidate["phone_number"]
    after = await call(client, "numbers_list", {"phone_number": candidate["phone_number"]})
    assert after.data["numbers"] == []
    assert sid not in {n["sid"] for n in (await call(client, "numbers_list")).data["numbers"]}


async def test_number_release_of_an_unknown_sid_is_not_found(client: Client, services: Services) -> None:
    args = {"sid": "PN" + "1" * 32}
    gated = await call(client, "number_release", args)
    result = await call(client, "number_release", {**args, "approval_id": await approve(services, gated)})
    assert result.error["code"] == "twilio.20404"
