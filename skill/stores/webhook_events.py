"""Webhook events as received: written once per dedupe key, then processed once.

A callback is acknowledged only after its row is committed, and a repeat of the same key is
recognised by the UNIQUE constraint, so a redelivery is answered 2xx without a second row.
Processing marks a row in the same transaction as its effects (opt-outs, counters), so an event is
processed exactly once even when the process dies between two steps. A batch's counter increments
and marks are written together at its end, a statement for each rather than one per event (a round
trip each on PostgreSQL); until then the batch itself remembers which events it has processed.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from skill.ports.clock import Clock, SystemClock
from skill.records.events import NewEvent, StoredEvent
from skill.stores.database import Connection, Row, SqlDatabase

__all__ = ["EventBatch", "NewEvent", "StoredEvent", "SqliteWebhookEventStore"]


RECORD_ATTEMPTS = 3
_COLUMNS = "id, dedupe_key, kind, sid, status, account_sid, error_code, received_at, processed_at, payload_json"


def _stored(row: Row) -> StoredEvent:
    return StoredEvent(
        id=row["id"],
        dedupe_key=row["dedupe_key"],
        kind=row["kind"],
        sid=row["sid"],
        status=row["status"],
        account_sid=row["account_sid"],
        error_code=row["error_code"],
        received_at=row["received_at"],
        processed_at=row["processed_at"],
        payload=json.loads(row["payload_json"]),
    )


def _day(days: float) -> str:
    """The UTC date `days` days after the epoch, as the counters name it."""
    return time.strftime("%Y-%m-%d", time.gmtime(days * 86400))


class EventBatch:
    """One processing transaction: its connection, and what its events did that is written at its end."""

    def __init__(self, conn: Connection, backend: str = "sqlite") -> None:
        self.conn = conn
        self.backend = backend
        self._counts: Counter[tuple[float, str, str]] = Counter()
        self._processed: set[tuple[str, str]] = set()
        self._ids: list[int] = []
        self._gathered: dict[Callable[[list[Any]], None], list[Any]] = {}

    def count(self, event: StoredEvent) -> None:
        """Add one to the day's counter of this event's kind and status, when the batch ends."""
        # Counted by the day's start (UTC); named as a date once per day and kind when the batch ends.
        self._counts[(event.received_at // 86400, event.kind, event.status or "")] += 1

    def processed_before(self, event: StoredEvent) -> bool:
        """True when another event of the same kind and SID was processed already: earlier in this
        batch, or marked by an earlier one."""
        if not event.sid:
            return False
        if (event.kind, event.sid) in self._processed:
            return True
        row = self.conn.execute(
            "SELECT 1 FROM webhook_events WHERE sid = ? AND kind = ? AND id <> ? AND processed_at IS NOT NULL LIMIT 1",
            (event.sid, event.kind, event.id),
        ).fetchone()
        return row is not None

    def gather(self, write: Callable[[list[Any]], None], item: Any) -> None:
        """Hand `item` to `write` when the batch ends, in one call with every item gathered for it, in order.

        `write` must join the open transaction (a store's write through the same database does)."""
        self._gathered.setdefault(write, []).append(item)

    def processed(self, event: StoredEvent) -> None:
        """Note the event as processed: later events of the batch see it, and it is marked at the end."""
        self._ids.append(event.id)
        if event.sid:
            self._processed.add((event.kind, event.sid))

    def write(self, done_at: float) -> None:
        """Write what was gathered, the counters and the marks (inside the batch's transaction, before it commits)."""
        for gathered_write, items in self._gathered.items():
            gathered_write(items)
        if self._counts:
            # Keys in one order, so two processors that ever overlapped would take row locks alike.
            self.conn.executemany(
                "INSERT INTO webhook_counters (day, kind, status, count) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(day, kind, status) DO UPDATE SET count = webhook_counters.count + excluded.count",
                sorted((_day(days), kind, status, n) for (days, kind, status), n in self._counts.items()),
            )
        if not self._ids:
            return
        if self.backend == "postgresql":
            # One array parameter: a list of placeholders this long is parsed anew by the driver every time.
            ids = "{" + ",".join(map(str, self._ids)) + "}"
            self.conn.execute("UPDATE webhook_events SET processed_at = ? WHERE id = ANY(?::bigint[])", (done_at, ids))
            return
        marks = ", ".join("?" * len(self._ids))
        self.conn.execute(f"UPDATE webhook_events SET processed_at = ? WHERE id IN ({marks})", (done_at, *self._ids))


Effect = Callable[[EventBatch, StoredEvent], None]

_INSERTED = "dedupe_key, kind, sid, status, account_sid, error_code, received_at, payload_json"
# PostgreSQL: the batch arrives as one JSON array of rows (encoded in C; an array parameter per column is
# escaped element by element in Python). The keys are locked first, in hash order as SqlDatabase.lock
# takes them (the init plan in WHERE runs before the first row is inserted); then the rows go in the
# batch's order, so ids keep the order of arrival.
_INSERT_AT_ONCE = (
    "WITH batch AS (SELECT e->>0 AS dedupe_key, e->>1 AS kind, e->>2 AS sid, e->>3 AS status, "
    "e->>4 AS account_sid, (e->>5)::bigint AS error_code, (e->>6)::double precision AS received_at, "
    "e->>7 AS payload_json FROM json_array_elements(?::json) WITH ORDINALITY AS t(e, n) ORDER BY n) "
    f"INSERT INTO webhook_events ({_INSERTED}) SELECT {_INSERTED} FROM batch "
    "WHERE (SELECT count(*) FROM (SELECT pg_advisory_xact_lock(hashtext('webhook_events'), k) FROM "
    "(SELECT DISTINCT hashtext(dedupe_key) AS k FROM batch ORDER BY k) AS ordered) AS locked) >= 0 "
    "ON CONFLICT DO NOTHING RETURNING dedupe_key"
)
_ROWS_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
_PAYLOAD_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _rows(events: Sequence[NewEvent], received: float) -> list[tuple[Any, ...]]:
    """The inserted columns of each event, in order."""
    return [
        (
            event.dedupe_key,
            event.kind,
            event.sid,
            event.status,
            event.account_sid,
            event.error_code,
            received,
            _PAYLOAD_JSON(event.payload),
        )
        for event in events
    ]


class SqliteWebhookEventStore:
    """Durable, deduplicated webhook events and the counters their processing keeps."""

    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def record(self, events: Sequence[NewEvent], *, now: float | None = None) -> list[bool]:
        """Store events in one transaction; for each, True when it was new (False: a duplicate).

        Two receivers writing overlapping duplicates at once could deadlock on PostgreSQL's unique
        index, each waiting for a key the other inserted; the keys are locked first, in one global
        order (there, in the same statement as the inserts: one round trip). Should the database
        still abort a transaction, it is written again (nothing was acknowledged yet).
        """
        received = self.clock.now() if now is None else now
        for attempt in range(RECORD_ATTEMPTS):
            try:
                return self._record(events, received)
            except self.db.retryable:
                if attempt == RECORD_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def record_now(self, events: Sequence[NewEvent], *, now: float | None = None) -> list[bool] | None:
        """As record(), when the database can be written without waiting (see transaction_now); None
        when it cannot, and nothing was written."""
        with self.db.transaction_now() as conn:
            if conn is None:
                return None
            return self._insert(conn, events, self.clock.now() if now is None else now)

    def _record(self, events: Sequence[NewEvent], received: float) -> list[bool]:
        if self.db.backend == "postgresql":
            return self._insert_at_once(events, _rows(events, received))
        with self.db.transaction() as conn:
            return self._insert(conn, events, received)

    def _insert(self, conn: Connection, events: Sequence[NewEvent], received: float) -> list[bool]:
        self.db.lock(conn, "webhook_events", *(event.dedupe_key for event in events))
        # Sent together, in order: a repeat of a key earlier in the same batch is a duplicate too.
        changed = self.db.execute_each(
            f"INSERT INTO webhook_events ({_INSERTED}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            _rows(events, received),
        )
        return [n > 0 for n in changed]

    def _insert_at_once(self, events: Sequence[NewEvent], rows: list[tuple[Any, ...]]) -> list[bool]:
        """PostgreSQL: every row in one statement, its own transaction, after locking the keys in one global
        order; a key is new at its first place in the batch when the statement inserted it."""
        inserted = {row["dedupe_key"] for row in self.db.query(_INSERT_AT_ONCE, (_ROWS_JSON(rows),))}
        fresh: list[bool] = []
        for event in events:
            fresh.append(event.dedupe_key in inserted)
            inserted.discard(event.dedupe_key)
        return fresh

    def process_pending(self, effect: Effect, *, limit: int = 200, now: float | None = None) -> int:
        """Apply `effect` to up to `limit` unprocessed events and mark them, all in one transaction.

        The effect is given the batch (its connection is `batch.conn`) and the event, in id order."""
        done_at = self.clock.now() if now is None else now
        with self.db.transaction() as conn:
            # One processor at a time, across processes: effects read what earlier events did.
            self.db.lock(conn, "webhook_events", "process")
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM webhook_events WHERE processed_at IS NULL ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
            batch = EventBatch(conn, self.db.backend)
            for row in rows:
                event = _stored(row)
                effect(batch, event)
                batch.processed(event)
            batch.write(done_at)
        return len(rows)

    @staticmethod
    def count_event(batch: EventBatch, event: StoredEvent) -> None:
        """Add one to the day's counter of this kind and status (an effect of its own, or part of one)."""
        batch.count(event)

    def pending_count(self) -> int:
        return int(self.db.query("SELECT COUNT(*) AS n FROM webhook_events WHERE processed_at IS NULL")[0]["n"])

    def list(
        self,
        *,
        sid: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        since: float | None = None,
        until: float | None = None,
        below_id: int | None = None,
        limit: int = 50,
        oldest_first: bool = False,
    ) -> list[StoredEvent]:
        """Events matching every filter given, newest first unless oldest_first: received at or after
        `since` and before `until`, with an id under `below_id` (where the previous page ended)."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (("sid", sid), ("kind", kind), ("status", status)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        for condition, bound in (("received_at >= ?", since), ("received_at < ?", until), ("id < ?", below_id)):
            if bound is not None:
                clauses.append(condition)
                params.append(bound)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "ASC" if oldest_first else "DESC"
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM webhook_events {where} ORDER BY id {order} LIMIT ?", (*params, limit)
        )
        return [_stored(row) for row in rows]

    def counters(self) -> dict[str, int]:
        """Processed events per 'kind:status', over every day."""
        rows = self.db.query("SELECT kind, status, SUM(count) AS total FROM webhook_counters GROUP BY kind, status")
        return {f"{row['kind']}:{row['status']}": int(row["total"]) for row in rows}
