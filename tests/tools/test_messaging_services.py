from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, Settings
from skill.core import messaging_services as core
from skill.core.context import Services
from skill.errors import InputError
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import call

pytestmark = pytest.mark.anyio
NOTIFICATIONS = make_sid("MG", "seed", "service")
PROMOTIONS = make_sid("MG", "seed", "promotions")
TEST_NUMBER = make_sid("PN", "seed", "+15005550006")
SUPPORT_LINE = make_sid("PN", "seed", "+14155550142")
UNKNOWN_SERVICE = "MG" + "0" * 32


@pytest.fixture
async def live_client(tmp_path: Path) -> AsyncIterator[Client]:
    """A server with live credentials; only local checks may run, nothing reaches Twilio."""
    settings = Settings(home=tmp_path / "live", account_sid="AC" + "1" * 32, auth_token="t" * 32, toolsets=ALL_TOOLSETS)
    live = build_services(settings)
    async with Client(build_server(settings, live)) as connected:
        yield connected
    await live.aclose()


async def test_messaging_services_list_shows_both_seeded_services_with_settings(client: Client) -> None:
    result = await call(client, "messaging_services_list")
    assert not result.is_error, result
    by_sid = {s["sid"]: s for s in result.data["services"]}
    assert set(by_sid) == {NOTIFICATIONS, PROMOTIONS}
    assert by_sid[NOTIFICATIONS]["friendly_name"] == "Sandbox notifications"
    assert by_sid[NOTIFICATIONS]["us_app_to_person_registered"] is True
    assert by_sid[PROMOTIONS]["us_app_to_person_registered"] is False
    assert by_sid[NOTIFICATIONS]["validity_period"] == 36000
    assert result.data["count"] == 2 and result.data["environment"] == "sandbox"


async def test_messaging_service_get_lists_its_phone_number_senders(client: Client) -> None:
    result = await call(client, "messaging_service_get", {"sid": NOTIFICATIONS})
    assert not result.is_error, result
    senders = result.data["service"]["senders"]
    assert [s["phone_number"] for s in senders] == ["+14155550142", "+18005550123"]
    assert all("SMS" in s["capabilities"] for s in senders)


async def test_an_unknown_service_sid_is_a_not_found_error_that_points_to_the_list(client: Client) -> None:
    result = await call(client, "messaging_service_get", {"sid": UNKNOWN_SERVICE})
    error = result.error
    assert error["code"] == "twilio.20404" and error["http_status"] == 404
    assert "messaging_services_list" in error["remediation"][0]


async def test_a_malformed_service_sid_is_refused_before_any_request(client: Client) -> None:
    result = await call(client, "messaging_service_get", {"sid": "PN" + "0" * 32})
    assert result.error["code"] == "input.invalid"


async def test_messaging_service_create_applies_every_setting(client: Client) -> None:
    settings = {
        "friendly_name": "order updates",
        "status_callback": "https://example.com/status",
        "inbound_request_url": "https://example.com/inbound",
        "sticky_sender": False,
        "area_code_geomatch": False,
        "smart_encoding": False,
        "validity_period": 600,
        "fallback_to_long_code": False,
    }
    created = await call(client, "messaging_service_create", settings)
    assert not created.is_error, created
    service = created.data["service"]
    assert service["sid"].startswith("MG") and service["senders"] == []
    assert {key: service[key] for key in settings} == settings
    assert created.data["warnings"] == []
    fetched = await call(client, "messaging_service_get", {"sid": service["sid"]})
    assert fetched.data["service"]["status_callback"] == "https://example.com/status"


async def test_plain_http_urls_are_allowed_in_the_sandbox_with_a_warning(client: Client) -> None:
    created = await call(
        client, "messaging_service_create", {"friendly_name": "dev", "inbound_request_url": "http://localhost:8000/in"}
    )
    assert not created.is_error, created
    assert "inbound_request_url" in created.data["warnings"][0]


async def test_plain_http_urls_are_refused_in_live_mode_before_any_request(live_client: Client) -> None:
    created = await call(
        live_client, "messaging_service_create", {"friendly_name": "x", "status_callback": "http://example.com/s"}
    )
    assert created.error["code"] == "input.insecure_url"
    updated = await call(
        live_client, "messaging_service_update", {"sid": NOTIFICATIONS, "inbound_request_url": "http://example.com/i"}
    )
    assert updated.error["code"] == "input.insecure_url"
    assert any("https" in step for step in updated.error["remediation"])


def test_the_core_url_check_refuses_http_only_in_live_mode(services: Services) -> None:
    live_settings = services.settings.with_overrides(account_sid="AC" + "1" * 32, auth_token="t" * 32)
    live = dataclasses.replace(services, settings=live_settings)
    with pytest.raises(InputError) as refused:
        core.url_warnings(live, {"status_callback": "http://example.com/status"})
    assert refused.value.code == "input.insecure_url"
    assert core.url_warnings(live, {"status_callback": "https://example.com/status"}) == []
    assert core.url_warnings(services, {"status_callback": "http://example.com/status"})


