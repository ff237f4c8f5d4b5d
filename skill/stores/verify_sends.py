"""When verification codes were sent to each destination, for the cooldown and the hourly cap.

Destinations (phone numbers, email addresses) are personal data: only their SHA-256 is kept.
"""

from __future__ import annotations

import hashlib

from skill.ports.clock import Clock, SystemClock
from skill.stores.database import SqlDatabase

# Sends older than this are of no use to any limit; they are dropped as new ones are recorded.
KEEP_SECONDS = 86400


def destination_digest(destination: str) -> str:
    return hashlib.sha256(destination.strip().lower().encode()).hexdigest()


class SqliteVerifySendLog:
    """One row per verification send that Twilio accepted."""

    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def record(self, profile: str, destination: str, channel: str, at: float | None = None) -> None:
        """Note a send to destination at the given time (default: now)."""
        moment = self.clock.now() if at is None else at
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM verify_sends WHERE sent_at < ?", (moment - KEEP_SECONDS,))
            conn.execute(
                "INSERT INTO verify_sends (profile, destination_sha256, channel, sent_at) VALUES (?, ?, ?, ?)",
                (profile, destination_digest(destination), channel, moment),
            )

    def since(self, profile: str, destination: str, since: float) -> list[float]:
        """Times of the sends to destination at or after `since`, oldest first."""
        rows = self.db.query(
            "SELECT sent_at FROM verify_sends WHERE profile = ? AND destination_sha256 = ? AND sent_at >= ? "
            "ORDER BY sent_at",
            (profile, destination_digest(destination), since),
        )
        return [float(row["sent_at"]) for row in rows]
