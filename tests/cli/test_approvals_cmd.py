from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from rich.console import Console

from skill.cli import operator_identity
from skill.cli.approvals import approval_block, approvals_table
from skill.core.operators import TOKEN_ENV
from skill.stores.sqlite import Stores
from tests.cli.conftest import Invoke, open_request
from tests.e2e.support import SERVER_EXE, child_env

IMPACT = {
    "resource": "Phone number +1415***0199",
    "facts": [{"label": "Voice URL", "value": "https://example.com/voice"}],
    "cost": {"amount": "1.15", "currency": "USD", "basis": "per month", "estimate": True},
    "blast_radius": [{"label": "Messaging service", "value": "Support"}],
    "reversibility": "not reversible",
}
HOSTILE = "\x1b[2J\x1b[1;32mAPPROVED\x1b[0m\r\u202eexe.txt"
WATCH_TIMEOUT = 30.0


def listed(run: Invoke, *options: str) -> list[dict[str, object]]:
    result = run("approvals", "list", "--json", *options)
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout))


def with_impact(home: Path, approval_id: str, impact: dict[str, object]) -> None:
    stores = Stores.open(home / "sandbox.db")
    try:
        stores.db.execute("UPDATE approvals SET impact_json = ? WHERE id = ?", (json.dumps(impact), approval_id))
    finally:
        stores.close()


@pytest.fixture
def operator(run: Invoke, monkeypatch: pytest.MonkeyPatch) -> str:
    """Operator `dana` created, and their credential in the environment as the docs say to put it."""
    created = run("operators", "create", "dana")
    assert created.exit_code == 0, created.stderr
    credential = created.stdout.strip()
    monkeypatch.setenv(TOKEN_ENV, credential)
    return credential


def test_list_shows_pending_requests_and_filters_by_status(run: Invoke, cli_home: Path) -> None:
    request = open_request(cli_home)
    with_impact(cli_home, request.id, IMPACT)
    rows = listed(run)
    assert [row["id"] for row in rows] == [request.id]
    assert rows[0]["status"] == "pending"
    assert rows[0]["arguments"] == {"sid": "PN1"}
    assert rows[0]["impact"] == IMPACT
    assert listed(run, "--status", "approved") == []
    table = run("approvals", "list")
    assert request.id in table.stdout
    assert "number_release" in table.stdout
    assert "not reversible" in table.stdout


def test_list_never_cuts_an_id_however_narrow_the_terminal(cli_home: Path) -> None:
    items = [open_request(cli_home, tool="subaccount_set_status") for _ in range(3)]
    for width in (40, 80, 200):
        shown = io.StringIO()
        Console(file=shown, width=width, markup=False, highlight=False).print(approvals_table(items, time.time()))
        assert all(item.id in shown.getvalue() for item in items), shown.getvalue()
    block = approval_block(items[0], time.time())
    assert block[0].startswith(items[0].id + "  pending  subaccount_set_status")


def test_list_says_so_when_there_is_nothing(run: Invoke) -> None:
    result = run("approvals", "list", "--status", "pending")
    assert result.exit_code == 0
    assert "No pending approval requests." in result.stdout


def test_show_prints_the_impact_and_the_exact_arguments_and_how_to_decide(run: Invoke, cli_home: Path) -> None:
    request = open_request(cli_home, args_json='{"sid":"PN42"}')
    with_impact(cli_home, request.id, IMPACT)
    result = run("approvals", "show", request.id)
    assert result.exit_code == 0
    for line in (
        "  resource: Phone number +1415***0199",
        "  Voice URL: https://example.com/voice",
        "  cost: about 1.15 USD per month",
        "  affects: Messaging service: Support",
        "  reversibility: not reversible",
        '    "sid": "PN42"',
    ):
        assert line in result.stdout.splitlines()
    assert f"twilio-skill approvals approve {request.id}" in result.stdout
    assert f"twilio-skill approvals deny {request.id}" in result.stdout
    bare = run("approvals", "show", open_request(cli_home).id)
    assert "(not described" in bare.stdout


def test_agent_text_reaches_the_terminal_only_as_escapes(run: Invoke, cli_home: Path, operator: str) -> None:
    request = open_request(cli_home, args_json=json.dumps({"name": HOSTILE}))
    with_impact(cli_home, request.id, {"resource": HOSTILE, "facts": [{"label": HOSTILE, "value": HOSTILE}]})
    stores = Stores.open(cli_home / "sandbox.db")
    try:
        stores.db.execute("UPDATE approvals SET summary = ? WHERE id = ?", (HOSTILE, request.id))
    finally:
        stores.close()
    outputs = [
        run("approvals", "list").stdout,
        run("approvals", "show", request.id).stdout,
        run("approvals", "approve", request.id).stdout,
        run("audit", "tail").stdout,
    ]
    for output in outputs:
        assert "\x1b" not in output
        assert "\r" not in output
        assert "\u202e" not in output
        # Shown, as an escape: \x1b by the display helpers, \u001b inside JSON.
        assert "\\x1b[2J" in output or "\\u001b[2J" in output


def test_approve_decides_as_the_credential_s_operator_and_the_audit_names_them(
    run: Invoke, cli_home: Path, operator: str
) -> None:
    request = open_request(cli_home)
    result = run("approvals", "approve", request.id)
    assert result.exit_code == 0, result.stderr
    assert f"Approved {request.id} (number_release) as dana" in result.stdout
    row = listed(run)[0]
    assert (row["status"], row["decided_by"]) == ("approved", "dana")
    entries = json.loads(run("audit", "tail", "--json").stdout)
    assert entries[-1]["event"] == "approval.approved"
    assert entries[-1]["approval_id"] == request.id
    assert (entries[-1]["detail"]["operator"], entries[-1]["detail"]["via"]) == ("dana", "cli")
    assert operator not in json.dumps(entries)


