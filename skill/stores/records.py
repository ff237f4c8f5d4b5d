"""Small keyed records: opt-outs (suppressions), idempotency keys, daily send counters."""

from __future__ import annotations

import builtins
import json
import time
from typing import Any

from skill.ports.clock import Clock, SystemClock
from skill.stores.database import SqlDatabase


class SqliteSuppressionStore:
    """People who opted out. scope '*' covers every sender."""

    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def add(self, phone: str, *, source: str, scope: str = "*") -> bool:
        """Returns True when the number was not already suppressed."""
        changed = self.db.execute(
            "INSERT INTO suppressions (phone, scope, source, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (phone, scope, source, self.clock.now()),
        )
        return changed > 0

    def remove(self, phone: str, scope: str = "*") -> bool:
        return self.db.execute("DELETE FROM suppressions WHERE phone = ? AND scope = ?", (phone, scope)) > 0

    def is_suppressed(self, phone: str, scope: str | None = None) -> bool:
        scopes = ("*", scope) if scope else ("*",)
        marks = ",".join("?" for _ in scopes)
        rows = self.db.query(f"SELECT 1 FROM suppressions WHERE phone = ? AND scope IN ({marks})", (phone, *scopes))
        return bool(rows)

    def list(self, limit: int = 100) -> list[dict[str, Any]]:
        return self.page(limit=limit)

    def page(
        self,
        *,
        limit: int,
        after: tuple[float, str, str] | None = None,
        exclude_scope: str | None = None,
        phones: tuple[str, ...] = (),
    ) -> builtins.list[dict[str, Any]]:
        """Rows newest first (ties by phone, then scope), those after the (created_at, phone, scope)
        of the last row seen when given; leaving out one scope, or only for some numbers."""
        clauses: list[str] = []
        params: list[object] = []
        if exclude_scope is not None:
            clauses.append("scope != ?")
            params.append(exclude_scope)
        if phones:
            clauses.append(f"phone IN ({','.join('?' for _ in phones)})")
            params.extend(phones)
        if after is not None:
            clauses.append("(created_at < ? OR (created_at = ? AND (phone > ? OR (phone = ? AND scope > ?))))")
            params.extend([after[0], after[0], after[1], after[1], after[2]])
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.db.query(
            f"SELECT phone, scope, source, created_at FROM suppressions {where} "
            "ORDER BY created_at DESC, phone, scope LIMIT ?",
            (*params, limit),
        )
        return [dict(row) for row in rows]


class SqliteIdempotencyStore:
    """The first result of a call made with an idempotency key, returned for later repeats.

    A key is claimed before the call is made (an empty result marks it in flight), so two concurrent
    calls with one key cannot both go out. A claim whose call ended with an unknown outcome stays
    until the caller has looked for what it did (skill.core.send_keys) and either completes it with
    what it found or takes it over to send again.
    """

    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def get(self, key: str, tool: str, profile: str) -> tuple[str, dict[str, Any]] | None:
        rows = self.db.query(
            "SELECT args_sha256, result_json FROM idempotency WHERE key = ? AND tool = ? AND profile = ? "
            "AND result_json != ''",
            (key, tool, profile),
        )
        if not rows:
            return None
        return rows[0]["args_sha256"], json.loads(rows[0]["result_json"])

    def claim(
        self, key: str, tool: str, profile: str, args_sha256: str
    ) -> tuple[str, dict[str, Any] | None, float] | None:
        """None when this caller now holds the key; else (digest, first result or None while in flight,
        when the claim was made)."""
        now = self.clock.now()
        with self.db.transaction() as conn:
            self.db.lock(conn, "idempotency", f"{key}|{tool}|{profile}")
            row = conn.execute(
                "SELECT args_sha256, result_json, created_at FROM idempotency "
                "WHERE key = ? AND tool = ? AND profile = ?",
                (key, tool, profile),
            ).fetchone()
            if row is not None:
                result = json.loads(row["result_json"]) if row["result_json"] else None
                return row["args_sha256"], result, float(row["created_at"])
            conn.execute(
                "INSERT INTO idempotency (key, tool, profile, args_sha256, result_json, created_at) "
                "VALUES (?, ?, ?, ?, '', ?)",
                (key, tool, profile, args_sha256, now),
            )
        return None

    def takeover(self, key: str, tool: str, profile: str, claimed_at: float) -> bool:
        """Claim anew a key still in flight since `claimed_at` (its call is known not to have happened);
        False when someone else completed or took it over first."""
        changed = self.db.execute(
            "UPDATE idempotency SET created_at = ? WHERE key = ? AND tool = ? AND profile = ? "
            "AND result_json = '' AND created_at = ?",
            (self.clock.now(), key, tool, profile, claimed_at),
        )
        return changed == 1

    def complete(self, key: str, tool: str, profile: str, result: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE idempotency SET result_json = ? WHERE key = ? AND tool = ? AND profile = ?",
            (json.dumps(result), key, tool, profile),
        )

    def release(self, key: str, tool: str, profile: str) -> None:
        self.db.execute(
            "DELETE FROM idempotency WHERE key = ? AND tool = ? AND profile = ? AND result_json = ''",
            (key, tool, profile),
        )


class SqliteSendCounter:
    """How many SEND calls a profile made on a UTC day, for the policy's daily caps."""

    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def today(self) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(self.clock.now()))

    def count(self, profile: str, tool: str, day: str | None = None) -> int:
        rows = self.db.query(
            "SELECT count FROM send_counters WHERE day = ? AND profile = ? AND tool = ?",
            (day or self.today(), profile, tool),
        )
        return int(rows[0]["count"]) if rows else 0

    def increment(self, profile: str, tool: str, by: int = 1) -> None:
        self.db.execute(
            "INSERT INTO send_counters (day, profile, tool, count) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(day, profile, tool) DO UPDATE SET count = send_counters.count + excluded.count",
            (self.today(), profile, tool, by),
        )

    def try_reserve(self, profile: str, tool: str, cap: int) -> bool:
        """Count one send now if the day's count is under cap; atomic across processes and tasks.

        Reserving before the send (and releasing on failure) keeps parallel calls from all passing
        a check made before any of them was counted.
        """
        day = self.today()
        with self.db.transaction() as conn:
            self.db.lock(conn, "send_counters", f"{day}|{profile}|{tool}")
            row = conn.execute(
                "SELECT count FROM send_counters WHERE day = ? AND profile = ? AND tool = ?", (day, profile, tool)
            ).fetchone()
            # A missing row is a count of zero: with a cap of 0 even the day's first send is over it.
            if (int(row["count"]) if row is not None else 0) >= cap:
                return False
            conn.execute(
                "INSERT INTO send_counters (day, profile, tool, count) VALUES (?, ?, ?, 1) "
                "ON CONFLICT(day, profile, tool) DO UPDATE SET count = send_counters.count + 1",
                (day, profile, tool),
            )
        return True

    def release(self, profile: str, tool: str) -> None:
        """Give back a reserved send that did not happen."""
        self.db.execute(
            "UPDATE send_counters SET count = CASE WHEN count > 0 THEN count - 1 ELSE 0 END "
            "WHERE day = ? AND profile = ? AND tool = ?",
            (self.today(), profile, tool),
        )
