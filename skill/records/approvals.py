"""Approval requests and what they would do (their impact), as every surface shows them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from skill.records.base import Record

MAX_TEXT = 500
MAX_FACTS = 20


def _cap(value: str) -> str:
    return value[:MAX_TEXT]


def _few(items: list[Any]) -> list[Any]:
    return items[:MAX_FACTS]


# Impact text comes partly from Twilio (friendly names, URLs): bounded here, escaped where shown.
Text = Annotated[str, AfterValidator(_cap)]

Status = Literal["pending", "approved", "denied", "used"]
# The status a person sees: an undecided or unused request past its expiry reads "expired".
EffectiveStatus = Literal["pending", "approved", "denied", "used", "expired"]
Reversibility = Literal["reversible", "not reversible", "costs money"]
APPROVAL_ID_PATTERN = r"^apr_[0-9a-f]{16}$"


class Fact(Record):
    label: Text = Field(description="What the value is, e.g. 'SMS URL'.")
    value: Text = Field(description="The value, as text.")


class Cost(Record):
    amount: Text = Field(description="Decimal amount, e.g. '1.15'.")
    currency: Text = Field(description="ISO currency code, e.g. 'USD'.")
    basis: Text = Field(description="What it is for, e.g. 'per month'.")
    estimate: bool = Field(default=True, description="True: from published prices, not a bill.")

    def text(self) -> str:
        """E.g. "about 1.15 USD per month" ("about" only for an estimate)."""
        words = [("about " if self.estimate else "") + self.amount, self.currency, self.basis]
        return " ".join(word for word in words if word)


class Impact(Record):
    """What a gated call would do, in terms a person can judge quickly."""

    resource: Text = Field(description="The resource in human terms.")
    facts: Annotated[list[Fact], AfterValidator(_few)] = Field(default_factory=list, description="What it is now.")
    cost: Cost | None = Field(default=None, description="Estimated cost, where Twilio publishes one.")
    blast_radius: Annotated[list[Fact], AfterValidator(_few)] = Field(
        default_factory=list, description="Who or what else it touches."
    )
    reversibility: Reversibility = Field(default="reversible", description="reversible, not reversible, costs money.")

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs in reading order, for a plain listing."""
        rows = [("resource", self.resource)] if self.resource else []
        rows += [(fact.label, fact.value) for fact in self.facts]
        if self.cost is not None:
            rows.append(("cost", self.cost.text()))
        rows += [(f"affects: {fact.label}", fact.value) for fact in self.blast_radius]
        rows.append(("reversibility", self.reversibility))
        return rows


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts is not None else None


class Approval(Record):
    id: str
    tool: str
    args_json: str  # canonical JSON of the arguments, secret arguments replaced
    args_sha256: str  # digest of the canonical JSON of the real arguments
    profile: str
    summary: str
    status: Status
    created_at: float
    expires_at: float
    decided_at: float | None = None
    decided_by: str | None = None
    reason: str | None = None
    used_at: float | None = None
    impact: Impact | None = None
    requested_by: str | None = None  # the agent identity that made the call, when known

    def expired(self, now: float) -> bool:
        return now >= self.expires_at

    def effective_status(self, now: float) -> EffectiveStatus:
        if self.status in ("pending", "approved") and self.expired(now):
            return "expired"
        return self.status

    def arguments(self) -> dict[str, Any]:
        loaded = json.loads(self.args_json)
        return loaded if isinstance(loaded, dict) else {}

    def public(self, now: float) -> dict[str, Any]:
        """The request as the CLI's --json, the console's API, approval_status and the resource show it."""
        return {
            "id": self.id,
            "tool": self.tool,
            "status": self.effective_status(now),
            "summary": self.summary,
            "arguments": self.arguments(),
            "args_sha256": self.args_sha256,
            "profile": self.profile,
            "requested_by": self.requested_by,
            "impact": self.impact.model_dump(mode="json") if self.impact else None,
            "created_at": _iso(self.created_at),
            "expires_at": _iso(self.expires_at),
            "decided_at": _iso(self.decided_at),
            "decided_by": self.decided_by,
            "reason": self.reason,
            "used_at": _iso(self.used_at),
        }
