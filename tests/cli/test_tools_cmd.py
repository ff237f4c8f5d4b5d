from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.config import SANDBOX_ACCOUNT_SID
from skill.core.operators import TOKEN_ENV
from tests.cli.conftest import Invoke


def listed(run: Invoke, *options: str) -> list[dict[str, str]]:
    result = run(*options, "tools", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout))


def test_tools_list_shows_name_toolset_tier_and_title_of_the_default_toolsets(run: Invoke) -> None:
    rows = listed(run)
    by_name = {row["name"]: row for row in rows}
    assert by_name["account_get"] == {
        "name": "account_get",
        "toolset": "accounts",
        "tier": "READ",
        "title": "Get account",
    }
    assert by_name["subaccount_set_status"]["tier"] == "DESTRUCTIVE"


def test_tools_list_honours_toolsets_and_read_only(run: Invoke) -> None:
    assert {row["toolset"] for row in listed(run, "--toolsets", "ops")} == {"ops"}
    read_only = listed(run, "--read-only")
    assert read_only
    assert {row["tier"] for row in read_only} == {"READ"}
    assert len(read_only) < len(listed(run))


def test_tools_list_prints_a_table_without_json(run: Invoke) -> None:
    result = run("tools", "list")
    assert result.exit_code == 0
    assert "account_get" in result.stdout
    assert "Get account" in result.stdout


def test_an_unknown_toolset_is_a_one_line_error(run: Invoke) -> None:
    result = run("--toolsets", "pagers", "tools", "list")
    assert result.exit_code == 1
    assert "Unknown toolset(s): pagers." in result.stderr
    assert "Traceback" not in result.stderr


def test_tools_call_prints_the_structured_result_and_exits_zero(run: Invoke) -> None:
    result = run("tools", "call", "account_get")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["sid"] == SANDBOX_ACCOUNT_SID
    assert payload["environment"] == "sandbox"


def test_tools_call_exits_one_and_prints_the_error_result(run: Invoke) -> None:
    result = run("tools", "call", "approval_status", "--args", '{"approval_id": "apr_missing"}')
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "not_found.approval"
    assert error["remediation"]


def test_tools_call_of_a_tool_outside_the_toolsets_is_an_error_result(run: Invoke) -> None:
    result = run("--toolsets", "ops", "tools", "call", "account_get")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "input.unknown_tool"


def test_tools_call_rejects_args_that_are_not_json_with_exit_two(run: Invoke) -> None:
    broken = run("tools", "call", "account_get", "--args", "{sid: AC1")
    assert broken.exit_code == 2
    assert "--args" in broken.stderr
    assert "not valid JSON" in broken.stderr
    not_object = run("tools", "call", "account_get", "--args", "[1, 2]")
    assert not_object.exit_code == 2
    assert "must be a JSON object" in not_object.stderr


def test_a_gated_call_runs_from_the_cli_after_an_operator_approves_it(
    run: Invoke, cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, run("operators", "create", "dana").stdout.strip())
    subaccounts = json.loads(run("tools", "call", "subaccounts_list", "--args", '{"friendly_name": "staging"}').stdout)
    args = json.dumps({"sid": subaccounts["items"][0]["sid"], "status": "suspended"})
    gated = run("tools", "call", "subaccount_set_status", "--args", args)
    assert gated.exit_code == 1
    approval_id = json.loads(gated.stdout)["error"]["approval"]["id"]

    assert run("approvals", "approve", approval_id).exit_code == 0
    done = run("tools", "call", "subaccount_set_status", "--args", args, "--approval-id", approval_id)
    assert done.exit_code == 0, done.stdout
    assert json.loads(done.stdout)["status"] == "suspended"
