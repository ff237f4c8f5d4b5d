"""`twilio-skill spend`: spend so far against the caps, and past days reconciled with Twilio's usage."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from skill.stores.sqlite import Stores
from tests.cli.conftest import Invoke


def test_spend_show_prints_todays_and_this_months_spend_and_the_caps(
    run: Invoke, cli_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[limits]\nspend_per_day = "25.00"\n')
    monkeypatch.setenv("TWILIO_SKILL_POLICY", str(policy))
    stores = Stores.open(cli_home / "sandbox.db")
    stores.spend.add("sandbox", Decimal("1.25"))
    stores.close()
    shown = run("spend", "show", "--json")
    assert shown.exit_code == 0, shown.stderr
    status = json.loads(shown.stdout)
    assert status["today"] == "1.250000" and status["spend_per_day"] == "25.00"
    assert status["spend_per_month"] is None and status["currency"] == "USD"
    plain = run("spend", "show")
    assert "today: 1.25 USD" in plain.stdout and "monthly cap: no cap" in plain.stdout


def test_spend_reconcile_replaces_past_days_with_what_twilio_billed(run: Invoke, cli_home: Path) -> None:
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    done = run("spend", "reconcile", "--day", yesterday)
    assert done.exit_code == 0, done.stderr
    assert f"{yesterday}: estimated 0.00 USD, billed 0.7649 USD" in done.stdout
    stores = Stores.open(cli_home / "sandbox.db")
    try:
        assert stores.spend.totals("sandbox", yesterday).today == Decimal("0.7649")
    finally:
        stores.close()


def test_spend_reconcile_refuses_a_day_that_has_not_ended(run: Invoke) -> None:
    today = datetime.now(UTC).date().isoformat()
    refused = run("spend", "reconcile", "--day", today)
    assert refused.exit_code == 1
    assert "has not ended yet" in refused.stderr and "Traceback" not in refused.stderr
