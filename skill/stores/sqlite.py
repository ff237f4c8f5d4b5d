"""The SQLite implementation of every store, opened together on one file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skill.stores.approvals import ApprovalStore
from skill.stores.audit import AuditLog
from skill.stores.database import Database
from skill.stores.records import IdempotencyStore, SendCounter, SuppressionStore


@dataclass
class Stores:
    db: Database
    approvals: ApprovalStore
    audit: AuditLog
    suppressions: SuppressionStore
    idempotency: IdempotencyStore
    send_counter: SendCounter

    @classmethod
    def open(cls, path: Path | str, secrets: tuple[str, ...] = ()) -> Stores:
        db = Database(path)
        return cls(
            db=db,
            approvals=ApprovalStore(db),
            audit=AuditLog(db, secrets),
            suppressions=SuppressionStore(db),
            idempotency=IdempotencyStore(db),
            send_counter=SendCounter(db),
        )

    def close(self) -> None:
        self.db.close()
