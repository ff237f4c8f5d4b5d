from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.cli.common import SANDBOX_NOTICE
from skill.config import SANDBOX_ACCOUNT_SID
from tests.cli.conftest import Invoke


def report(stdout: str) -> dict[str, str]:
    lines = (line.split(":", 1) for line in stdout.splitlines() if ":" in line)
    return {label.strip(): value.strip() for label, value in lines}


def test_doctor_reports_the_sandbox_setup_and_working_credentials(run: Invoke, cli_home: Path) -> None:
    result = run("doctor")
    assert result.exit_code == 0, result.stdout + result.stderr
    shown = report(result.stdout)
    assert shown["mode"] == "sandbox (embedded)"
    assert shown["account"] == "AC5a5a...5a5a"
    assert SANDBOX_ACCOUNT_SID not in result.stdout
    assert shown["profile"] == "sandbox"
    assert shown["home"] == str(cli_home)
    assert shown["policy"] == "built-in defaults"
    assert shown["toolsets"] == "accounts,credentials,messaging,numbers,ops"
    assert int(shown["tools"]) == len(json.loads(run("tools", "list", "--json").stdout))
    assert shown["credentials"].startswith("ok") and ", Full," in shown["credentials"]
    assert shown["catalogue"]


def test_doctor_counts_the_tools_of_the_chosen_toolsets(run: Invoke) -> None:
    shown = report(run("--toolsets", "ops", "--read-only", "doctor").stdout)
    assert shown["toolsets"] == "ops (read-only)"
    assert int(shown["tools"]) == len(json.loads(run("--toolsets", "ops", "tools", "list", "--json").stdout))


def test_doctor_exits_one_when_the_account_cannot_be_reached(run: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 (discard) on loopback: nothing listens there, so every request fails to connect.
    monkeypatch.setenv("TWILIO_SKILL_SANDBOX_URL", "http://127.0.0.1:9")
    result = run("doctor")
    assert result.exit_code == 1
    assert "upstream.unreachable" in report(result.stdout)["credentials"]
    assert "account check failed" in result.stderr


def test_without_credentials_the_sandbox_notice_is_printed_once_on_stderr(run: Invoke) -> None:
    result = run("tools", "call", "account_get")
    assert result.stderr.count(SANDBOX_NOTICE) == 1
    assert SANDBOX_NOTICE not in result.stdout
    json.loads(result.stdout)


def test_with_credentials_there_is_no_sandbox_notice(run: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "x" * 32)
    result = run("tools", "list", "--json")
    assert result.exit_code == 0
    assert "sandbox" not in result.stderr
