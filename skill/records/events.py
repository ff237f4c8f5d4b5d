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
