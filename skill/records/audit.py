"""Audit log entries, as stored and as every surface shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, Required, TypedDict

from skill.records.base import Record


class AuditEntry(Record):
    id: int
    ts: float
    event: str
    tool: str | None = None
    profile: str | None = None
    outcome: str
    approval_id: str | None = None
    detail: dict[str, Any]

    def public(self) -> dict[str, Any]:
        """One entry as the CLI's --json, the console and JSON Lines exports show it."""
        return {
            "id": self.id,
            "time": datetime.fromtimestamp(self.ts, UTC).isoformat(timespec="seconds"),
            "event": self.event,
            "tool": self.tool,
            "profile": self.profile,
            "outcome": self.outcome,
            "approval_id": self.approval_id,
            "detail": self.detail,
        }


class AuditFields(TypedDict, total=False):
    """What a caller says of an entry besides its event: the outcome, and whatever else applies."""

    outcome: Required[str]
    tool: str | None
    profile: str | None
    approval_id: str | None
    detail: dict[str, Any] | None


class AuditRow(NamedTuple):
    """An entry about to be written: its columns, the detail already made safe and serialised."""

    ts: float
    event: str
    tool: str | None
    profile: str | None
    outcome: str
    approval_id: str | None
    detail_json: str


@dataclass(frozen=True)
class AuditFilter:
    """Entries to show; every field left None matches everything. Times are Unix seconds, UTC."""

    tool: str | None = None
    outcome: str | None = None
    approval_id: str | None = None
    event: str | None = None
    since: float | None = None
    until: float | None = None
