"""Migrations on a database from before them: the operators table, and approvals gaining an impact."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from skill.stores import migrations
from skill.stores.sqlite import Stores


def test_an_older_database_gains_operators_and_request_impact_and_keeps_its_requests(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    older = [(name, fn) for name, fn in migrations.MIGRATIONS if name < "010"]
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, fn in older:
        fn(conn)
        conn.execute("INSERT INTO migrations VALUES (?, datetime('now'))", (name,))
    conn.execute(
        "INSERT INTO approvals (id, tool, args_json, args_sha256, profile, summary, status, created_at, expires_at) "
        "VALUES ('apr_old', 'number_release', '{}', 'h', 'p', 'Release', 'pending', 1, 2)"
    )
    conn.commit()
    conn.close()

    stores = Stores.open(path)
    try:
        old = stores.approvals.get("apr_old")
        assert old is not None and (old.summary, old.impact) == ("Release", None)
        stores.db.execute("UPDATE approvals SET impact_json = ? WHERE id = 'apr_old'", (json.dumps({"resource": "r"}),))
        updated = stores.approvals.get("apr_old")
        assert updated is not None and updated.impact is not None and updated.impact.resource == "r"
        assert stores.operators.list() == []
        names = [row["name"] for row in stores.db.query("SELECT name FROM migrations ORDER BY name")]
        assert "010_operators" in names
    finally:
        stores.close()
