from __future__ import annotations

import socket
import time
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, Settings
from skill.core import audit
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call

pytestmark = pytest.mark.anyio
STAGING = make_sid("AC", "sub", "staging")


async def offline_resolver(hosts: list[str]) -> dict[str, bool | None]:
    """Resolve without the network: .invalid by the real rule, everything else as resolvable."""
    return {host: (await audit.resolve_host(host)) if host.endswith(".invalid") else True for host in hosts}


@pytest.fixture
def arranged(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The sandbox account with exactly one instance of each finding the audit can make here."""
    monkeypatch.setattr(audit, "resolve_hosts", offline_resolver)
    state = sandbox.state
    state.accounts[SANDBOX_ACCOUNT_SID]["type"] = "Trial"
    by_phone = {n["phone_number"]: n for n in state.numbers.values()}
    by_phone["+15005550006"].update(sms_url="https://example.com/sms", voice_url="https://example.com/voice")
    by_phone["+14155550142"].update(sms_url="", voice_url="https://example.com/voice")
    by_phone["+18005550123"].update(sms_url="http://example.com/sms", voice_url="https://hooks.example.invalid/voice")
    state.services[make_sid("MG", "seed", "promotions")]["status_callback"] = "https://example.com/status"
    return sandbox


def by_check(findings: list[dict[str, Any]]) -> Counter[str]:
    return Counter(f["check"] for f in findings)


async def test_audit_finds_each_seeded_problem_exactly_once(client: Client, arranged: Sandbox) -> None:
    result = await call(client, "account_audit", {"balance_threshold": 50})
    assert not result.is_error, result
    findings = result.data["findings"]
    assert all(check["ok"] for check in result.data["checks"]), result.data["checks"]
    counts = by_check(findings)
    assert counts == {
        "account_type": 1,
        "api_key_age": 1,
        "number_webhooks": 3,
        "messaging_service_callbacks": 1,
        "us_campaigns": 1,
        "balance": 1,
        "recent_errors": 3,
        "idle_subaccounts": 1,
    }
    webhooks = sorted(f["finding"] for f in findings if f["check"] == "number_webhooks")
    assert any("is empty" in text and "+14155550142" in text for text in webhooks)
    assert any("plain http" in text and "+18005550123" in text for text in webhooks)
    assert any("hooks.example.invalid, which does not resolve" in text for text in webhooks)
    errors = {f["resource"] for f in findings if f["check"] == "recent_errors"}
    assert errors == {"error 11200", "error 30003", "error 21610"}
    fixes = {f["check"]: f.get("fix_tool") for f in findings}
    assert fixes["api_key_age"] == "credentials_rotate"
    assert fixes["number_webhooks"] == "number_configure"
    assert fixes["idle_subaccounts"] == "subaccount_set_status"
    idle = next(f for f in findings if f["check"] == "idle_subaccounts")
    assert STAGING in idle["resource"]
    severities = [f["severity"] for f in findings]
    assert severities == sorted(severities, key=audit.SEVERITIES.index)
    assert result.data["counts"]["high"] == severities.count("high")


async def test_a_webhook_url_that_cannot_be_parsed_is_a_finding_not_a_failed_check(
    client: Client, arranged: Sandbox
) -> None:
    by_phone = {n["phone_number"]: n for n in arranged.state.numbers.values()}
    by_phone["+15005550006"].update(sms_url="https://[broken/sms")
    result = await call(client, "account_audit")
    assert all(check["ok"] for check in result.data["checks"]), result.data["checks"]
    hooks = [f for f in result.data["findings"] if f["check"] == "number_webhooks"]
    (broken,) = [f for f in hooks if "+15005550006" in f["resource"]]
    assert broken["severity"] == "high" and "not an absolute http(s) URL" in broken["finding"]


async def test_audit_reports_no_auth_token_finding_in_the_sandbox(client: Client, arranged: Sandbox) -> None:
    result = await call(client, "account_audit")
    assert "auth_method" not in by_check(result.data["findings"])
    assert "balance" not in by_check(result.data["findings"])


async def test_audit_keeps_going_when_one_check_fails(client: Client, arranged: Sandbox) -> None:
    del arranged.state.balances[SANDBOX_ACCOUNT_SID]
    result = await call(client, "account_audit", {"balance_threshold": 50})
    assert not result.is_error, result
    failed = [c for c in result.data["checks"] if not c["ok"]]
    assert [c["check"] for c in failed] == ["balance"]
    info = [f for f in result.data["findings"] if f["severity"] == "info"]
    assert len(info) == 1 and info[0]["finding"].startswith("check balance could not run: twilio.20404")
    assert by_check(result.data["findings"])["api_key_age"] == 1


def test_auth_token_without_an_api_key_in_live_mode_is_a_high_finding(tmp_path: Path) -> None:
    live = Settings(home=tmp_path, account_sid=SANDBOX_ACCOUNT_SID, auth_token="t" * 32)
    found = audit.auth_token_finding(live)
    assert found is not None and found.severity == "high" and found.fix_tool == "apikey_create"
    with_key = live.with_overrides(api_key="SK" + "1" * 32, api_secret="s" * 32)
    assert audit.auth_token_finding(with_key) is None
    assert audit.auth_token_finding(Settings(home=tmp_path)) is None


async def test_hosts_under_invalid_never_resolve_and_dns_is_not_asked() -> None:
    def lookup(*args: object, **kwargs: object) -> None:
        raise AssertionError("DNS must not be asked about .invalid names")

    assert await audit.resolve_host("hooks.example.invalid", lookup=lookup) is False
    assert await audit.resolve_host("HOOKS.EXAMPLE.INVALID.", lookup=lookup) is False


async def test_resolution_tells_unknown_names_from_failing_resolvers() -> None:
    def no_such_name(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    def resolver_down(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    assert await audit.resolve_host("gone.example.com", lookup=no_such_name) is False
    assert await audit.resolve_host("example.com", lookup=resolver_down) is None
    assert await audit.resolve_host("example.com", lookup=lambda *a, **k: [("addr",)]) is True


async def test_a_hanging_lookup_is_abandoned_after_the_timeout() -> None:
    def hang(*args: object, **kwargs: object) -> None:
        time.sleep(1.0)

    started = time.monotonic()
    with anyio.fail_after(5):
        answer = await audit.resolve_host("slow.example.com", timeout=0.1, lookup=hang)
    assert answer is None
    assert time.monotonic() - started < 0.9


async def test_the_last_24_hours_are_those_of_the_sandbox_clock(client: Client, arranged: Sandbox) -> None:
    arranged.clock.advance(86400 * 2)  # the simulated Twilio moved on; this machine's clock did not
    result = await call(client, "account_audit")
    assert not result.is_error, result
    assert "recent_errors" not in by_check(result.data["findings"])


async def test_more_error_alerts_than_it_counts_are_reported_not_dropped(
    client: Client, arranged: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "ALERT_SCAN", 2)
    result = await call(client, "account_audit")
    recent = [f for f in result.data["findings"] if f["check"] == "recent_errors"]
    (note,) = [f for f in recent if f["severity"] == "info"]
    assert "Only the latest 2 error alerts" in note["finding"]
    assert {f["resource"] for f in recent if f["severity"] != "info"} == {"error 11200"}


@pytest.mark.parametrize(("threshold", "found"), [(50, True), ("50", True), (42.17, False), ("42.18", True)])
async def test_the_balance_threshold_is_one_number_read_exactly(
    client: Client, arranged: Sandbox, threshold: object, found: bool
) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert tools["account_audit"].input_schema["properties"]["balance_threshold"]["type"] == "number"
    result = await call(client, "account_audit", {"balance_threshold": threshold})
    assert ("balance" in by_check(result.data["findings"])) is found


@pytest.mark.parametrize("threshold", [-1, 2_000_000, "lots", True])
async def test_a_balance_threshold_out_of_range_or_not_a_number_is_refused(client: Client, threshold: object) -> None:
    result = await call(client, "account_audit", {"balance_threshold": threshold})
    assert result.error["code"] == "input.invalid"
