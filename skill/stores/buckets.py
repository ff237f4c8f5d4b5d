"""The bulk sender's token buckets, one row per bucket key (a sender, or a Messaging Service), shared
by every worker on the database: in several processes on one SQLite home, or on several machines on
PostgreSQL, they together send at the sender's rate, not at a multiple of it.

Every change is one transaction: the row is read (on PostgreSQL with SELECT ... FOR UPDATE, so a
second transaction on the same bucket waits; on SQLite under the file's write lock, BEGIN IMMEDIATE),
run through skill.core.token_bucket on the caller's clock reading, and written back. A bucket's row
is created full, at its configured rate, the first time it is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from skill.core.token_bucket import TokenBucket
from skill.stores.database import Connection, Row, SqlDatabase

T = TypeVar("T")
COLUMNS = "configured, rate, tokens, refilled_at, blocked_until"


def _bucket(row: Row, configured: float) -> TokenBucket:
    return TokenBucket.restore(
        configured=configured,
        was=float(row["configured"]),
        rate=float(row["rate"]),
        tokens=float(row["tokens"]),
        last=float(row["refilled_at"]),
        blocked_until=float(row["blocked_until"]),
    )


class SqlBucketStore:
    """Implements skill.ports.stores.BucketStore on SQLite or PostgreSQL."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db
        # SQLite has no row locks (and no FOR UPDATE): its write transaction already holds the file.
        self._for_update = " FOR UPDATE" if db.backend == "postgresql" else ""

    def _change(self, key: str, configured: float, now: float, change: Callable[[TokenBucket], T]) -> T:
        with self.db.transaction() as conn:
            conn.execute(
                f"INSERT INTO bulk_buckets (bucket_key, {COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?) "
                "ON CONFLICT (bucket_key) DO NOTHING",
                (key, configured, configured, max(configured, 1.0), now, now),
            )
            row = conn.execute(
                f"SELECT {COLUMNS} FROM bulk_buckets WHERE bucket_key = ?{self._for_update}", (key,)
            ).fetchone()
            bucket = _bucket(row, configured)
            result = change(bucket)
            self._save(conn, key, bucket, now)
        return result

    def _save(self, conn: Connection, key: str, bucket: TokenBucket, now: float) -> None:
        conn.execute(
            "UPDATE bulk_buckets SET configured = ?, rate = ?, tokens = ?, refilled_at = ?, blocked_until = ?, "
            "updated_at = ? WHERE bucket_key = ?",
            (bucket.configured, bucket.rate, bucket.tokens, bucket.last, bucket.blocked_until, now, key),
        )

    def take(self, key: str, configured: float, segments: int, now: float) -> float:
        """Take one message's tokens: 0 when taken, else the seconds to wait before trying again."""
        return self._change(key, configured, now, lambda bucket: bucket.take_or_wait(segments, now))

    def slow_down(self, key: str, configured: float, now: float) -> None:
        """A 429 or 5xx: half the rate, no burst left."""
        self._change(key, configured, now, lambda bucket: bucket.slow_down(now))

    def speed_up(self, key: str, configured: float, now: float) -> None:
        """A success: the rate climbs back a step towards the configured one."""
        self._change(key, configured, now, lambda bucket: bucket.speed_up())

    def block(self, key: str, configured: float, until: float, now: float) -> None:
        """Take nothing from the bucket before `until` (a Retry-After)."""
        self._change(key, configured, now, lambda bucket: bucket.block(until))

    def read(self, key: str) -> TokenBucket | None:
        """The bucket as stored (None before its first use)."""
        rows = self.db.query(f"SELECT {COLUMNS} FROM bulk_buckets WHERE bucket_key = ?", (key,))
        return _bucket(rows[0], float(rows[0]["configured"])) if rows else None
