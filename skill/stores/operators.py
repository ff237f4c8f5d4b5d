"""Operator records (SQLite or PostgreSQL): names, current key ids and secret hashes (never a secret)."""

from __future__ import annotations

from skill.errors import InputError, NotFoundError, PolicyError
from skill.ports.clock import Clock, SystemClock
from skill.records.operators import OperatorRecord
from skill.stores.database import Row, SqlDatabase

COLUMNS = "name, key_id, secret_sha256, created_at, rotated_at, revoked_at"


def _record(row: Row) -> OperatorRecord:
    return OperatorRecord(**dict(row))


def _unknown(name: str) -> NotFoundError:
    return NotFoundError(
        f"No operator is named {name!r}.",
        code="not_found.operator",
        remediation=["List operators with `twilio-skill operators list`."],
    )


def _revoked(name: str) -> PolicyError:
    return PolicyError(
        f"Operator {name!r} was revoked; a revoked operator stays revoked.",
        code="policy.operator_revoked",
        remediation=["Create a new operator under another name: `twilio-skill operators create NAME`."],
    )


class SqliteOperatorStore:
    """The `operators` table; a revoked operator keeps its row, so its name is never reused."""

    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def add(self, name: str, key_id: str, secret_sha256: str) -> OperatorRecord:
        """Raises:
        InputError: the name is taken.
        """
        added = self.db.execute(
            f"INSERT INTO operators ({COLUMNS}) VALUES (?, ?, ?, ?, NULL, NULL) ON CONFLICT DO NOTHING",
            (name, key_id, secret_sha256, self.clock.now()),
        )
        if added == 0:
            raise InputError(
                f"An operator named {name!r} exists already (revoked names stay taken).",
                code="input.operator_exists",
                remediation=[
                    f"Give them a new credential instead: `twilio-skill operators rotate {name}`.",
                    "Or pick another name.",
                ],
            )
        return self.get(name)

    def replace_key(self, name: str, key_id: str, secret_sha256: str) -> OperatorRecord:
        """Raises:
        NotFoundError: unknown name.
        PolicyError: the operator was revoked.
        """
        with self.db.transaction() as conn:
            self.db.lock(conn, "operators", name)
            row = conn.execute("SELECT revoked_at FROM operators WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise _unknown(name)
            if row["revoked_at"] is not None:
                raise _revoked(name)
            conn.execute(
                "UPDATE operators SET key_id = ?, secret_sha256 = ?, rotated_at = ? WHERE name = ?",
                (key_id, secret_sha256, self.clock.now(), name),
            )
        return self.get(name)

    def revoke(self, name: str) -> OperatorRecord:
        """Raises:
        NotFoundError: unknown name.
        PolicyError: already revoked.
        """
        with self.db.transaction() as conn:
            self.db.lock(conn, "operators", name)
            row = conn.execute("SELECT revoked_at FROM operators WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise _unknown(name)
            if row["revoked_at"] is not None:
                raise _revoked(name)
            # The hash goes too: nothing can match a revoked operator, whatever the code around it does.
            conn.execute(
                "UPDATE operators SET revoked_at = ?, secret_sha256 = '' WHERE name = ?", (self.clock.now(), name)
            )
        return self.get(name)

    def get(self, name: str) -> OperatorRecord:
        """Raises:
        NotFoundError: unknown name.
        """
        rows = self.db.query(f"SELECT {COLUMNS} FROM operators WHERE name = ?", (name,))
        if not rows:
            raise _unknown(name)
        return _record(rows[0])

    def by_key(self, key_id: str) -> OperatorRecord | None:
        rows = self.db.query(f"SELECT {COLUMNS} FROM operators WHERE key_id = ?", (key_id,))
        return _record(rows[0]) if rows else None

    def list(self) -> list[OperatorRecord]:
        """Every operator, revoked ones too, by name."""
        return [_record(row) for row in self.db.query(f"SELECT {COLUMNS} FROM operators ORDER BY name")]
