"""The scenario registry: every scenario stages into a fresh sandbox and gives its runbook what it needs."""

from __future__ import annotations

import anyio
import httpx
import pytest

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings
from skill.errors import ConfigError
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import SandboxClock
from skill.sandbox.scenarios import get, scenarios, stage
from skill.sandbox.scenarios.hooks import hook_fails, set_hook
from skill.sandbox.state import make_sid
from skill.server.prompts import bundled_runbooks

pytestmark = pytest.mark.anyio
BOOKS = {book.name: book for book in bundled_runbooks()}


@pytest.mark.parametrize("name", [scenario.name for scenario in scenarios()])
def test_each_scenario_stages_and_gives_every_argument_its_runbook_requires(name: str) -> None:
    sandbox = Sandbox(clock=SandboxClock(frozen=True))
    staged = stage(sandbox, name)
    book = BOOKS[get(name).runbook]
    assert book.scenario == name
    required = {arg.name for arg in book.arguments if arg.required}
    assert required <= set(staged.arguments), required - set(staged.arguments)
    assert set(staged.arguments) <= {arg.name for arg in book.arguments}
    assert staged.seeded and sandbox.scenario == name
    operators = {step.operator for step in book.steps if step.operator}
    assert operators <= set(get(name).operator), operators - set(get(name).operator)


def test_scenario_names_are_unique_and_each_runbook_has_exactly_one() -> None:
    names = [scenario.name for scenario in scenarios()]
    runbooks = [scenario.runbook for scenario in scenarios()]
    assert len(set(names)) == len(names) and sorted(runbooks) == sorted(BOOKS)


def test_an_unknown_scenario_is_a_config_error_naming_the_known_ones() -> None:
    with pytest.raises(ConfigError) as raised:
        get("nope")
    assert raised.value.code == "config.unknown_scenario"
    assert "webhook-502" in " ".join(raised.value.remediation)


def test_the_embedded_sandbox_stages_the_scenario_its_settings_name(tmp_path: object) -> None:
    settings = Settings.from_env({"TWILIO_SKILL_HOME": str(tmp_path), "TWILIO_SKILL_SANDBOX_SCENARIO": "webhook-502"})
    sandbox = Sandbox.from_settings(settings)
    assert sandbox.scenario == "webhook-502"
    assert any(n["sms_url"].endswith("/_sandbox/hooks/old-tunnel-sms") for n in sandbox.state.numbers.values())


async def test_app_endpoints_answer_as_set_and_unknown_ones_are_not_found() -> None:
    sandbox = Sandbox(clock=SandboxClock(frozen=True), hooks_base="http://sandbox.test")
    set_hook(sandbox, "down", "error")
    set_hook(sandbox, "menu", "ivr-menu")
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox.test") as client:
        with anyio.fail_after(10):
            down = await client.post("/_sandbox/hooks/down")
            menu = await client.post("/_sandbox/hooks/menu")
            unknown = await client.post("/_sandbox/hooks/elsewhere")
    assert down.status_code == 500 and unknown.status_code == 404
    assert menu.status_code == 200 and "http://sandbox.test/_sandbox/hooks/ivr-choice" in menu.text
    assert hook_fails(sandbox, "http://sandbox.test/_sandbox/hooks/down")
    assert hook_fails(sandbox, "http://sandbox.test/_sandbox/hooks/elsewhere")
    assert not hook_fails(sandbox, "http://sandbox.test/_sandbox/hooks/menu")
    assert not hook_fails(sandbox, "https://api.example.com/orders")


def test_an_unknown_hook_answer_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown hook answer"):
        set_hook(Sandbox(), "x", "teapot")


async def test_a_fault_limited_to_one_host_spares_the_others() -> None:
    sandbox = Sandbox(clock=SandboxClock(frozen=True))
    sandbox.faults.rate_429 = 1.0
    sandbox.faults.hosts = ("api.twilio.com",)
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox", auth=auth) as http:
        with anyio.fail_after(10):
            api = await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json")
            monitor = await http.get("/v1/Alerts", headers={"X-Twilio-Host": "monitor.twilio.com"})
    assert api.status_code == 429 and api.json()["code"] == 20429
    assert monitor.status_code == 200


async def test_verify_geo_permissions_refuse_other_countries_with_60605() -> None:
    sandbox = Sandbox(clock=SandboxClock(frozen=True))
    sandbox.state.verify_geo_allowed = {"US"}
    service = make_sid("VA", "seed", "verify")
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    headers = {"X-Twilio-Host": "verify.twilio.com"}
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox", auth=auth) as http:
        with anyio.fail_after(10):
            canada = await http.post(
                f"/v2/Services/{service}/Verifications", data={"To": "+12045550168", "Channel": "sms"}, headers=headers
            )
            us = await http.post(
                f"/v2/Services/{service}/Verifications", data={"To": "+14155550167", "Channel": "sms"}, headers=headers
            )
    assert canada.status_code == 403 and canada.json()["code"] == 60605
    assert us.status_code == 201
