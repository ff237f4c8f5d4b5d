"""`twilio-skill sandbox`: the sandbox on its own port, reachable by curl-like clients and by the skill."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from tests.cli.conftest import Invoke
from tests.e2e.support import free_port, listening, run_cli


def test_the_sandbox_serves_twilio_paths_and_the_skill_can_be_pointed_at_it(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "sandbox.log"
    base = f"http://127.0.0.1:{port}"
    with listening(tmp_path / "sandbox-home", port, log, "sandbox", "--port", str(port)):
        account = httpx.get(
            f"{base}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json",
            auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
            timeout=10,
        )
        called = run_cli(tmp_path / "home", "tools", "call", "account_get", TWILIO_SKILL_SANDBOX_URL=base)
    assert account.status_code == 200
    assert account.json()["sid"] == SANDBOX_ACCOUNT_SID
    assert called.returncode == 0, called.stderr
    assert json.loads(called.stdout)["sid"] == SANDBOX_ACCOUNT_SID
    assert f"using the sandbox at {base}" in called.stderr
    printed = log.read_text()
    assert f"Sandbox listening at {base}" in printed
    assert SANDBOX_AUTH_TOKEN in printed
    assert f"TWILIO_SKILL_SANDBOX_URL={base}" in printed


def test_the_sandbox_refuses_a_malformed_fault_spec(run: Invoke) -> None:
    result = run("sandbox", "--port", str(free_port()), "--faults", "teapot=0.5")
    assert result.exit_code == 2
    assert "Unknown sandbox fault 'teapot'" in result.stderr
