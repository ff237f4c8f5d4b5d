from __future__ import annotations

import getpass
import json
from pathlib import Path

from tests.cli.conftest import Invoke, open_request


def listed(run: Invoke, *options: str) -> list[dict[str, object]]:
    result = run("approvals", "list", "--json", *options)
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout))


def test_list_shows_pending_requests_and_filters_by_status(run: Invoke, cli_home: Path) -> None:
    request = open_request(cli_home)
    rows = listed(run)
    assert [row["id"] for row in rows] == [request.id]
    assert rows[0]["status"] == "pending"
    assert rows[0]["arguments"] == {"sid": "PN1"}
    assert listed(run, "--status", "approved") == []
    table = run("approvals", "list")
    assert request.id in table.stdout
    assert "number_release" in table.stdout


def test_list_says_so_when_there_is_nothing(run: Invoke) -> None:
    result = run("approvals", "list", "--status", "pending")
    assert result.exit_code == 0
    assert "No pending approval requests." in result.stdout


def test_show_prints_the_exact_arguments_and_how_to_decide(run: Invoke, cli_home: Path) -> None:
    request = open_request(cli_home, args_json='{"sid":"PN42"}')
    result = run("approvals", "show", request.id)
    assert result.exit_code == 0
    assert '"sid": "PN42"' in result.stdout
    assert f"twilio-skill approvals approve {request.id}" in result.stdout
    assert f"twilio-skill approvals deny {request.id}" in result.stdout


def test_approve_decides_as_the_os_user_and_writes_an_audit_entry(run: Invoke, cli_home: Path) -> None:
    request = open_request(cli_home)
    result = run("approvals", "approve", request.id)
    assert result.exit_code == 0, result.stderr
    assert f"Approved {request.id}" in result.stdout
    row = listed(run)[0]
    assert row["status"] == "approved"
    assert row["decided_by"] == getpass.getuser()
    entries = json.loads(run("audit", "tail", "--json").stdout)
    assert entries[-1]["event"] == "approval.approved"
    assert entries[-1]["approval_id"] == request.id
    assert entries[-1]["detail"]["operator"] == getpass.getuser()


def test_approve_takes_an_operator_name(run: Invoke, cli_home: Path) -> None:
    request = open_request(cli_home)
    assert run("approvals", "approve", request.id, "--operator", "alice").exit_code == 0
    assert listed(run)[0]["decided_by"] == "alice"


def test_deny_needs_a_reason_then_records_it(run: Invoke, cli_home: Path) -> None:
    request = open_request(cli_home)
    missing = run("approvals", "deny", request.id)
    assert missing.exit_code == 2
    assert "--reason" in missing.stderr
    assert listed(run)[0]["status"] == "pending"

    denied = run("approvals", "deny", request.id, "--reason", "not this number")
    assert denied.exit_code == 0
    row = listed(run, "--status", "denied")[0]
    assert row["reason"] == "not this number"
    entry = json.loads(run("audit", "tail", "-n", "1", "--json").stdout)[0]
    assert entry["event"] == "approval.denied"
    assert entry["detail"]["reason"] == "not this number"


def test_an_unknown_id_is_a_one_line_error_with_exit_one(run: Invoke) -> None:
    for args in (("approve", "apr_nope"), ("deny", "apr_nope", "--reason", "x"), ("show", "apr_nope")):
        result = run("approvals", *args)
        assert result.exit_code == 1
        assert "No approval request has id 'apr_nope'." in result.stderr
        assert "twilio-skill approvals list" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_decided_request_cannot_be_decided_again(run: Invoke, cli_home: Path) -> None:
    request = open_request(cli_home)
    run("approvals", "approve", request.id)
    again = run("approvals", "deny", request.id, "--reason", "changed my mind")
    assert again.exit_code == 1
    assert "already approved" in again.stderr
    assert listed(run)[0]["status"] == "approved"


def test_an_expired_request_cannot_be_approved(run: Invoke, cli_home: Path) -> None:
    request = open_request(cli_home, ttl=0)
    assert listed(run)[0]["status"] == "expired"
    result = run("approvals", "approve", request.id)
    assert result.exit_code == 1
    assert "expired" in result.stderr
    assert listed(run, "--status", "approved") == []
