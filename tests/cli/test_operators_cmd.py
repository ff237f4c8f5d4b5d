from __future__ import annotations

import json
from pathlib import Path

from skill.core.operators import TOKEN_PREFIX, authenticate, split_credential
from skill.stores.sqlite import Stores
from tests.cli.conftest import Invoke


def operators(run: Invoke) -> list[dict[str, str]]:
    result = run("operators", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout))


def test_a_credential_is_shown_once_and_only_its_hash_is_stored(run: Invoke, cli_home: Path) -> None:
    created = run("operators", "create", "Dana")
    assert created.exit_code == 0, created.stderr
    credential = created.stdout.strip()
    assert credential.startswith(TOKEN_PREFIX)
    assert "shown this once" in created.stderr
    assert credential not in created.stderr
    listing = run("operators", "list")
    assert "dana" in listing.stdout
    assert "active" in listing.stdout
    assert credential not in listing.stdout
    parts = split_credential(credential)
    assert parts is not None
    database = b"".join(path.read_bytes() for path in cli_home.glob("sandbox.db*"))
    assert parts[1].encode() not in database
    stores = Stores.open(cli_home / "sandbox.db")
    try:
        record = authenticate(stores.operators, credential)
        assert record is not None and record.name == "dana"
        assert authenticate(stores.operators, credential[:-2] + "xx") is None
        assert authenticate(stores.operators, TOKEN_PREFIX + "0" * 16 + "_" + parts[1]) is None
    finally:
        stores.close()


def test_names_are_checked_and_never_reused(run: Invoke) -> None:
    for bad in ("", ".dot", "has space", "x" * 65, "semi;colon", "\x1b[2J"):
        refused = run("operators", "create", bad)
        assert refused.exit_code == 1, bad
        assert "operator name is 1 to 64 characters" in refused.stderr
    assert run("operators", "create", "dana").exit_code == 0
    again = run("operators", "create", "DANA")
    assert again.exit_code == 1
    assert "exists already" in again.stderr
    assert "operators rotate dana" in again.stderr
    assert run("operators", "revoke", "dana").exit_code == 0
    assert run("operators", "create", "dana").exit_code == 1
    assert [row["status"] for row in operators(run)] == ["revoked"]


def test_rotate_and_revoke_change_who_may_decide_and_are_audited(run: Invoke, cli_home: Path) -> None:
    first = run("operators", "create", "dana").stdout.strip()
    second = run("operators", "rotate", "dana").stdout.strip()
    assert second != first
    stores = Stores.open(cli_home / "sandbox.db")
    try:
        assert authenticate(stores.operators, first) is None
        assert authenticate(stores.operators, second) is not None
    finally:
        stores.close()
    revoked = run("operators", "revoke", "dana")
    assert revoked.exit_code == 0
    assert "Revoked operator dana." in revoked.stdout
    assert operators(run)[0]["status"] == "revoked"
    assert operators(run)[0]["revoked_at"] != "-"
    twice = run("operators", "revoke", "dana")
    assert twice.exit_code == 1
    assert "was revoked" in twice.stderr
    assert run("operators", "rotate", "dana").exit_code == 1
    assert run("operators", "rotate", "nobody").exit_code == 1
    entries = json.loads(run("audit", "tail", "--json").stdout)
    assert [entry["event"] for entry in entries] == ["operator.created", "operator.rotated", "operator.revoked"]
    assert {entry["detail"]["operator"] for entry in entries} == {"dana"}
    assert first not in json.dumps(entries)
    assert second not in json.dumps(entries)


def test_an_empty_list_says_how_to_start(run: Invoke) -> None:
    result = run("operators", "list")
    assert "No operators yet" in result.stdout
    assert "twilio-skill operators create NAME" in result.stdout
