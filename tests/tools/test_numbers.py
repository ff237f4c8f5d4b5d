from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID
from skill.core.context import Services
from skill.core.urls import check_webhook_url
from skill.errors import InputError
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import Called, approve, call
from tests.tools.pages import read_all

pytestmark = pytest.mark.anyio
SUPPORT = make_sid("PN", "seed", "+14155550142")
SEEDED = {"+15005550006", "+14155550142", "+18005550123"}


async def approved(client: Client, services: Services, tool: str, args: dict[str, Any]) -> Called:
    """A gated call, approved by an operator and made again."""
    gated = await call(client, tool, args)
    assert gated.error["code"] == "policy.approval_required", gated
    return await call(client, tool, {**args, "approval_id": await approve(services, gated)})


def add_numbers(sandbox: Sandbox, count: int) -> list[str]:
    """Numbers bought today (the seeded ones are over 100 days old)."""
    template = sandbox.state.numbers[SUPPORT]
    sids = [make_sid("PN", "test", index) for index in range(count)]
    for index, sid in enumerate(sids):
        sandbox.state.numbers[sid] = {
            **template,
            "sid": sid,
            "phone_number": f"+1415555031{index}",
            "friendly_name": f"line {index}",
            "created": sandbox.clock.now(),
        }
    return sids


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


async def test_numbers_list_shows_the_seeded_numbers_with_webhooks(client: Client) -> None:
    result = await call(client, "numbers_list")
    assert not result.is_error, result
    by_number = {n["phone_number"]: n for n in result.data["items"]}
    assert set(by_number) == SEEDED
    assert by_number["+15005550006"]["sms_url"] == "https://example.com/sms"
    assert "sms_url" not in by_number["+18005550123"]  # none set: left out, not ""
    assert by_number["+18005550123"]["kind"] == "toll_free"
    assert by_number["+14155550142"]["capabilities"] == {"sms": True, "mms": True, "voice": True}
    assert (result.data["count"], result.data["has_more"]) == (3, False)
    assert result.data["environment"] == "sandbox"


async def test_numbers_list_filters_by_a_number_given_in_national_form(client: Client) -> None:
    result = await call(client, "numbers_list", {"phone_number": "(415) 555-0142"})
    assert [n["sid"] for n in result.data["items"]] == [SUPPORT]


async def test_numbers_list_rejects_an_invalid_number_filter(client: Client) -> None:
    result = await call(client, "numbers_list", {"phone_number": "12"})
    assert result.error["code"] == "input.invalid_phone"
    assert result.error["remediation"]


async def test_numbers_list_pages_through_every_number_exactly_once(client: Client, sandbox: Sandbox) -> None:
    made = add_numbers(sandbox, 5)
    items, cursors = await read_all(client, "numbers_list", {"limit": 3})
    assert len(items) == 8 and len({n["sid"] for n in items}) == 8
    assert {n["sid"] for n in items} >= set(made)
    assert len(cursors) == 2
    for other in ({"phone_number": "+14155550310"}, {"before": iso(sandbox.clock.now())}):
        refused = await call(client, "numbers_list", {"limit": 3, "cursor": cursors[0], **other})
        assert refused.error["code"] == "input.invalid_cursor", other
    forged = await call(client, "numbers_list", {"cursor": "not-a-cursor"})
    assert forged.error["code"] == "input.invalid_cursor"


async def test_numbers_list_filters_by_purchase_time_and_says_what_it_scanned(client: Client, sandbox: Sandbox) -> None:
    made = add_numbers(sandbox, 4)
    yesterday = iso(sandbox.clock.now() - 86400)
    recent = await call(client, "numbers_list", {"after": yesterday})
    assert sorted(n["sid"] for n in recent.data["items"]) == sorted(made)
    assert (recent.data["scanned"], recent.data["has_more"]) == (7, False)
    first = await call(client, "numbers_list", {"after": yesterday, "limit": 2})
    assert (first.data["count"], first.data["has_more"]) == (2, True)
    rest = await call(client, "numbers_list", {"after": yesterday, "limit": 2, "cursor": first.data["next_cursor"]})
    assert {n["sid"] for n in first.data["items"] + rest.data["items"]} == set(made)
    assert rest.data["has_more"] is False
    older = await call(client, "numbers_list", {"before": yesterday})
    assert {n["phone_number"] for n in older.data["items"]} == SEEDED


