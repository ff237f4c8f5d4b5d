"""The outbox of bulk sends: one job row per send, one outbox row per recipient.

Workers claim rows in small batches under a lease. A claim is one write transaction: leases that ran
out are taken back first (a row never handed to Twilio goes back to the queue; one that may have been
becomes `unknown`, to be reconciled before any resend), then ready rows of running jobs are leased to
the claiming worker. A row is marked attempted, in a conditional update on its lease, just before its
request goes out, so two workers never send the same row. Claims take the database's lock for
`bulk_claim` (on SQLite the write transaction itself; on PostgreSQL an advisory lock), so workers in
several processes or on several machines claim one after another, never the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from skill.ports.clock import Clock, SystemClock
from skill.records.bulk import JobRow, OutboxRow
from skill.stores.database import Row, SqlDatabase

JOB_COLUMNS = (
    "id", "profile", "status", "sender", "service_sid", "status_callback", "send_window", "start_at", "approved",
    "total", "created_at", "hold_reason", "hold_until",
)  # fmt: skip
ROW_COLUMNS = (
    "job_id", "idx", "phone", "body", "segments", "country", "tz", "cost_micros", "state", "not_before",
    "attempts", "attempted_at", "sid", "error_code", "error_message",
)  # fmt: skip
PENDING = ("queued", "sending", "unknown")
DELIVERED = ("delivered", "read")
UNDELIVERED = ("undelivered", "failed")


def _job(row: Row) -> JobRow:
    values = {name: row[name] for name in JOB_COLUMNS}
    values["window"] = values.pop("send_window")  # `window` is a reserved word in PostgreSQL
    values["approved"] = bool(values["approved"])
    return JobRow.model_validate(values)


def _row(row: Row) -> OutboxRow:
    return OutboxRow.model_validate({name: row[name] for name in ROW_COLUMNS})


class SqliteOutbox:
    """Implements skill.ports.stores.OutboxStore on SQLite or PostgreSQL."""

    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def create_job(self, job: JobRow, rows: Sequence[OutboxRow]) -> None:
        now = self.clock.now()
        with self.db.transaction() as conn:
            values = job.model_dump()
            values["send_window"] = values.pop("window")
            conn.execute(
                f"INSERT INTO bulk_jobs ({', '.join(JOB_COLUMNS)}) VALUES ({', '.join('?' * len(JOB_COLUMNS))})",
                tuple(int(values[name]) if name == "approved" else values[name] for name in JOB_COLUMNS),
            )
            conn.executemany(
                f"INSERT INTO bulk_outbox ({', '.join(ROW_COLUMNS)}, updated_at) "
                f"VALUES ({', '.join('?' * (len(ROW_COLUMNS) + 1))})",
                [(*(row.model_dump()[name] for name in ROW_COLUMNS), now) for row in rows],
            )

    def job(self, job_id: str) -> JobRow | None:
        rows = self.db.query("SELECT * FROM bulk_jobs WHERE id = ?", (job_id,))
        return _job(rows[0]) if rows else None

    def jobs(self, profile: str, *, limit: int, before: tuple[float, str] | None = None) -> list[JobRow]:
        """Newest first; `before` is the (created_at, id) of the last job seen."""
        if before is None:
            rows = self.db.query(
                "SELECT * FROM bulk_jobs WHERE profile = ? ORDER BY created_at DESC, id DESC LIMIT ?", (profile, limit)
            )
        else:
            rows = self.db.query(
                "SELECT * FROM bulk_jobs WHERE profile = ? AND (created_at < ? OR (created_at = ? AND id < ?)) "
                "ORDER BY created_at DESC, id DESC LIMIT ?",
                (profile, before[0], before[0], before[1], limit),
            )
        return [_job(row) for row in rows]

    def set_status(self, job_id: str, status: str, *, allowed_from: tuple[str, ...]) -> bool:
        marks = ", ".join("?" * len(allowed_from))
        return (
            self.db.execute(
                f"UPDATE bulk_jobs SET status = ? WHERE id = ? AND status IN ({marks})", (status, job_id, *allowed_from)
            )
            == 1
        )

    def hold(self, job_id: str, reason: str | None, until: float | None) -> None:
        self.db.execute("UPDATE bulk_jobs SET hold_reason = ?, hold_until = ? WHERE id = ?", (reason, until, job_id))

    def claim(self, worker: str, *, limit: int, lease_seconds: float, now: float | None = None) -> list[OutboxRow]:
        """Lease up to `limit` ready rows of running jobs to `worker`: queued rows due now, and unknown
        rows to reconcile, taken in turn from every job (row 1 of each, then row 2, ...) so that jobs
        of different senders go out side by side. Leases that ran out are taken back first."""
        moment = self.clock.now() if now is None else now
        with self.db.transaction() as conn:
            self.db.lock(conn, "bulk_claim")
            conn.execute(
                "UPDATE bulk_outbox SET state = CASE WHEN attempted_at IS NULL THEN 'queued' ELSE 'unknown' END, "
                "lease_owner = NULL, lease_until = NULL, updated_at = ? "
                "WHERE state = 'sending' AND lease_until < ?",
                (moment, moment),
            )
            rows = list(
                conn.execute(
                    "SELECT o.* FROM bulk_outbox o JOIN bulk_jobs j ON j.id = o.job_id "
                    "WHERE j.status = 'running' AND (j.hold_until IS NULL OR j.hold_until <= ?) "
                    "AND o.not_before <= ? AND (o.state = 'queued' OR (o.state = 'unknown' "
                    "AND (o.lease_until IS NULL OR o.lease_until < ?))) "
                    "ORDER BY o.idx, o.job_id LIMIT ?",
                    (moment, moment, moment, limit),
                )
            )
            for row in rows:
                conn.execute(
                    "UPDATE bulk_outbox SET state = CASE WHEN state = 'queued' THEN 'sending' ELSE state END, "
                    "lease_owner = ?, lease_until = ?, updated_at = ? WHERE job_id = ? AND idx = ?",
                    (worker, moment + lease_seconds, moment, row["job_id"], row["idx"]),
                )
        claimed = [_row(row) for row in rows]
        return [row.model_copy(update={"state": "sending" if row.state == "queued" else row.state}) for row in claimed]

    def mark_attempted(
        self, job_id: str, idx: int, worker: str, lease_seconds: float, now: float | None = None
    ) -> bool:
        """Just before the request: True when the row is still this worker's and its job still running."""
        moment = self.clock.now() if now is None else now
        changed = self.db.execute(
            "UPDATE bulk_outbox SET attempted_at = ?, attempts = attempts + 1, lease_until = ?, updated_at = ? "
            "WHERE job_id = ? AND idx = ? AND state = 'sending' AND lease_owner = ? "
            "AND EXISTS (SELECT 1 FROM bulk_jobs j WHERE j.id = job_id AND j.status = 'running')",
            (moment, moment + lease_seconds, moment, job_id, idx, worker),
        )
        return changed == 1

    def finish(
        self,
        job_id: str,
        idx: int,
        state: str,
        *,
        sid: str | None = None,
        error_code: int | None = None,
        error_message: str | None = None,
        now: float | None = None,
    ) -> bool:
        """Record a row's outcome (sent, failed or skipped) unless it already has one."""
        moment = self.clock.now() if now is None else now
        changed = self.db.execute(
            "UPDATE bulk_outbox SET state = ?, sid = COALESCE(?, sid), error_code = ?, error_message = ?, "
            "lease_owner = NULL, lease_until = NULL, updated_at = ?, sent_at = CASE WHEN ? = 'sent' THEN ? END "
            "WHERE job_id = ? AND idx = ? AND state IN ('queued', 'sending', 'unknown')",
            (state, sid, error_code, error_message, moment, state, moment, job_id, idx),
        )
        return changed == 1

    def requeue(
        self,
        job_id: str,
        idx: int,
        *,
        not_before: float,
        forget_attempt: bool,
        now: float | None = None,
        owner: str | None = None,
    ) -> None:
        """Back to the queue; a row attempted and not forgotten (its outcome unknown) waits to be reconciled.
        With `owner`, only while that worker still holds the row's lease (another may have taken it over)."""
        moment = self.clock.now() if now is None else now
        held = "" if owner is None else " AND lease_owner = ?"
        # `? = 1`, not a bare parameter: PostgreSQL takes no integer where a boolean is due.
        self.db.execute(
            "UPDATE bulk_outbox SET state = CASE WHEN ? = 1 OR attempted_at IS NULL THEN 'queued' ELSE 'unknown' END, "
            "attempted_at = CASE WHEN ? = 1 THEN NULL ELSE attempted_at END, "
            "lease_owner = NULL, lease_until = NULL, not_before = ?, updated_at = ? "
            f"WHERE job_id = ? AND idx = ? AND state IN ('sending', 'unknown'){held}",
            (
                int(forget_attempt),
                int(forget_attempt),
                not_before,
                moment,
                job_id,
                idx,
                *(() if owner is None else (owner,)),
            ),
        )

    def cancel_pending(self, job_id: str) -> int:
        """Skip every row not handed to Twilio yet; the number skipped."""
        return self.db.execute(
            "UPDATE bulk_outbox SET state = 'skipped', error_message = 'canceled', lease_owner = NULL, "
            "lease_until = NULL, updated_at = ? WHERE job_id = ? AND (state = 'queued' OR "
            "(state = 'sending' AND attempted_at IS NULL))",
            (self.clock.now(), job_id),
        )

    def counts(self, job_id: str) -> dict[str, int]:
        """Rows by state, and by delivery outcome ('delivered', 'undelivered')."""
        counts = {
            str(row["state"]): int(row["n"])
            for row in self.db.query(
                "SELECT state, COUNT(*) AS n FROM bulk_outbox WHERE job_id = ? GROUP BY state", (job_id,)
            )
        }
        for label, statuses in (("delivered", DELIVERED), ("undelivered", UNDELIVERED)):
            marks = ", ".join("?" * len(statuses))
            counts[label] = int(
                self.db.query(
                    f"SELECT COUNT(*) AS n FROM bulk_outbox WHERE job_id = ? AND delivery IN ({marks})",
                    (job_id, *statuses),
                )[0]["n"]
            )
        return counts

    def sent_span(self, job_id: str) -> tuple[int, float | None, float | None]:
        """(rows sent, first and last time one was sent)."""
        row = self.db.query(
            "SELECT COUNT(*) AS n, MIN(sent_at) AS first, MAX(sent_at) AS last FROM bulk_outbox "
            "WHERE job_id = ? AND state = 'sent'",
            (job_id,),
        )[0]
        return int(row["n"]), row["first"], row["last"]

    def errors(self, job_id: str, limit: int) -> list[tuple[int | None, str | None, int]]:
        """The most frequent (error_code, error_message, count) of failed and skipped rows."""
        rows = self.db.query(
            "SELECT error_code, MIN(error_message) AS message, COUNT(*) AS n FROM bulk_outbox "
            "WHERE job_id = ? AND state IN ('failed', 'skipped') GROUP BY error_code ORDER BY n DESC LIMIT ?",
            (job_id, limit),
        )
        return [(row["error_code"], row["message"], int(row["n"])) for row in rows]

    def rows(self, job_id: str, *, states: tuple[str, ...] = (), limit: int = 100) -> list[OutboxRow]:
        if states:
            marks = ", ".join("?" * len(states))
            found = self.db.query(
                f"SELECT * FROM bulk_outbox WHERE job_id = ? AND state IN ({marks}) ORDER BY idx LIMIT ?",
                (job_id, *states, limit),
            )
        else:
            found = self.db.query("SELECT * FROM bulk_outbox WHERE job_id = ? ORDER BY idx LIMIT ?", (job_id, limit))
        return [_row(row) for row in found]

    def record_delivery(self, sid: str, status: str) -> bool:
        """A status callback for a bulk message: keep its latest delivery status. One statement, so
        inside an open transaction it joins it."""
        return self.db.execute("UPDATE bulk_outbox SET delivery = ? WHERE sid = ?", (status, sid)) == 1

    def record_deliveries(self, updates: Sequence[tuple[str, str]]) -> None:
        """Status callbacks for bulk messages as (sid, status), in the order received: the last of a sid
        wins. One statement sent once for all, so inside an open transaction it joins it."""
        if not updates:
            return
        if self.db.backend == "postgresql":
            # One statement for all instead of one per update, each of which the server parses and plans.
            # The pairs go as one JSON array, encoded in C (an array parameter is escaped item by item).
            pairs = json.dumps(list(dict(updates).items()))  # the last status of a sid wins
            self.db.execute(
                "UPDATE bulk_outbox AS o SET delivery = u.delivery FROM (SELECT e->>0 AS sid, e->>1 AS delivery "
                "FROM json_array_elements(?::json) AS e) AS u WHERE o.sid = u.sid",
                (pairs,),
            )
            return
        self.db.execute_many("UPDATE bulk_outbox SET delivery = ? WHERE sid = ?", [(s, sid) for sid, s in updates])

    def complete_finished(self) -> list[str]:
        """Mark running jobs with nothing left to send as completed; their ids."""
        marks = ", ".join("?" * len(PENDING))
        with self.db.transaction() as conn:
            done = [
                str(row["id"])
                for row in conn.execute(
                    "SELECT id FROM bulk_jobs j WHERE status = 'running' AND NOT EXISTS "
                    f"(SELECT 1 FROM bulk_outbox o WHERE o.job_id = j.id AND o.state IN ({marks}))",
                    PENDING,
                )
            ]
            for job_id in done:
                conn.execute("UPDATE bulk_jobs SET status = 'completed' WHERE id = ?", (job_id,))
        return done

    def next_due(self, now: float | None = None) -> float | None:
        """The earliest time a row of a running job becomes ready (None when none waits)."""
        rows = self.db.query(
            "SELECT MIN(CASE WHEN o.not_before > COALESCE(j.hold_until, 0) THEN o.not_before "
            "ELSE COALESCE(j.hold_until, 0) END) AS due FROM bulk_outbox o "
            "JOIN bulk_jobs j ON j.id = o.job_id WHERE j.status = 'running' AND o.state IN ('queued', 'unknown')"
        )
        due: Any = rows[0]["due"] if rows else None
        return float(due) if due is not None else None
