"""`twilio-skill agents`: tokens shown once and stored hashed, names checked, rotation and revocation
effective at the next authentication, and each change in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

from skill.core.agents import TOKEN_PREFIX, authenticate_agent
from skill.core.keyed_secrets import split_credential
from skill.records.audit import AuditFilter
from skill.stores.sqlite import Stores
from tests.cli.conftest import Invoke


def agents(run: Invoke) -> list[dict[str, str]]:
    result = run("agents", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout))


def who(cli_home: Path, token: str) -> str | None:
    stores = Stores.open(cli_home / "sandbox.db")
    try:
        record = authenticate_agent(stores.agents, token)
        return record.name if record is not None else None
    finally:
        stores.close()


def test_a_token_is_shown_once_and_only_its_hash_is_stored(run: Invoke, cli_home: Path) -> None:
    created = run("agents", "create", "OpenClaw-Prod")
    assert created.exit_code == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith(TOKEN_PREFIX)
    assert "shown this once" in created.stderr and token not in created.stderr
    listing = run("agents", "list")
    assert "openclaw-prod" in listing.stdout and token not in listing.stdout
    parts = split_credential(token, TOKEN_PREFIX)
    assert parts is not None
    database = b"".join(path.read_bytes() for path in cli_home.glob("sandbox.db*"))
    assert parts[1].encode() not in database
    assert who(cli_home, token) == "openclaw-prod"
    assert who(cli_home, token[:-2] + "xx") is None
    assert who(cli_home, TOKEN_PREFIX + "0" * 16 + "_" + parts[1]) is None
    assert who(cli_home, "tsop_" + token[len(TOKEN_PREFIX) :]) is None  # an operator's prefix is not an agent's


def test_several_agents_hold_tokens_at_once(run: Invoke, cli_home: Path) -> None:
    tokens = {name: run("agents", "create", name).stdout.strip() for name in ("openclaw", "desktop", "ci")}
    assert {name: who(cli_home, token) for name, token in tokens.items()} == {name: name for name in tokens}
    assert [row["name"] for row in agents(run)] == ["ci", "desktop", "openclaw"]


def test_names_are_checked_local_is_reserved_and_none_is_reused(run: Invoke) -> None:
    for bad in ("", ".dot", "has space", "x" * 65, "semi;colon", "\x1b[2J"):
        refused = run("agents", "create", bad)
        assert refused.exit_code == 1, bad
        assert "agent name is 1 to 64 characters" in refused.stderr
    local = run("agents", "create", "LOCAL")
    assert local.exit_code == 1 and "loopback" in local.stderr
    assert run("agents", "create", "desk").exit_code == 0
    again = run("agents", "create", "Desk")
    assert again.exit_code == 1 and "agents rotate desk" in again.stderr
    assert run("agents", "revoke", "desk").exit_code == 0
    assert run("agents", "create", "desk").exit_code == 1
    assert run("agents", "rotate", "desk").exit_code == 1
    assert run("agents", "revoke", "nobody").exit_code == 1
    assert [row["status"] for row in agents(run)] == ["revoked"]


def test_rotate_and_revoke_take_effect_at_once_and_are_audited(run: Invoke, cli_home: Path) -> None:
    first = run("agents", "create", "desk").stdout.strip()
    second = run("agents", "rotate", "desk").stdout.strip()
    assert second != first
    assert (who(cli_home, first), who(cli_home, second)) == (None, "desk")
    assert run("agents", "revoke", "desk").exit_code == 0
    assert who(cli_home, second) is None
    stores = Stores.open(cli_home / "sandbox.db")
    try:
        events = [entry.event for entry in reversed(stores.audit.search(AuditFilter(), limit=10))]
        details = [entry.detail for entry in stores.audit.search(AuditFilter(), limit=10)]
    finally:
        stores.close()
    assert events == ["agent.created", "agent.rotated", "agent.revoked"]
    assert all(detail["agent"] == "desk" for detail in details)
    assert not any(first in json.dumps(detail) or second in json.dumps(detail) for detail in details)
