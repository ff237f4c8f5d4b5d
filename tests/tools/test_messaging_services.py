from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, Settings
from skill.core import messaging_services as core
from skill.core.context import Services
from skill.errors import InputError
from skill.records.messaging_services import ServiceChanges
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import Elapse, approve, call

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


@pytest.fixture
async def trusting(settings: Settings, sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[Client]:
    """A server whose policy lets webhooks point at example.com and localhost without an operator."""
    policy = tmp_path / "hooks.toml"
    policy.write_text('[webhooks]\nallowed_hosts = ["example.com", "localhost"]\n')
    trusted = settings.with_overrides(policy_path=policy)
    services = build_services(trusted, sandbox=sandbox)
    async with Client(build_server(trusted, services)) as connected:
        yield connected
    await services.aclose()


async def every_page(client: Client, tool: str, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Each page of a list, following next_cursor until has_more is false."""
    pages = [await call(client, tool, args)]
    while pages[-1].data["has_more"]:
        assert len(pages) < 50, "the list never ends"
        pages.append(await call(client, tool, {**args, "cursor": pages[-1].data["next_cursor"]}))
    for page in pages:
        assert not page.is_error, page
    return [page.data for page in pages]


async def test_messaging_services_list_shows_both_seeded_services_with_settings(client: Client) -> None:
    result = await call(client, "messaging_services_list")
    assert not result.is_error, result
    by_sid = {s["sid"]: s for s in result.data["items"]}
    assert set(by_sid) == {NOTIFICATIONS, PROMOTIONS}
    assert by_sid[NOTIFICATIONS]["friendly_name"] == "Sandbox notifications"
    assert by_sid[NOTIFICATIONS]["us_app_to_person_registered"] is True
    assert by_sid[PROMOTIONS]["us_app_to_person_registered"] is False
    assert by_sid[NOTIFICATIONS]["validity_period"] == 36000
    assert result.data["count"] == 2 and result.data["has_more"] is False and "next_cursor" not in result.data
    assert result.data["environment"] == "sandbox"


async def test_a_list_longer_than_the_limit_pages_through_every_service_once(client: Client) -> None:
    for index in range(5):
        assert not (await call(client, "messaging_service_create", {"friendly_name": f"pool {index}"})).is_error
    pages = await every_page(client, "messaging_services_list", {"limit": 2})
    sids = [item["sid"] for page in pages for item in page["items"]]
    assert len(pages) == 4 and [page["count"] for page in pages] == [2, 2, 2, 1]
    assert len(sids) == len(set(sids)) == 7
    assert {NOTIFICATIONS, PROMOTIONS} <= set(sids)
    assert pages[-1]["has_more"] is False and "next_cursor" not in pages[-1]


async def test_a_cursor_reused_with_other_filters_is_refused(client: Client) -> None:
    first = await call(client, "messaging_services_list", {"limit": 1})
    cursor = first.data["next_cursor"]
    assert cursor
    args = {"limit": 1, "cursor": cursor, "after": "2020-01-01T00:00:00Z"}
    other = await call(client, "messaging_services_list", args)
    assert other.error["code"] == "input.invalid_cursor"
    forged = await call(client, "messaging_services_list", {"cursor": "not-a-cursor"})
    assert forged.error["code"] == "input.invalid_cursor"


async def test_after_and_before_match_the_creation_date_and_say_what_they_scanned(
    client: Client, sandbox: Sandbox
) -> None:
    now = sandbox.clock.now()
    # Notifications was created 200 days ago, promotions 150 days ago.
    after = datetime.fromtimestamp(now - 86400 * 175, UTC).isoformat()
    recent = await call(client, "messaging_services_list", {"after": after})
    assert [item["sid"] for item in recent.data["items"]] == [PROMOTIONS]
    assert recent.data["scanned"] == 2 and recent.data["has_more"] is False
    older = await call(client, "messaging_services_list", {"before": after})
    assert [item["sid"] for item in older.data["items"]] == [NOTIFICATIONS]
    plain = await call(client, "messaging_services_list")
    assert "scanned" not in plain.data


async def test_a_date_filtered_page_stops_at_the_limit_and_goes_on_from_its_cursor(
    client: Client, sandbox: Sandbox, elapse: Elapse
) -> None:
    start = datetime.fromtimestamp(sandbox.clock.now(), UTC).isoformat()
    for index in range(3):
        elapse(60)
        await call(client, "messaging_service_create", {"friendly_name": f"new {index}"})
    pages = await every_page(client, "messaging_services_list", {"after": start, "limit": 2})
    names = [item["friendly_name"] for page in pages for item in page["items"]]
    assert names == ["new 0", "new 1", "new 2"]
    assert pages[0]["has_more"] is True and pages[0]["scanned"] == 4


async def test_messaging_service_get_answers_flat_with_its_phone_number_senders(client: Client) -> None:
    result = await call(client, "messaging_service_get", {"sid": NOTIFICATIONS})
    assert not result.is_error, result
    assert result.data["sid"] == NOTIFICATIONS and result.data["friendly_name"] == "Sandbox notifications"
    senders = result.data["senders"]
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


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("messaging_service_create", {"friendly_name": "x" * 65}),
        ("messaging_service_create", {"friendly_name": "x", "fallback_url": "https://example.com/" + "a" * 4096}),
        ("messaging_service_update", {"sid": NOTIFICATIONS, "friendly_name": "x" * 65}),
        ("messaging_services_list", {"cursor": "c" * 513}),
        ("compliance_status", {"service_sid": NOTIFICATIONS + "0"}),
    ],
)
async def test_over_long_strings_are_refused_before_any_request(
    client: Client, sandbox: Sandbox, tool: str, args: dict[str, Any]
) -> None:
    sandbox.record_responses = True
    result = await call(client, tool, args)
    assert result.error["code"] == "input.invalid"
    assert sandbox.served == []


async def test_messaging_service_create_sets_the_name_and_every_webhook(trusting: Client) -> None:
    settings = {
        "friendly_name": "order updates",
        "status_callback": "https://example.com/status",
        "inbound_request_url": "https://example.com/inbound",
        "fallback_url": "https://example.com/fallback",
    }
    created = await call(trusting, "messaging_service_create", settings)
    assert not created.is_error, created
    assert created.data["sid"].startswith("MG") and created.data["senders"] == []
    assert {key: created.data[key] for key in settings} == settings
    assert created.data["warnings"] == []
    fetched = await call(trusting, "messaging_service_get", {"sid": created.data["sid"]})
    assert fetched.data["fallback_url"] == "https://example.com/fallback"


async def test_messaging_service_update_applies_every_sending_setting(client: Client) -> None:
    settings = {
        "sticky_sender": False,
        "area_code_geomatch": False,
        "smart_encoding": False,
        "validity_period": 600,
        "fallback_to_long_code": False,
    }
    updated = await call(client, "messaging_service_update", {"sid": PROMOTIONS, **settings})
    assert not updated.is_error, updated
    assert {key: updated.data[key] for key in settings} == settings
    fetched = await call(client, "messaging_service_get", {"sid": PROMOTIONS})
    assert {key: fetched.data[key] for key in settings} == settings


async def test_plain_http_urls_are_allowed_in_the_sandbox_with_a_warning(trusting: Client) -> None:
    created = await call(
        trusting,
        "messaging_service_create",
        {"friendly_name": "dev", "inbound_request_url": "http://localhost:8000/in"},
    )
    assert not created.is_error, created
    assert "inbound_request_url" in created.data["warnings"][0]


async def test_plain_http_urls_are_refused_in_live_mode_before_any_request(live_client: Client) -> None:
    created = await call(
        live_client, "messaging_service_create", {"friendly_name": "x", "status_callback": "http://example.com/s"}
    )
    assert created.error["code"] == "input.insecure_url"
    updated = await call(
        live_client, "messaging_service_update", {"sid": NOTIFICATIONS, "fallback_url": "http://example.com/f"}
    )
    assert updated.error["code"] == "input.insecure_url"
    assert any("https" in step for step in updated.error["remediation"])


def test_the_core_url_check_refuses_http_only_in_live_mode(services: Services) -> None:
    live_settings = services.settings.with_overrides(account_sid="AC" + "1" * 32, auth_token="t" * 32)
    live = dataclasses.replace(services, settings=live_settings)
    with pytest.raises(InputError) as refused:
        core.url_warnings(live, ServiceChanges(status_callback="http://example.com/status"))
    assert refused.value.code == "input.insecure_url"
    assert core.url_warnings(live, ServiceChanges(status_callback="https://example.com/status")) == []
    assert core.url_warnings(services, ServiceChanges(fallback_url="http://example.com/fallback"))


async def test_a_relative_url_is_refused_in_any_mode(client: Client) -> None:
    result = await call(client, "messaging_service_create", {"friendly_name": "x", "status_callback": "/status"})
    assert result.error["code"] == "input.invalid"


async def test_messaging_service_update_changes_only_what_is_given(client: Client) -> None:
    result = await call(client, "messaging_service_update", {"sid": NOTIFICATIONS, "sticky_sender": False})
    assert not result.is_error, result
    assert result.data["sid"] == NOTIFICATIONS and result.data["sticky_sender"] is False
    assert result.data["friendly_name"] == "Sandbox notifications" and result.data["smart_encoding"] is True
    assert len(result.data["senders"]) == 2


async def test_messaging_service_update_with_nothing_to_change_is_refused(client: Client) -> None:
    result = await call(client, "messaging_service_update", {"sid": NOTIFICATIONS})
    assert result.error["code"] == "input.nothing_to_change"
    assert "messaging_service_update" in result.error["remediation"][0]


async def test_messaging_service_update_of_an_unknown_service_is_not_found(client: Client) -> None:
    result = await call(client, "messaging_service_update", {"sid": UNKNOWN_SERVICE, "friendly_name": "x"})
    assert result.error["code"] == "twilio.20404"
    assert result.error["remediation"]


async def test_a_webhook_on_an_unlisted_host_waits_for_an_operator_who_sees_the_service_now(
    client: Client, services: Services
) -> None:
    args = {"sid": NOTIFICATIONS, "status_callback": "https://hooks.elsewhere.test/status", "sticky_sender": False}
    gated = await call(client, "messaging_service_update", args)
    assert gated.error["code"] == "policy.approval_required"
    impact = gated.error["approval"]["impact"]
    assert impact["resource"] == f"Messaging Service Sandbox notifications ({NOTIFICATIONS})"
    facts = {fact["label"]: fact["value"] for fact in impact["facts"]}
    assert facts["status callback"] == "none" and facts["inbound request URL"] == "none"
    assert facts["new status callback"] == "https://hooks.elsewhere.test/status"
    assert facts["new sticky_sender"] == "False"
    assert impact["blast_radius"] == [{"label": "senders", "value": "2 phone number(s) send and receive through it"}]
    assert impact["reversibility"] == "reversible"
    unchanged = await call(client, "messaging_service_get", {"sid": NOTIFICATIONS})
    assert "status_callback" not in unchanged.data
    done = await call(client, "messaging_service_update", {**args, "approval_id": await approve(services, gated)})
    assert not done.is_error, done
    assert done.data["status_callback"] == "https://hooks.elsewhere.test/status"


async def test_an_update_of_an_unknown_service_opens_no_approval(client: Client, services: Services) -> None:
    args = {"sid": UNKNOWN_SERVICE, "inbound_request_url": "https://hooks.elsewhere.test/in"}
    result = await call(client, "messaging_service_update", args)
    assert result.error["code"] == "twilio.20404"
    assert result.error["approval"] is None
    assert services.stores.approvals.list() == []


async def test_a_create_pointing_at_an_unlisted_host_waits_with_the_urls_it_would_set(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    before = set(sandbox.state.services)
    args = {"friendly_name": "alerts", "fallback_url": "https://hooks.elsewhere.test/fallback"}
    gated = await call(client, "messaging_service_create", args)
    assert gated.error["code"] == "policy.approval_required"
    impact = gated.error["approval"]["impact"]
    assert impact["resource"] == "new Messaging Service alerts"
    assert impact["facts"] == [{"label": "new fallback URL", "value": "https://hooks.elsewhere.test/fallback"}]
    assert set(sandbox.state.services) == before
    done = await call(client, "messaging_service_create", {**args, "approval_id": await approve(services, gated)})
    assert not done.is_error, done
    assert done.data["fallback_url"] == "https://hooks.elsewhere.test/fallback"


async def test_added_and_removed_senders_show_in_messaging_service_get(client: Client) -> None:
    added = await call(
        client, "messaging_service_sender_add", {"service_sid": PROMOTIONS, "phone_number_sid": TEST_NUMBER}
    )
    assert not added.is_error, added
    assert added.data["sid"] == PROMOTIONS and [s["sid"] for s in added.data["senders"]] == [TEST_NUMBER]
    fetched = await call(client, "messaging_service_get", {"sid": PROMOTIONS})
    assert [s["phone_number"] for s in fetched.data["senders"]] == ["+15005550006"]

    removed = await call(
        client, "messaging_service_sender_remove", {"service_sid": PROMOTIONS, "phone_number_sid": TEST_NUMBER}
    )
    assert not removed.is_error, removed
    fetched = await call(client, "messaging_service_get", {"sid": PROMOTIONS})
    assert fetched.data["senders"] == []


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
    sid = created.data["sid"]
    # A service without senders has nothing to send from, as on Twilio.
    empty = await call(client, "message_send", {"to": "+14155550199", "messaging_service_sid": sid, "body": "Hi"})
    assert empty.error["code"] == "twilio.21704"
    await call(client, "messaging_service_sender_add", {"service_sid": sid, "phone_number_sid": TEST_NUMBER})
    sent = await call(client, "message_send", {"to": "+14155550199", "messaging_service_sid": sid, "body": "Hi"})
    assert not sent.is_error, sent