async def test_over_long_arguments_are_refused_before_any_request(client: Client, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
    for tool, args in [
        ("numbers_list", {"phone_number": "1" * 65}),
        ("number_search", {"contains": "5" * 17}),
        ("number_search", {"country": "USA"}),
        ("number_buy", {"phone_number": "+15125550100", "sms_url": "https://example.com/" + "a" * 2048}),
        ("number_configure", {"sid": SUPPORT, "friendly_name": "x" * 65}),
        ("number_configure", {"sid": SUPPORT + "0"}),
    ]:
        refused = await call(client, tool, args)
        assert refused.error["code"] == "input.invalid", (tool, args)
    assert sandbox.served == []


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
    result = await call(client, "number_search", {"kind": "toll_free", "limit": 14})
    prefixes = {c["phone_number"][2:5] for c in result.data["available"]}
    assert result.data["count"] == 14
    assert prefixes <= {"800", "833", "844", "855", "866", "877", "888"}
    assert len(prefixes) > 1


async def test_number_search_finds_mobile_numbers_abroad_but_none_in_the_us(client: Client) -> None:
    uk = await call(client, "number_search", {"country": "gb", "kind": "mobile", "limit": 3})
    assert [c["phone_number"][:4] for c in uk.data["available"]] == ["+447"] * 3
    us = await call(client, "number_search", {"country": "US", "kind": "mobile"})
    assert us.error["code"] == "twilio.20404"
    assert "toll_free" in us.error["remediation"][0]


async def test_number_search_takes_kind_not_type(client: Client) -> None:
    result = await call(client, "number_search", {"type": "mobile"})
    assert result.error["code"] == "input.invalid"


async def test_number_search_refuses_an_area_code_outside_north_america(client: Client) -> None:
    result = await call(client, "number_search", {"country": "GB", "area_code": 415})
    assert result.error["code"] == "twilio.21457"


async def test_number_search_rejects_a_malformed_pattern(client: Client) -> None:
    result = await call(client, "number_search", {"contains": "5$5"})
    assert result.error["code"] == "input.invalid"


async def test_number_buy_waits_for_approval_and_spends_nothing_before(client: Client) -> None:
    candidate = (await call(client, "number_search", {"area_code": 512, "limit": 1})).data["available"][0]
    gated = await call(client, "number_buy", {"phone_number": candidate["phone_number"]})
    assert gated.error["code"] == "policy.approval_required"
    assert "monthly" in gated.error["approval"]["summary"]
    listed = await call(client, "numbers_list", {"phone_number": candidate["phone_number"]})
    assert listed.data["items"] == []


async def test_number_buy_then_numbers_list_shows_it_and_search_no_longer_offers_it(
    client: Client, services: Services
) -> None:
    candidate = (await call(client, "number_search", {"area_code": 512, "limit": 1})).data["available"][0]
    args = {"phone_number": candidate["phone_number"], "sms_url": "https://example.com/in", "friendly_name": "line"}
    bought = await approved(client, services, "number_buy", args)
    assert not bought.is_error, bought
    assert bought.data["phone_number"] == candidate["phone_number"]
    assert (bought.data["sms_url"], bought.data["friendly_name"]) == ("https://example.com/in", "line")
    assert bought.data["capabilities"] == candidate["capabilities"]
    assert bought.data["warnings"] == []
    listed = await call(client, "numbers_list", {"phone_number": candidate["phone_number"]})
    assert [n["sid"] for n in listed.data["items"]] == [bought.data["sid"]]
    again = await call(client, "number_search", {"area_code": 512, "limit": 1})
    assert again.data["available"][0]["phone_number"] != candidate["phone_number"]


@pytest.mark.parametrize(("magic", "code"), [("+15005550000", "twilio.21422"), ("+15005550001", "twilio.21421")])
async def test_number_buy_of_a_magic_test_number_fails_with_its_twilio_code(
    client: Client, services: Services, magic: str, code: str
) -> None:
    refused = await approved(client, services, "number_buy", {"phone_number": magic})
    assert refused.error["code"] == code
    assert refused.error["remediation"][0] == "Nothing was bought and nothing was charged."


async def test_number_buy_rejects_an_invalid_number_before_any_approval(client: Client) -> None:
    result = await call(client, "number_buy", {"phone_number": "+1 555"})
    assert result.error["code"] == "input.invalid_phone"
    assert result.error["approval"] is None


async def test_number_configure_sets_webhooks_and_warns_about_http_in_the_sandbox(
    client: Client, services: Services
) -> None:
    args = {"sid": SUPPORT, "sms_url": "http://example.com/sms", "sms_method": "GET", "friendly_name": "Support"}
    result = await approved(client, services, "number_configure", args)
    assert not result.is_error, result
    assert (result.data["sid"], result.data["sms_url"], result.data["sms_method"]) == (
        SUPPORT,
        "http://example.com/sms",
        "GET",
    )
    assert result.data["friendly_name"] == "Support"
    assert len(result.data["warnings"]) == 1 and "https" in result.data["warnings"][0]
    secure = await approved(
        client, services, "number_configure", {"sid": SUPPORT, "voice_url": "https://example.com/v"}
    )
    assert secure.data["warnings"] == []
    assert secure.data["voice_url"] == "https://example.com/v"


async def test_number_configure_of_a_name_alone_needs_no_approval(client: Client) -> None:
    result = await call(client, "number_configure", {"sid": SUPPORT, "friendly_name": "Help desk"})
    assert not result.is_error, result
    assert result.data["friendly_name"] == "Help desk"


async def test_number_configure_refuses_a_call_with_nothing_to_change(client: Client) -> None:
    result = await call(client, "number_configure", {"sid": SUPPORT})
    assert result.error["code"] == "input.nothing_to_change"


async def test_number_configure_refuses_a_url_that_is_not_http(client: Client) -> None:
    result = await call(client, "number_configure", {"sid": SUPPORT, "voice_url": "ftp://example.com/x"})
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
    sid = (await approved(client, services, "number_buy", {"phone_number": candidate["phone_number"]})).data["sid"]
    gated = await call(client, "number_release", {"sid": sid})
    assert gated.error["code"] == "policy.approval_required"
    assert sid in gated.error["approval"]["summary"]
    assert (await call(client, "numbers_list", {"phone_number": candidate["phone_number"]})).data["count"] == 1
    released = await call(client, "number_release", {"sid": sid, "approval_id": await approve(services, gated)})
    assert not released.is_error, released
    assert {key: released.data[key] for key in ("sid", "deleted", "phone_number")} == {
        "sid": sid,
        "deleted": True,
        "phone_number": candidate["phone_number"],
    }
    after = await call(client, "numbers_list", {"phone_number": candidate["phone_number"]})
    assert after.data["items"] == []


async def test_numbers_of_a_subaccount_are_not_this_accounts_to_release(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    staging = make_sid("AC", "sub", "staging")
    sandbox.state.numbers["PN" + "7" * 32] = {
        **sandbox.state.numbers[SUPPORT],
        "sid": "PN" + "7" * 32,
        "account_sid": staging,
    }
    result = await call(client, "number_release", {"sid": "PN" + "7" * 32})
    assert result.error["code"] == "twilio.20404"
    assert services.stores.approvals.list() == []
    assert sandbox.state.numbers["PN" + "7" * 32]["account_sid"] != SANDBOX_ACCOUNT_SID
