"""The SQLite implementation of every store, opened together on one file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skill.stores.approvals import ApprovalStore
from skill.stores.audit import AuditLog
from skill.stores.audit_search import AuditSearch
from skill.stores.database import Database
from skill.stores.ivr_menus import IvrMenuStore
from skill.stores.operators import OperatorStore
from skill.stores.records import IdempotencyStore, SendCounter, SuppressionStore
from skill.stores.verify_sends import VerifySendLog
from skill.stores.webhook_events import WebhookEventStore


@dataclass
class Stores:
    db: Database
    approvals: ApprovalStore
    audit: AuditLog
    suppressions: SuppressionStore
    idempotency: IdempotencyStore
    send_counter: SendCounter
    verify_sends: VerifySendLog
    webhook_events: WebhookEventStore
    ivr_menus: IvrMenuStore
    operators: OperatorStore
    audit_search: AuditSearch

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
            verify_sends=VerifySendLog(db),
            webhook_events=WebhookEventStore(db),
            ivr_menus=IvrMenuStore(db),
            operators=OperatorStore(db),
            audit_search=AuditSearch(db),
        )

    def close(self) -> None:
        self.db.close()
