"""`twilio-skill db`: status, migrate, export/import across backends, prune, and the errors an operator sees."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from skill.records.audit import AuditFilter
from skill.stores.migrations import MIGRATIONS
from skill.stores.sqlite import Stores
from tests import approvals
from tests.cli.conftest import Invoke


def test_status_names_the_sqlite_file_its_schema_and_row_counts(run: Invoke, cli_home: Path) -> None:
    stores = Stores.open(cli_home / "sandbox.db")
    stores.suppressions.add("+14155550100", source="operator")
    stores.close()
    result = run("db", "status", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["backend"] == "sqlite" and report["location"] == str(cli_home / "sandbox.db")
    assert (
        report["schema_version"] == max(name for name, _ in MIGRATIONS)
        and report["migrations_applied"] == report["migrations_known"]
    )
    assert report["rows"]["suppressions"] == 1


def test_the_database_url_selects_postgresql_and_status_hides_the_password(
    run: Invoke, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_password = pg_url.replace("postgres@", "postgres:hunter2@")  # trust auth ignores it
    monkeypatch.setenv("TWILIO_SKILL_DATABASE_URL", with_password)
    migrated = run("db", "migrate")
    assert migrated.exit_code == 0 and "applied now: 001_approvals" in migrated.stdout
    assert "nothing to apply" in run("db", "migrate").stdout
    result = run("db", "status")
    assert result.exit_code == 0, result.output
    assert "backend:  postgresql" in result.stdout
    assert "hunter2" not in result.output and "postgres:***@" in result.stdout


def test_a_database_url_that_is_not_postgresql_is_refused_clearly(run: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_SKILL_DATABASE_URL", "mysql://root@localhost/x")
    result = run("db", "status")
    assert result.exit_code == 1
    assert "must be a postgresql:// URL" in result.stderr and "Traceback" not in result.output


def test_an_unreachable_postgresql_server_is_a_one_line_error_with_remediation(
    run: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TWILIO_SKILL_DATABASE_URL", f"postgresql://u:pw-secret@127.0.0.1:{port}/x")
    result = run("db", "status")
    assert result.exit_code == 1
    assert "Cannot use the PostgreSQL database" in result.stderr and "unset TWILIO_SKILL_DATABASE_URL" in result.stderr
    assert "pw-secret" not in result.output and "Traceback" not in result.output


def test_export_from_sqlite_and_import_into_postgresql_through_the_cli(
    run: Invoke, cli_home: Path, tmp_path: Path, pg_url: str
) -> None:
    stores = Stores.open(cli_home / "sandbox.db")
    request = approvals.open_request(stores)
    approvals.decide(stores, request.id, approve=True)
    stores.suppressions.add("+14155550100", source="inbound_stop")
    stores.close()
    dump = tmp_path / "dump.jsonl"
    exported = run("db", "export", "-o", str(dump))
    assert exported.exit_code == 0, exported.output
    assert os.stat(dump).st_mode & 0o077 == 0
    assert run("db", "export", "-o", str(dump)).exit_code == 1  # never overwrites

    imported = run("db", "--database", pg_url, "import", str(dump))
    assert imported.exit_code == 0, imported.output
    assert "approvals 1" in imported.stdout and "suppressions 1" in imported.stdout
    target = Stores.open(pg_url)
    try:
        moved = target.approvals.get(request.id)
        assert moved is not None and moved.status == "approved"
        assert target.suppressions.is_suppressed("+14155550100")
        assert target.audit.search(AuditFilter(approval_id=request.id))
    finally:
        target.close()
    again = run("db", "--database", pg_url, "import", str(dump))
    assert again.exit_code == 1 and "not empty" in again.stderr


def test_prune_follows_the_policy_retention_and_says_so_when_there_is_none(
    run: Invoke, cli_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores = Stores.open(cli_home / "sandbox.db")
    stores.audit.record("tool.call", outcome="ok")
    stores.db.execute("UPDATE audit SET ts = ts - 100 * 86400")
    stores.audit.record("tool.call", outcome="ok")
    spoken = stores.audit.record("tool.call", outcome="ok", detail={"body": "ten days old"})
    stores.db.execute("UPDATE audit SET ts = ts - 10 * 86400 WHERE id = ?", (spoken,))
    stores.suppressions.add("+14155550100", source="inbound_stop")
    stores.db.execute("UPDATE suppressions SET created_at = created_at - 1000 * 86400")
    stores.close()
    assert "nothing is pruned" in run("db", "prune").stderr
    policy = tmp_path / "policy.toml"
    policy.write_text("[retention]\naudit_days = 90\nmessage_body_days = 7\n")
    monkeypatch.setenv("TWILIO_SKILL_POLICY", str(policy))
    dry = run("db", "prune", "--dry-run").stdout
    assert "would remove 1 audit entries" in dry and "would remove 1 audit bodies" in dry
    assert "would remove 0 webhook event bodies" in dry
    pruned = run("db", "prune").stdout
    assert "removed 1 audit entries" in pruned and "removed 1 audit bodies" in pruned
    report = json.loads(run("db", "status", "--json").stdout)
    assert report["rows"]["audit"] == 2 and report["rows"]["suppressions"] == 1
    assert "would remove 0 audit bodies" in run("db", "prune", "--dry-run").stdout


def test_a_retention_period_that_is_not_whole_days_is_refused(
    run: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('[retention]\naudit_days = "forever"\n')
    monkeypatch.setenv("TWILIO_SKILL_POLICY", str(policy))
    result = run("db", "prune")
    assert result.exit_code == 1 and "[retention].audit_days" in result.stderr
