"""`twilio-skill envs list`: each environment's account, status and reachability."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.core.secret_sink import env_var_name
from skill.sandbox.seed_fleet import key_secret, key_sid, subaccount_sid
from tests.cli.conftest import Invoke


def test_the_sandbox_offers_prod_staging_and_dev_all_reachable(run: Invoke) -> None:
    result = run("envs", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(row["name"], row["account_sid"], row["status"]) for row in rows] == [
        (name, subaccount_sid(name), "active") for name in ("prod", "staging", "dev")
    ]
    assert all(row["api"] == "ok" and row["products"] == "ok" for row in rows)


def test_an_environment_without_its_own_key_reaches_api_v2010_only_and_says_so(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        f'[environments.prod]\naccount_sid = "{subaccount_sid("prod")}"\napi_key = "{key_sid("prod")}"\n'
        f'[environments.dev]\naccount_sid = "{subaccount_sid("dev")}"\n'
        f'[environments.gone]\naccount_sid = "AC{"0" * 32}"\napi_key = "{key_sid("dev")}"\n'
    )
    monkeypatch.setenv("TWILIO_SKILL_POLICY", str(policy))
    monkeypatch.setenv(env_var_name(key_sid("prod")), key_secret("prod"))  # prod's own key, from the environment
    result = run("envs", "list")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    dev = lines.index(f"dev: {subaccount_sid('dev')} active")
    assert lines[dev + 1] == "  api: ok"
    assert lines[dev + 2].startswith("  products: no key: no api_key is set in [environments.dev]")
    gone = next(index for index, line in enumerate(lines) if line.startswith("gone: "))
    assert lines[gone + 1].startswith("  api: twilio.20404")
    prod = lines.index(f"prod: {subaccount_sid('prod')} active ({key_sid('prod')})")
    assert lines[prod + 1 : prod + 3] == ["  api: ok", "  products: ok"]
