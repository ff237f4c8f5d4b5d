"""An approval request's impact (resource, facts, cost, blast radius, reversibility), read for display.

The impact is written by whoever opened the request and may be missing, partial or odd; reading
it never fails. Every string in it is still hostile text: the surface that shows it escapes it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

MAX_ITEMS = 20
MAX_CHARS = 500


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Cost:
    amount: str
    currency: str
    basis: str
    estimate: bool

    def text(self) -> str:
        """E.g. "about 1.15 USD per month" ("about" only for an estimate)."""
        words = [("about " if self.estimate else "") + self.amount, self.currency, self.basis]
        return " ".join(word for word in words if word)


@dataclass(frozen=True)
class ImpactView:
    resource: str
    facts: tuple[Fact, ...]
    cost: Cost | None
    blast_radius: tuple[Fact, ...]
    reversibility: str

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs in reading order, for a plain listing."""
        rows = [("resource", self.resource)] if self.resource else []
        rows += [(fact.label, fact.value) for fact in self.facts]
        if self.cost is not None:
            rows.append(("cost", self.cost.text()))
        rows += [(f"affects: {fact.label}", fact.value) for fact in self.blast_radius]
        if self.reversibility:
            rows.append(("reversibility", self.reversibility))
        return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value))[:MAX_CHARS]


def _facts(value: object) -> tuple[Fact, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(
        Fact(_text(item.get("label")), _text(item.get("value"))) for item in value[:MAX_ITEMS] if isinstance(item, dict)
    )


def _cost(value: object) -> Cost | None:
    if not isinstance(value, dict):
        return None
    return Cost(
        amount=_text(value.get("amount")),
        currency=_text(value.get("currency")),
        basis=_text(value.get("basis")),
        estimate=bool(value.get("estimate", True)),
    )


def _as_dict(raw: object) -> dict[str, Any] | None:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    dump = getattr(raw, "model_dump", None)
    if callable(dump):
        dumped = dump()
        return dumped if isinstance(dumped, dict) else None
    if dataclasses.is_dataclass(raw) and not isinstance(raw, type):
        return dataclasses.asdict(raw)
    return None


def impact_of(approval: object) -> ImpactView | None:
    """The request's impact, from an `impact` attribute or its stored `impact_json`; None when absent."""
    raw = getattr(approval, "impact", None)
    if raw is None:
        raw = getattr(approval, "impact_json", None)
    data = _as_dict(raw) if raw is not None else None
    if not data:
        return None
    return ImpactView(
        resource=_text(data.get("resource")),
        facts=_facts(data.get("facts")),
        cost=_cost(data.get("cost")),
        blast_radius=_facts(data.get("blast_radius")),
        reversibility=_text(data.get("reversibility")),
    )
