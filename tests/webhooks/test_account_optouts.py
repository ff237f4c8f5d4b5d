"""TWILIO_SKILL_OPTOUT_SCOPE=account: a STOP sent to one account's number blocks that account's senders
only; the other accounts of the fleet may still write to the person, and the profile's default (global)
is untouched by it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from mcp import Client

from skill.config import ALL_TOOLSETS, SANDBOX_ACCOUNT_SID, Settings, optout_scope
from skill.core.context import Services
from skill.core.environments import bind
from skill.core.optouts import opted_out
from skill.sandbox.seed_fleet import subaccount_sid
from skill.webhooks.app import build_webhooks_app
from skill.webhooks.inbound import optout_scope as scope_of
from tests.conftest import call
from tests.webhooks.support import BASE, RECEIVER_HOST, STAGING_SUB, inbound_params, post_signed

pytestmark = pytest.mark.anyio
PERSON = "+14155550100"
STAGING, PROD = subaccount_sid("staging"), subaccount_sid("prod")


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings(home=home, toolsets=ALL_TOOLSETS, optout_scope="account", webhook_allowed_hosts=(RECEIVER_HOST,))


@pytest.fixture
async def web(services: Services) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    app = build_webhooks_app(services.settings, services.stores, tokens=services.webhook_tokens, run_worker=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, timeout=10) as client:
        yield client, app.state.receiver


async def stop_to_staging(web: tuple[httpx.AsyncClient, object]) -> None:
    client, receiver = web
    params = inbound_params("STOP", PERSON, 1, AccountSid=STAGING, To="+18005550301")
    response = await post_signed(client, "/twilio/sms/inbound", params, STAGING_SUB)
    assert response.status_code == 200
    receiver.processor.drain()  # type: ignore[attr-defined]


async def test_a_stop_to_one_account_blocks_that_accounts_senders_only(
    client: Client, services: Services, web: tuple[httpx.AsyncClient, object]
) -> None:
    await stop_to_staging(web)
    staging = await call(
        client, "message_send", {"account": "staging", "to": PERSON, "from": "+18005550301", "body": "Hi"}
    )
    assert staging.error["code"] == "policy.opted_out"
    listed = await call(client, "optout_list")
    assert [(o["phone"], o["scope"]) for o in listed.data["items"]] == [(PERSON, STAGING)]
    parent = await call(client, "message_send", {"to": PERSON, "from": "+15005550006", "body": "Hi"})
    assert not parent.is_error, parent
    assert not services.stores.suppressions.is_suppressed(PERSON, scope=PROD)


async def test_the_check_single_and_bulk_sends_share_blocks_only_the_account_opted_out_of(
    services: Services, web: tuple[httpx.AsyncClient, object]
) -> None:
    await stop_to_staging(web)
    assert opted_out(bind(services, STAGING), PERSON, "+18005550301")
    assert not opted_out(bind(services, PROD), PERSON, "+18005550201")
    assert not opted_out(services, PERSON, "+15005550006")


def test_an_account_scope_falls_back_to_every_sender_when_the_account_is_not_a_sid() -> None:
    for forged in (None, "", "AC123", "*", "+15005550006", "AC" + "g" * 32):
        assert scope_of("account", to="+15005550006", messaging_service_sid=None, account_sid=forged) == "*"
    assert scope_of("account", to="+1", messaging_service_sid="MG1", account_sid=SANDBOX_ACCOUNT_SID) == (
        SANDBOX_ACCOUNT_SID
    )


def test_the_setting_reads_account_and_anything_unknown_as_global() -> None:
    assert [optout_scope(v) for v in ("account", " Account ", "sender", "", "per-account")] == [
        "account",
        "account",
        "sender",
        "global",
        "global",
    ]