async def test_a_relative_url_is_refused_in_any_mode(client: Client) -> None:
    result = await call(client, "messaging_service_create", {"friendly_name": "x", "status_callback": "/status"})
    assert result.error["code"] == "input.invalid_url"


async def test_messaging_service_update_changes_only_what_is_given(client: Client) -> None:
    result = await call(client, "messaging_service_update", {"sid": NOTIFICATIONS, "sticky_sender": False})
    assert not result.is_error, result
    service = result.data["service"]
    assert service["sticky_sender"] is False
    assert service["friendly_name"] == "Sandbox notifications" and service["smart_encoding"] is True
    assert len(service["senders"]) == 2


async def test_messaging_service_update_with_nothing_to_change_is_refused(client: Client) -> None:
    result = await call(client, "messaging_service_update", {"sid": NOTIFICATIONS})
    assert result.error["code"] == "input.nothing_to_change"
    assert "messaging_service_update" in result.error["remediation"][0]


async def test_messaging_service_update_of_an_unknown_service_is_not_found(client: Client) -> None:
    result = await call(client, "messaging_service_update", {"sid": UNKNOWN_SERVICE, "friendly_name": "x"})
    assert result.error["code"] == "twilio.20404"
    assert result.error["remediation"]


async def test_added_and_removed_senders_show_in_messaging_service_get(client: Client) -> None:
    added = await call(
        client, "messaging_service_sender_add", {"service_sid": PROMOTIONS, "phone_number_sid": TEST_NUMBER}
    )
    assert not added.is_error, added
    assert [s["sid"] for s in added.data["service"]["senders"]] == [TEST_NUMBER]
    fetched = await call(client, "messaging_service_get", {"sid": PROMOTIONS})
    assert [s["phone_number"] for s in fetched.data["service"]["senders"]] == ["+15005550006"]

    removed = await call(
        client, "messaging_service_sender_remove", {"service_sid": PROMOTIONS, "phone_number_sid": TEST_NUMBER}
    )
    assert not removed.is_error, removed
    fetched = await call(client, "messaging_service_get", {"sid": PROMOTIONS})
    assert fetched.data["service"]["senders"] == []


async def test_adding_a_sender_twice_says_it_is_already_there(client: Client) -> None:
    args = {"service_sid": NOTIFICATIONS, "phone_number_sid": SUPPORT_LINE}
    result = await call(client, "messaging_service_sender_add", args)
    assert result.error["code"] == "twilio.21710" and result.error["http_status"] == 409
    assert "messaging_service_get" in result.error["remediation"][0]


async def test_a_number_of_another_service_must_be_removed_there_first(client: Client) -> None:
    args = {"service_sid": PROMOTIONS, "phone_number_sid": SUPPORT_LINE}
    result = await call(client, "messaging_service_sender_add", args)
    assert result.error["code"] == "twilio.21712"
    assert any("messaging_service_sender_remove" in step for step in result.error["remediation"])


async def test_a_number_not_on_the_account_cannot_be_added(client: Client) -> None:
    args = {"service_sid": PROMOTIONS, "phone_number_sid": "PN" + "0" * 32}
    result = await call(client, "messaging_service_sender_add", args)
    assert result.error["code"] == "twilio.21421"
    assert "numbers_list" in result.error["remediation"][0]


async def test_removing_a_number_that_is_not_a_sender_is_not_found(client: Client) -> None:
    args = {"service_sid": PROMOTIONS, "phone_number_sid": SUPPORT_LINE}
    result = await call(client, "messaging_service_sender_remove", args)
    assert result.error["code"] == "twilio.20404"
    assert "messaging_service_get" in result.error["remediation"][0]


async def test_sender_tools_on_an_unknown_service_are_not_found(client: Client) -> None:
    args = {"service_sid": UNKNOWN_SERVICE, "phone_number_sid": TEST_NUMBER}
    result = await call(client, "messaging_service_sender_add", args)
    assert result.error["code"] == "twilio.20404"
    assert "messaging_services_list" in result.error["remediation"][0]


async def test_messages_still_send_through_the_seeded_service(client: Client) -> None:
    sent = await call(
        client, "message_send", {"to": "+14155550199", "messaging_service_sid": NOTIFICATIONS, "body": "Hi"}
    )
    assert not sent.is_error, sent
    assert sent.data["messaging_service_sid"] == NOTIFICATIONS
    created = await call(client, "messaging_service_create", {"friendly_name": "new"})
    sid = created.data["service"]["sid"]
    # A service without senders has nothing to send from, as on Twilio.
    empty = await call(client, "message_send", {"to": "+14155550199", "messaging_service_sid": sid, "body": "Hi"})
    assert empty.error["code"] == "twilio.21704"
    await call(client, "messaging_service_sender_add", {"service_sid": sid, "phone_number_sid": TEST_NUMBER})
    sent = await call(client, "message_send", {"to": "+14155550199", "messaging_service_sid": sid, "body": "Hi"})
    assert not sent.is_error, sent
