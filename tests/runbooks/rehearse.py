"""Rehearsing a runbook: its steps called through the MCP client against its staged scenario, gated
calls approved as an operator would, operator actions played from the scenario."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.scenarios import Scenario, Staged
from skill.server.prompts import PLACEHOLDER, Runbook
from skill.server.registry import all_tools
from skill.server.runbook_steps import REFERENCE, Step, coerce, collect, fill, holds
from tests.conftest import Elapse, approve, call


@dataclass
class Rehearsal:
    results: dict[str, Any] = field(default_factory=dict)
    outcomes: list[tuple[Step, dict[str, Any]]] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)


def schemas() -> dict[str, dict[str, Any]]:
    return {spec.name: spec.input.model_json_schema() for spec in all_tools()}


def expect_text(expect: str, arguments: dict[str, str], results: dict[str, Any]) -> str:
    """A check with its {{arguments}} and ${references} written in."""
    text = PLACEHOLDER.sub(lambda m: arguments.get(m.group(1), ""), expect)
    return REFERENCE.sub(lambda m: str((collect(results.get(m.group(1)), m.group(2).lstrip(".")) or [""])[0]), text)


async def rehearse(
    client: Client,
    services: Services,
    sandbox: Sandbox,
    book: Runbook,
    scenario: Scenario,
    staged: Staged,
    elapse: Elapse,
    *,
    skip_phase: str | None = None,
) -> Rehearsal:
    """Run every step in order (but those of `skip_phase`); each check must hold on its step's result.

    Raises:
        AssertionError: a check fails, or a call is gated when the runbook does not say so.
        LookupError: a step refers to a result that is not there.
    """
    inputs = schemas()
    done = Rehearsal()
    for step in book.steps:
        if step.phase == skip_phase:
            continue
        if step.wait:
            elapse(step.wait)
        if step.operator is not None:
            said = scenario.operator[step.operator](sandbox)
            done.outcomes.append((step, {"operator": said}))
            continue
        assert step.tool is not None
        properties = inputs[step.tool].get("properties", {})
        args = {
            name: coerce(fill(value, staged.arguments, done.results), properties.get(name, {}))
            for name, value in step.arguments.items()
        }
        outcome = await call(client, step.tool, args)
        if outcome.is_error and outcome.data["error"]["code"] == "policy.approval_required":
            assert step.gated, f"step {step.number} ({step.tool}) was gated but the runbook does not say so"
            approval_id = await approve(services, outcome)
            done.approved.append(approval_id)
            outcome = await call(client, step.tool, {**args, "approval_id": approval_id})
        else:
            assert not step.gated, f"step {step.number} ({step.tool}) says gated but ran at once: {outcome}"
        if step.save:
            done.results[step.save] = outcome.data
        if step.expect:
            check = expect_text(step.expect, staged.arguments, done.results)
            assert holds(check, outcome.data), f"step {step.number} {step.tool}: {check!r} fails on {outcome.data}"
        done.outcomes.append((step, outcome.data))
    return done