def test_no_name_can_be_typed_in_place_of_a_credential(run: Invoke, cli_home: Path) -> None:
    request = open_request(cli_home)
    typed = run("approvals", "approve", request.id, "--operator", "alice")
    assert typed.exit_code == 2
    missing = run("approvals", "approve", request.id)
    assert missing.exit_code == 1
    assert "needs your operator credential" in missing.stderr
    assert TOKEN_ENV in missing.stderr
    assert "Traceback" not in missing.stderr
    assert listed(run)[0]["status"] == "pending"


def test_on_a_terminal_the_credential_is_asked_for_without_echo(
    run: Invoke, cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential = run("operators", "create", "erin").stdout.strip()
    request = open_request(cli_home)
    prompts: list[str] = []
    monkeypatch.setattr(operator_identity, "on_terminal", lambda: True)
    monkeypatch.setattr(operator_identity.getpass, "getpass", lambda prompt: prompts.append(prompt) or credential)
    result = run("approvals", "approve", request.id)
    assert result.exit_code == 0, result.stderr
    assert prompts == ["Operator credential: "]
    assert listed(run)[0]["decided_by"] == "erin"


def test_a_revoked_or_rotated_away_credential_is_refused_at_once(run: Invoke, cli_home: Path, operator: str) -> None:
    request = open_request(cli_home)
    assert run("operators", "rotate", "dana").exit_code == 0
    rotated = run("approvals", "approve", request.id)
    assert rotated.exit_code == 1
    assert "not valid (unknown, rotated or revoked)" in rotated.stderr
    fresh = run("operators", "rotate", "dana").stdout.strip()
    assert run("operators", "revoke", "dana").exit_code == 0
    os.environ[TOKEN_ENV] = fresh
    revoked = run("approvals", "deny", request.id, "--reason", "no")
    assert revoked.exit_code == 1
    assert "nothing was decided" in revoked.stderr
    assert listed(run)[0]["status"] == "pending"
    assert [entry["event"] for entry in json.loads(run("audit", "tail", "--json").stdout)][-1] == "operator.revoked"


def test_deny_needs_a_reason_then_records_it_with_the_operator(run: Invoke, cli_home: Path, operator: str) -> None:
    request = open_request(cli_home)
    missing = run("approvals", "deny", request.id)
    assert missing.exit_code == 2
    assert "--reason" in missing.stderr
    blank = run("approvals", "deny", request.id, "--reason", "   ")
    assert blank.exit_code == 1
    assert "needs a reason" in blank.stderr
    assert listed(run)[0]["status"] == "pending"

    denied = run("approvals", "deny", request.id, "--reason", "not this number")
    assert denied.exit_code == 0
    row = listed(run, "--status", "denied")[0]
    assert (row["reason"], row["decided_by"]) == ("not this number", "dana")
    entry = json.loads(run("audit", "tail", "-n", "1", "--json").stdout)[0]
    assert entry["event"] == "approval.denied"
    assert (entry["detail"]["reason"], entry["detail"]["operator"]) == ("not this number", "dana")


def test_an_unknown_id_is_a_one_line_error_with_exit_one(run: Invoke, operator: str) -> None:
    for args in (("approve", "apr_nope"), ("deny", "apr_nope", "--reason", "x"), ("show", "apr_nope")):
        result = run("approvals", *args)
        assert result.exit_code == 1
        assert "No approval request has id 'apr_nope'." in result.stderr
        assert "twilio-skill approvals list" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_decided_request_cannot_be_decided_again(run: Invoke, cli_home: Path, operator: str) -> None:
    request = open_request(cli_home)
    run("approvals", "approve", request.id)
    again = run("approvals", "deny", request.id, "--reason", "changed my mind")
    assert again.exit_code == 1
    assert "already approved" in again.stderr
    assert listed(run)[0]["status"] == "approved"


def test_an_expired_request_cannot_be_approved(run: Invoke, cli_home: Path, operator: str) -> None:
    request = open_request(cli_home, ttl=0)
    assert listed(run)[0]["status"] == "expired"
    result = run("approvals", "approve", request.id)
    assert result.exit_code == 1
    assert "expired" in result.stderr
    assert listed(run, "--status", "approved") == []


def read_line(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert time.monotonic() < deadline, "watch printed nothing in time"
    return line


def test_watch_prints_pending_then_new_requests_live_and_stops_cleanly_on_ctrl_c(cli_home: Path) -> None:
    before = open_request(cli_home, tool="number_release")
    process = subprocess.Popen(
        [str(SERVER_EXE), "approvals", "watch", "--interval", "0.2"],
        env=child_env(cli_home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + WATCH_TIMEOUT
        first = read_line(process, deadline)
        assert before.id in first
        arrived = open_request(cli_home, tool="subaccount_set_status")
        second = read_line(process, deadline)
        assert arrived.id in second
        assert "subaccount_set_status" in second
        assert "expires in" in second
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=WATCH_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=WATCH_TIMEOUT)
    assert process.returncode == 0
    assert "stopped watching" in stderr
    assert "Traceback" not in stderr
