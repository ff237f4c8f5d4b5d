"""Named identities with hashed secrets (operators, agents), in SQLite or PostgreSQL: names, current
key ids and secret hashes (never a secret). A revoked identity keeps its row, so its name is never
reused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from skill.errors import InputError, NotFoundError, PolicyError
from skill.ports.clock import Clock, SystemClock
from skill.stores.database import Row, SqlDatabase

COLUMNS = "name, key_id, secret_sha256, created_at, rotated_at, revoked_at"


class IdentityRecord(Protocol):
    def __init__(self, **fields: Any) -> None: ...


R = TypeVar("R", bound=IdentityRecord)


@dataclass(frozen=True)
class Kind:
    """What the identities of one table are called, for their errors."""

    table: str  # also the CLI group: `twilio-skill <table> ...`
    noun: str  # "operator"
    secret: str  # what a rotation gives them: "credential", "token"
    pronoun: str  # "them", "it"


class IdentityStore(Generic[R]):
    kind: Kind
    record: type[R]

    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def _record(self, row: Row) -> R:
        return self.record(**dict(row))

    def _unknown(self, name: str) -> NotFoundError:
        return NotFoundError(
            f"No {self.kind.noun} is named {name!r}.",
            code=f"not_found.{self.kind.noun}",
            remediation=[f"List them with `twilio-skill {self.kind.table} list`."],
        )

    def _revoked(self, name: str) -> PolicyError:
        noun = self.kind.noun
        return PolicyError(
            f"{noun.capitalize()} {name!r} was revoked; a revoked {noun} stays revoked.",
            code=f"policy.{noun}_revoked",
            remediation=[f"Create a new {noun} under another name: `twilio-skill {self.kind.table} create NAME`."],
        )

    def add(self, name: str, key_id: str, secret_sha256: str) -> R:
        """Raises:
        InputError: the name is taken.
        """
        added = self.db.execute(
            f"INSERT INTO {self.kind.table} ({COLUMNS}) VALUES (?, ?, ?, ?, NULL, NULL) ON CONFLICT DO NOTHING",
            (name, key_id, secret_sha256, self.clock.now()),
        )
        if added == 0:
            kind = self.kind
            raise InputError(
                f"An {kind.noun} named {name!r} exists already (revoked names stay taken).",
                code=f"input.{kind.noun}_exists",
                remediation=[
                    f"Give {kind.pronoun} a new {kind.secret} instead: `twilio-skill {kind.table} rotate {name}`.",
                    "Or pick another name.",
                ],
            )
        return self.get(name)

    def _change(self, name: str, sql: str, args: tuple[object, ...]) -> R:
        with self.db.transaction() as conn:
            self.db.lock(conn, self.kind.table, name)
            row = conn.execute(f"SELECT revoked_at FROM {self.kind.table} WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise self._unknown(name)
            if row["revoked_at"] is not None:
                raise self._revoked(name)
            conn.execute(sql, (*args, name))
        return self.get(name)

    def replace_key(self, name: str, key_id: str, secret_sha256: str) -> R:
        """Raises:
        NotFoundError: unknown name.
        PolicyError: it was revoked.
        """
        sql = f"UPDATE {self.kind.table} SET key_id = ?, secret_sha256 = ?, rotated_at = ? WHERE name = ?"
        return self._change(name, sql, (key_id, secret_sha256, self.clock.now()))

    def revoke(self, name: str) -> R:
        """Raises:
        NotFoundError: unknown name.
        PolicyError: already revoked.
        """
        # The hash goes too: nothing can match a revoked identity, whatever the code around it does.
        sql = f"UPDATE {self.kind.table} SET revoked_at = ?, secret_sha256 = '' WHERE name = ?"
        return self._change(name, sql, (self.clock.now(),))

    def get(self, name: str) -> R:
        """Raises:
        NotFoundError: unknown name.
        """
        rows = self.db.query(f"SELECT {COLUMNS} FROM {self.kind.table} WHERE name = ?", (name,))
        if not rows:
            raise self._unknown(name)
        return self._record(rows[0])

    def by_key(self, key_id: str) -> R | None:
        rows = self.db.query(f"SELECT {COLUMNS} FROM {self.kind.table} WHERE key_id = ?", (key_id,))
        return self._record(rows[0]) if rows else None

    def list(self) -> list[R]:
        """Every identity, revoked ones too, by name."""
        return [self._record(row) for row in self.db.query(f"SELECT {COLUMNS} FROM {self.kind.table} ORDER BY name")]
