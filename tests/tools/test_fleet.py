"""fleet_overview and account_audit(scope=all): every account side by side, each item with its account."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, Settings
from skill.core import audit
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.sandbox.seed_fleet import key_sid, subaccount_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import call

pytestmark = pytest.mark.anyio
PROD, STAGING, DEV = (subaccount_sid(name) for name in ("prod", "staging", "dev"))


async def offline_resolver(hosts: list[str]) -> dict[str, bool | None]:
    return dict.fromkeys(hosts, True)


async def test_fleet_overview_shows_each_account_with_its_own_estate(client: Client) -> None:
    result = await call(client, "fleet_overview")
    assert not result.is_error, result
    rows = {row.get("name", "own"): row for row in result.data["accounts"]}
    assert [row["account_sid"] for row in result.data["accounts"]] == [SANDBOX_ACCOUNT_SID, PROD, STAGING, DEV]
    assert all(row["problems"] == [] and row["status"] == "active" for row in rows.values())
    assert rows["prod"]["numbers_by_type"] == {"toll_free": 2}
    assert rows["own"]["numbers_by_type"] == {"local": 2, "toll_free": 1}
    assert rows["staging"]["messaging_services"] == ["Campaigns", "Notifications"]
    assert rows["dev"]["messaging_services"] == []
    assert [(k["sid"], k["age_days"]) for k in rows["prod"]["api_keys"]] == [(key_sid("prod"), 200)]
    assert rows["prod"]["errors_24h"] == 2 and rows["prod"]["error_codes_24h"] == {"30003": 2}
    assert rows["staging"]["errors_24h"] == 0
    assert rows["staging"]["usage_this_month"] == "0.0000"
    assert float(rows["prod"]["usage_this_month"]) > 0


async def test_every_row_of_the_overview_carries_each_field_an_operator_compares(client: Client) -> None:
    rows = (await call(client, "fleet_overview")).data["accounts"]
    fields = {"status", "numbers_by_type", "messaging_services", "api_keys", "usage_this_month", "usage_unit"}
    fields |= {"errors_24h", "error_codes_24h", "alerts_24h"}
    assert all(fields <= set(row) for row in rows), [sorted(fields - set(row)) for row in rows]
    prod = next(row for row in rows if row.get("name") == "prod")
    assert prod["alerts_24h"] == 2 and str(prod["usage_unit"]).upper() == "USD"


async def test_fleet_overview_names_what_it_could_not_read_and_reads_the_rest(
    tmp_path: Path, sandbox: Sandbox, wall_clock: ManualClock
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[environments.staging]\naccount_sid = "{STAGING}"\n')
    settings = Settings(home=tmp_path / "home", policy_path=policy, toolsets=("fleet",))
    services = build_services(settings, sandbox=sandbox, clock=wall_clock)
    async with Client(build_server(settings, services)) as client:
        result = await call(client, "fleet_overview")
    await services.aclose()
    staging = result.data["accounts"][1]
    assert staging["numbers"] == 1 and staging["api_keys"]  # API v2010, with the parent's credentials
    assert "messaging_services" not in staging and "errors_24h" not in staging
    assert [problem.split(":")[0] for problem in staging["problems"]] == ["messaging services", "alerts"]
    assert all("config.account_key_missing" in problem for problem in staging["problems"])


def tagged(findings: list[dict[str, Any]]) -> Counter[tuple[str, str, str, str]]:
    return Counter((f["account"], f["check"], f["resource"], f["finding"]) for f in findings)


async def test_audit_of_all_accounts_reports_every_finding_once_with_its_account(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "resolve_hosts", offline_resolver)
    everything = await call(client, "account_audit", {"scope": "all"})
    assert not everything.is_error, everything
    findings = everything.data["findings"]
    assert all(check["ok"] for check in everything.data["checks"]), everything.data["checks"]
    counted = tagged(findings)
    assert max(counted.values()) == 1
    labels = {SANDBOX_ACCOUNT_SID: SANDBOX_ACCOUNT_SID, "prod": f"prod ({PROD})", "staging": f"staging ({STAGING})"}
    labels["dev"] = f"dev ({DEV})"
    expected: Counter[tuple[str, str, str, str]] = Counter()
    for account, label in labels.items():
        one = await call(client, "account_audit", {"account": account})
        expected.update(tagged([{**f, "account": label} for f in one.data["findings"]]))
    assert counted == expected
    by_account = Counter((f["account"], f["check"]) for f in findings)
    assert by_account[(labels["prod"], "api_key_age")] == 1
    assert by_account[(labels["prod"], "recent_errors")] == 1
    assert by_account[(labels["dev"], "number_webhooks")] == 1
    assert by_account[(labels["staging"], "messaging_service_callbacks")] == 1
    assert by_account[(labels[SANDBOX_ACCOUNT_SID], "idle_subaccounts")] == 1
    assert not any(f["account"] != labels[SANDBOX_ACCOUNT_SID] and f["check"] == "idle_subaccounts" for f in findings)
    idle = next(f for f in findings if f["check"] == "idle_subaccounts")
    assert STAGING in idle["resource"]
    assert {check["account"] for check in everything.data["checks"]} == set(labels.values())


async def test_audit_of_all_accounts_cannot_be_narrowed_to_one_account(client: Client) -> None:
    result = await call(client, "account_audit", {"scope": "all", "account": "prod"})
    assert result.error["code"] == "input.invalid"
