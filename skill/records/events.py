"""Webhook events: as received (before storing) and as stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NewEvent:
    """An event about to be stored."""

    dedupe_key: str
    kind: str  # sms_status | sms_inbound | voice_status | email_event | email_inbound | ...
    sid: str | None
    status: str | None
    account_sid: str | None
    error_code: int | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class StoredEvent:
    id: int
    dedupe_key: str
    kind: str
    sid: str | None
    status: str | None
    account_sid: str | None
    error_code: int | None
    received_at: float
    processed_at: float | None
    payload: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "sid": self.sid,
            "status": self.status,
            "account_sid": self.account_sid,
            "error_code": self.error_code,
            "received_at": self.received_at,
            "processed_at": self.processed_at,
            "payload": self.payload,
        }
