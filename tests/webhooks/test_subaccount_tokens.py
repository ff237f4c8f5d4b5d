"""Live mode: a callback is checked with the auth token of the account it belongs to (its AccountSid),
the profile's own or an environment's (read from $TWILIO_AUTH_TOKEN_<AccountSid> or the secret sink);
a token of any other account never passes, and an account whose token is unknown is refused with a log
line naming the setting to fill."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from skill.config import Settings
from skill.core.webhook_tokens import token_variable
from skill.stores.sqlite import Stores
from skill.webhooks.app import build_webhooks_app
from tests.webhooks.support import BASE, RECEIVER_HOST, message_sid, post_signed, status_params

pytestmark = pytest.mark.anyio
PARENT, A, B, C, STRANGER = ("AC" + digit * 32 for digit in "12345")
TOKENS = {PARENT: "parent-token-" + "0" * 19, A: "token-of-a-" + "a" * 21, B: "token-of-b-" + "b" * 21}
STATUS = "/twilio/sms/status"


@pytest.fixture
def live_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        "".join(f'[environments.{n}]\naccount_sid = "{sid}"\n' for n, sid in zip("abc", (A, B, C), strict=True))
    )
    settings = Settings(
        home=tmp_path / "home",
        account_sid=PARENT,
        auth_token=TOKENS[PARENT],
        policy_path=policy,
        webhook_allowed_hosts=(RECEIVER_HOST,),
    )
    settings.home.mkdir()
    settings.secrets_path.write_text(f"{token_variable(A)}={TOKENS[A]}\n")  # as the secret sink holds it
    monkeypatch.setenv(token_variable(B), TOKENS[B])
    monkeypatch.delenv(token_variable(C), raising=False)
    assert settings.mode == "live"
    return settings


@pytest.fixture
def stores(live_settings: Settings) -> Iterator[Stores]:
    opened = Stores.open(live_settings.db_path)
    yield opened
    opened.close()


@pytest.fixture
async def web(live_settings: Settings, stores: Stores) -> AsyncIterator[httpx.AsyncClient]:
    app = build_webhooks_app(live_settings, stores, run_worker=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, timeout=10) as client:
        yield client


async def status_for(web: httpx.AsyncClient, account: str, token: str, n: int) -> int:
    params = status_params(message_sid(n), "delivered", account=account)
    return (await post_signed(web, STATUS, params, token)).status_code


async def test_a_subaccount_callback_signed_with_the_parents_or_another_subaccounts_token_is_refused(
    web: httpx.AsyncClient,
) -> None:
    assert await status_for(web, A, TOKENS[PARENT], 1) == 403
    assert await status_for(web, A, TOKENS[B], 2) == 403
    assert await status_for(web, B, TOKENS[A], 3) == 403
    assert await status_for(web, PARENT, TOKENS[A], 4) == 403


async def test_each_callback_signed_with_its_own_accounts_token_is_accepted(web: httpx.AsyncClient) -> None:
    assert await status_for(web, A, TOKENS[A], 1) == 204  # token from the secret sink
    assert await status_for(web, B, TOKENS[B], 2) == 204  # token from the process environment
    assert await status_for(web, PARENT, TOKENS[PARENT], 3) == 204


async def test_a_callback_for_an_environment_with_no_token_is_refused_naming_the_setting(
    web: httpx.AsyncClient, live_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        for n, token in enumerate(TOKENS.values()):
            assert await status_for(web, C, token, n) == 403
    logged = caplog.text
    assert f"${token_variable(C)}" in logged and str(live_settings.secrets_path) in logged
    assert not any(token in logged for token in TOKENS.values())


async def test_a_callback_for_an_account_outside_the_fleet_is_refused_and_says_how_to_add_it(
    web: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert await status_for(web, STRANGER, TOKENS[PARENT], 1) == 403
    assert f"account {STRANGER} is neither the profile's nor an environment's" in caplog.text


async def test_a_forged_account_sid_is_bounded_and_quoted_in_the_log(
    web: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    forged = "AC\nERROR fake line " + "x" * 200
    with caplog.at_level(logging.WARNING):
        assert await status_for(web, forged, TOKENS[PARENT], 1) == 403
    line = next(r.getMessage() for r in caplog.records if "neither the profile's" in r.getMessage())
    assert "\n" not in line and "x" * 60 not in line


async def test_a_token_put_in_the_secret_sink_later_is_used_without_a_restart(
    web: httpx.AsyncClient, live_settings: Settings
) -> None:
    token_c = "token-of-c-" + "c" * 21
    assert await status_for(web, C, token_c, 1) == 403
    with live_settings.secrets_path.open("a") as sink:
        sink.write(f"{token_variable(C)}={token_c}\n")
    assert await status_for(web, C, token_c, 2) == 204
