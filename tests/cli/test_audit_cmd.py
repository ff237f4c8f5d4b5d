from __future__ import annotations

import json
from pathlib import Path

from skill.stores.sqlite import Stores
from tests.cli.conftest import Invoke

SEND_ARGS = json.dumps({"to": "+14155550100", "from": "+15005550006", "body": "hi"})


def test_audit_tail_shows_the_calls_with_phone_numbers_masked(run: Invoke) -> None:
    assert run("tools", "call", "message_send", "--args", SEND_ARGS).exit_code == 0
    table = run("audit", "tail")
    assert table.exit_code == 0
    assert "message_send" in table.stdout
    assert "+1415***0100" in table.stdout
    assert "+14155550100" not in table.stdout

    entries = json.loads(run("audit", "tail", "--json").stdout)
    sent = [entry for entry in entries if entry["tool"] == "message_send"]
    assert sent
    assert sent[-1]["detail"]["args"]["to"] == "+1415***0100"
    assert "+14155550100" not in json.dumps(entries)


def test_audit_tail_filters_by_tool_and_limits_the_count(run: Invoke) -> None:
    run("tools", "call", "account_get")
    run("tools", "call", "subaccounts_list")
    run("tools", "call", "account_get")
    only = json.loads(run("audit", "tail", "--tool", "account_get", "--json").stdout)
    assert [entry["tool"] for entry in only] == ["account_get", "account_get"]
    last = json.loads(run("audit", "tail", "-n", "1", "--json").stdout)
    assert [entry["tool"] for entry in last] == ["account_get"]


def test_audit_tail_on_an_empty_log_says_so(run: Invoke) -> None:
    result = run("audit", "tail")
    assert result.exit_code == 0
    assert "The audit log is empty." in result.stdout


def test_audit_tail_names_the_operator_and_shows_agent_text_only_as_escapes(run: Invoke, cli_home: Path) -> None:
    stores = Stores.open(cli_home / "sandbox.db")
    try:
        stores.audit.record(
            "approval.denied",
            outcome="ok",
            tool="\x1b]0;owned\x07number_release",
            approval_id="apr_1",
            detail={"operator": "dana", "reason": "\x1b[2Jfine\r\u202eok"},
        )
    finally:
        stores.close()
    table = run("audit", "tail")
    assert table.exit_code == 0
    assert "dana" in table.stdout
    assert "operator" in table.stdout
    for raw in ("\x1b", "\x07", "\r", "\u202e"):
        assert raw not in table.stdout
    assert "\\x1b]0;owned\\x07number_release" in table.stdout
    assert "\\u202eok" in table.stdout
