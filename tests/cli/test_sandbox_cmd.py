"""`twilio-skill sandbox`: the sandbox on its own port, reachable by curl-like clients and by the skill."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from tests.cli.conftest import Invoke
from tests.e2e.support import free_port, listening, run_cli


@pytest.mark.slow
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


class FakeUvicorn:
    """Stands in for uvicorn.run: records what would have been served instead of binding a port."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def run(self, app: Any, **options: Any) -> None:
        self.calls.append((app, options))


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> FakeUvicorn:
    fake = FakeUvicorn()
    monkeypatch.setattr("uvicorn.run", fake.run)
    return fake


@pytest.mark.slow
def test_a_dropped_connection_fault_closes_the_connection_mid_answer_over_http(tmp_path: Path) -> None:
    port = free_port()
    with (
        listening(
            tmp_path / "home", port, tmp_path / "sandbox.log", "sandbox", "--port", str(port), "--faults", "drop=1"
        ),
        pytest.raises(httpx.RemoteProtocolError),
    ):
        httpx.get(
            f"http://127.0.0.1:{port}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json",
            auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
            timeout=10,
        )


def test_binding_beyond_loopback_warns_and_callback_hosts_are_passed_on(run: Invoke, served: FakeUvicorn) -> None:
    result = run("sandbox", "--host", "192.0.2.10", "--callback-host", "hooks.test", "--callback-host", "ci.test")
    assert result.exit_code == 0, result.output
    assert "warning: the sandbox is bound to 192.0.2.10" in result.stderr
    ((app, options),) = served.calls
    assert app.callbacks.targets.hosts == {"hooks.test", "ci.test"}
    assert not app.callbacks.targets.allow_global
    assert options["lifespan"] == "on" and options["host"] == "192.0.2.10"
    assert "hooks.test" in result.stdout


def test_loopback_binds_do_not_warn_and_faults_come_from_the_settings(
    run: Invoke, served: FakeUvicorn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_SKILL_SANDBOX_FAULTS", "drop=0.5")
    result = run("sandbox", "--port", "8799")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    ((app, _),) = served.calls
    assert app.faults.rate_drop == 0.5
    assert "Injected faults: drop=0.5" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("TWILIO_SKILL_SANDBOX_FAULTS", "teapot=1", "Unknown sandbox fault 'teapot'"),
        ("TWILIO_SKILL_SANDBOX_DUPLICATE_CALLBACKS", "lots", "must be a number from 0 to 1"),
        ("TWILIO_SKILL_SANDBOX_DUPLICATE_CALLBACKS", "2", "must be a number from 0 to 1"),
    ],
)
def test_bad_sandbox_settings_in_the_environment_are_one_clear_line(
    run: Invoke, served: FakeUvicorn, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    result = run("sandbox")
    assert result.exit_code == 2
    assert says in result.stderr and "Traceback" not in result.stderr
    assert served.calls == []


def test_inbound_refuses_a_private_url_without_posting(run: Invoke) -> None:
    result = run(
        "sandbox",
        "inbound",
        "--from",
        "+14155550123",
        "--to",
        "+15005550006",
        "--body",
        "hi",
        "--url",
        "http://10.9.8.7/x",
    )
    assert result.exit_code == 1
    assert "does not post to" in result.stderr and "--callback-host" in result.stderr
