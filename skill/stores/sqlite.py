"""Every store, opened together on one database: the SQLite file, or PostgreSQL for a postgresql:// URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skill.ports.clock import Clock, SystemClock
from skill.stores.agents import SqliteAgentStore
from skill.stores.approvals import SqliteApprovalStore
from skill.stores.audit import SqliteAuditLog
from skill.stores.buckets import SqlBucketStore
from skill.stores.database import SqlDatabase, open_database
from skill.stores.ivr_menus import SqliteIvrMenuStore
from skill.stores.operators import SqliteOperatorStore
from skill.stores.outbox import SqliteOutbox
from skill.stores.prune import SqlRetention
from skill.stores.records import SqliteIdempotencyStore, SqliteSendCounter, SqliteSuppressionStore
from skill.stores.spend import SqliteSpendCounter
from skill.stores.verify_sends import SqliteVerifySendLog
from skill.stores.webhook_events import SqliteWebhookEventStore


@dataclass
class Stores:
    """Implements skill.ports.stores.StorePorts."""

    db: SqlDatabase
    approvals: SqliteApprovalStore
    audit: SqliteAuditLog
    suppressions: SqliteSuppressionStore
    idempotency: SqliteIdempotencyStore
    send_counter: SqliteSendCounter
    spend: SqliteSpendCounter
    verify_sends: SqliteVerifySendLog
    webhook_events: SqliteWebhookEventStore
    ivr_menus: SqliteIvrMenuStore
    operators: SqliteOperatorStore
    agents: SqliteAgentStore
    outbox: SqliteOutbox
    buckets: SqlBucketStore
    retention: SqlRetention

    @classmethod
    def open(cls, path: Path | str, secrets: tuple[str, ...] = (), clock: Clock | None = None) -> Stores:
        """Open (creating and migrating as needed) the database at `path` (a file, or a postgresql:// URL);
        `clock` is the wall clock.

        Raises:
            ConfigError: a PostgreSQL server cannot be reached.
        """
        db = open_database(path)
        wall = clock or SystemClock()
        return cls(
            db=db,
            approvals=SqliteApprovalStore(db, wall),
            audit=SqliteAuditLog(db, secrets, wall),
            suppressions=SqliteSuppressionStore(db, wall),
            idempotency=SqliteIdempotencyStore(db, wall),
            send_counter=SqliteSendCounter(db, wall),
            spend=SqliteSpendCounter(db, wall),
            verify_sends=SqliteVerifySendLog(db, wall),
            webhook_events=SqliteWebhookEventStore(db, wall),
            ivr_menus=SqliteIvrMenuStore(db, wall),
            operators=SqliteOperatorStore(db, wall),
            agents=SqliteAgentStore(db, wall),
            outbox=SqliteOutbox(db, wall),
            buckets=SqlBucketStore(db),
            retention=SqlRetention(db),
        )

    def close(self) -> None:
        self.db.close()
