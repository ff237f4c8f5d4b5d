"""Agent records in SQLite: names, current key ids and token hashes (never a token)."""

from __future__ import annotations

import sqlite3

from skill.errors import InputError, NotFoundError, PolicyError
from skill.ports.clock import Clock, SystemClock
from skill.records.agents import AgentRecord
from skill.stores.database import Database

COLUMNS = "name, key_id, secret_sha256, created_at, rotated_at, revoked_at"


def _record(row: sqlite3.Row) -> AgentRecord:
    return AgentRecord(**dict(row))


def _unknown(name: str) -> NotFoundError:
    return NotFoundError(
        f"No agent is named {name!r}.",
        code="not_found.agent",
        remediation=["List agents with `twilio-skill agents list`."],
    )


def _revoked(name: str) -> PolicyError:
    return PolicyError(
        f"Agent {name!r} was revoked; a revoked agent stays revoked.",
        code="policy.agent_revoked",
        remediation=["Create a new agent under another name: `twilio-skill agents create NAME`."],
    )


class SqliteAgentStore:
    """The `agents` table; a revoked agent keeps its row, so its name is never reused."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def add(self, name: str, key_id: str, secret_sha256: str) -> AgentRecord:
        """Raises:
        InputError: the name is taken.
        """
        try:
            self.db.execute(
                f"INSERT INTO agents ({COLUMNS}) VALUES (?, ?, ?, ?, NULL, NULL)",
                (name, key_id, secret_sha256, self.clock.now()),
            )
        except sqlite3.IntegrityError:
            raise InputError(
                f"An agent named {name!r} exists already (revoked names stay taken).",
                code="input.agent_exists",
                remediation=[
                    f"Give it a new token instead: `twilio-skill agents rotate {name}`.",
                    "Or pick another name.",
                ],
            ) from None
        return self.get(name)

    def replace_key(self, name: str, key_id: str, secret_sha256: str) -> AgentRecord:
        """Raises:
        NotFoundError: unknown name.
        PolicyError: the agent was revoked.
        """
        with self.db.transaction() as conn:
            row = conn.execute("SELECT revoked_at FROM agents WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise _unknown(name)
            if row["revoked_at"] is not None:
                raise _revoked(name)
            conn.execute(
                "UPDATE agents SET key_id = ?, secret_sha256 = ?, rotated_at = ? WHERE name = ?",
                (key_id, secret_sha256, self.clock.now(), name),
            )
        return self.get(name)

    def revoke(self, name: str) -> AgentRecord:
        """Raises:
        NotFoundError: unknown name.
        PolicyError: already revoked.
        """
        with self.db.transaction() as conn:
            row = conn.execute("SELECT revoked_at FROM agents WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise _unknown(name)
            if row["revoked_at"] is not None:
                raise _revoked(name)
            # The hash goes too: nothing can match a revoked agent, whatever the code around it does.
            conn.execute(
                "UPDATE agents SET revoked_at = ?, secret_sha256 = '' WHERE name = ?", (self.clock.now(), name)
            )
        return self.get(name)

    def get(self, name: str) -> AgentRecord:
        """Raises:
        NotFoundError: unknown name.
        """
        rows = self.db.query(f"SELECT {COLUMNS} FROM agents WHERE name = ?", (name,))
        if not rows:
            raise _unknown(name)
        return _record(rows[0])

    def by_key(self, key_id: str) -> AgentRecord | None:
        rows = self.db.query(f"SELECT {COLUMNS} FROM agents WHERE key_id = ?", (key_id,))
        return _record(rows[0]) if rows else None

    def list(self) -> list[AgentRecord]:
        """Every agent, revoked ones too, by name."""
        return [_record(row) for row in self.db.query(f"SELECT {COLUMNS} FROM agents ORDER BY name")]
