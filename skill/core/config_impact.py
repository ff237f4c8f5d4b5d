"""What applying a configuration plan would do, for the operator whose approval stands for every step's:
each step with its tool, the destructive ones first (numbers bought or released), and the monthly fee
of the numbers it would buy."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from skill.core import pricing
from skill.core.context import Services
from skill.errors import SkillError
from skill.records.approvals import MAX_FACTS, Cost, Fact, Impact


def describe(change: dict[str, Any]) -> str:
    fields = "; ".join(f"{f['field']}: {f['before']!r} -> {f['after']!r}" for f in change.get("fields", []))
    extra = change.get("phone_number") or change.get("criteria")
    text = f"{change['name']}" + (f" {extra}" if extra else "")
    return text + (f" ({fields})" if fields else "")


async def _buy_fees(services: Services, buys: list[dict[str, Any]]) -> tuple[dict[str, str], Cost | None]:
    """Each bought role's monthly fee as text, and their sum when every fee is known in one currency."""
    fees: dict[str, str] = {}
    total, currencies, known = Decimal(0), set(), 0
    for change in buys:
        criteria = change["criteria"]
        try:
            cost = pricing.as_cost(await pricing.number_monthly_price(services, criteria["country"], criteria["type"]))
            total += Decimal(cost.amount)
        except SkillError as exc:
            fees[change["name"]] = f"monthly fee unknown ({exc.code})"
            continue
        except InvalidOperation:
            fees[change["name"]] = "monthly fee unknown (unreadable price)"
            continue
        fees[change["name"]] = f"monthly fee {cost.text()}"
        currencies.add(cost.currency)
        known += 1
    if not buys or known != len(buys) or len(currencies) != 1:
        return fees, None
    basis = f"per month for {len(buys)} number(s)"
    return fees, Cost(amount=format(total, "f"), currency=currencies.pop(), basis=basis)


async def plan_impact(services: Services, plan: dict[str, Any], steps: list[dict[str, Any]]) -> Impact:
    """The plan's steps as an approval shows them; the numbers it buys or releases are listed first."""
    buys = [c for c in steps if c["kind"] == "number" and c["action"] == "create"]
    fees, cost = await _buy_fees(services, buys)
    ordered = sorted(steps, key=lambda c: c["tier"] != "DESTRUCTIVE")
    facts = []
    for change in ordered:
        value = describe(change)
        if change in buys:
            value += f"; {fees[change['name']]}"
        facts.append(Fact(label=f"{change['action']} {change['kind']} via {change['tool']}", value=value))
    if len(facts) > MAX_FACTS:
        more = len(facts) - (MAX_FACTS - 1)
        facts = [*facts[: MAX_FACTS - 1], Fact(label="more steps", value=f"{more} more (see config_plan)")]
    releases = any(c["kind"] == "number" and c["action"] == "delete" for c in steps)
    return Impact(
        resource=f"{len(steps)} configuration change(s) on account {plan['account_sid']}",
        facts=facts,
        cost=cost,
        reversibility="not reversible" if releases else "costs money" if buys else "reversible",
    )
