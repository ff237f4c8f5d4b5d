"""The `confirm` action: the person at the client confirms one exact call instead of an operator.

For a client that supports form elicitation, the server asks the person using it whether to run
this call (its summary, impact and exact arguments, bound to their digest), once. Only a clear yes
runs the call; no elicitation support, a timeout, a decline, a cancel or any other answer falls back
to the out-of-band flow: an approval request is opened, as for `approve`.

This trusts the client application: a client that answers for the person (or lies about asking)
gets the same yes. It is meant for trusted desktop clients, is off unless a policy names it, and
never stands for `approve` on DESTRUCTIVE tools unless the policy says [confirm] destructive = true.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from skill.errors import ConfigError
from skill.policy.tiers import Tier
from skill.records.approvals import Impact

if TYPE_CHECKING:
    from skill.policy.gate import Gate, GatedCall, Verdict
    from skill.policy.policy import Policy

# What came of asking: only "confirmed" runs the call.
Answer = Literal["confirmed", "declined", "cancelled", "timeout", "unavailable", "invalid", "mismatch"]
WHO = "person at the client"


@dataclass(frozen=True)
class ConfirmSettings:
    """How the `confirm` action asks the person at the client."""

    destructive: bool = False  # whether `confirm` may stand for `approve` on DESTRUCTIVE tools
    timeout_seconds: int = 120

    def describe(self) -> dict[str, Any]:
        return {"destructive": self.destructive, "timeout_seconds": self.timeout_seconds}


@dataclass(frozen=True)
class Question:
    """What the person at the client is asked to confirm."""

    tool: str
    tier: Tier
    summary: str  # agent text quoted and escaped
    arguments: str  # the canonical JSON of the arguments, secrets replaced
    digest: str  # SHA-256 of the real arguments: the answer is bound to it
    impact: Impact | None
    timeout_seconds: int


Ask = Callable[[Question], Awaitable[Answer]]


def parse_confirm(section: object) -> ConfirmSettings:
    """The [confirm] section of a policy file.

    Raises:
        ConfigError: a value of the wrong kind.
    """
    if section is None:
        return ConfirmSettings()
    destructive = section.get("destructive", False) if isinstance(section, dict) else None
    timeout = section.get("timeout_seconds", 120) if isinstance(section, dict) else None
    if not isinstance(destructive, bool):
        raise ConfigError(
            f"Policy [confirm].destructive must be true or false, not {destructive!r}.",
            code="config.policy_invalid",
            remediation=["Write destructive = false under [confirm] (or leave it out)."],
        )
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 600:
        raise ConfigError(
            f"Policy [confirm].timeout_seconds must be a whole number from 1 to 600, not {timeout!r}.",
            code="config.policy_invalid",
            remediation=["Write timeout_seconds = 120 under [confirm]."],
        )
    return ConfirmSettings(destructive=destructive, timeout_seconds=timeout)


def confirm_misuse(policy: Policy, tiers: dict[str, Tier]) -> list[str]:
    """Where the policy sets `confirm` for a DESTRUCTIVE tool without [confirm] destructive = true."""
    if policy.confirm.destructive:
        return []
    problems = ["[tiers].DESTRUCTIVE"] if policy.tier_actions.get(Tier.DESTRUCTIVE) == "confirm" else []
    problems += [
        f"[tools].{name}"
        for name, action in policy.tool_actions.items()
        if action == "confirm" and tiers.get(name) is Tier.DESTRUCTIVE
    ]
    problems += [
        f"[[rules]] for {rule.tool}"
        for rule in policy.rules
        if rule.action == "confirm" and tiers.get(rule.tool) is Tier.DESTRUCTIVE
    ]
    return problems


def check_confirm(policy: Policy, tiers: dict[str, Tier]) -> None:
    """Refuse `confirm` for a DESTRUCTIVE tool unless the policy says [confirm] destructive = true: an
    irreversible call is an operator's decision unless the file hands it to the client explicitly.

    Raises:
        ConfigError: naming each place.
    """
    problems = confirm_misuse(policy, tiers)
    if problems:
        raise ConfigError(
            f"The policy ({policy.source}) sets confirm for DESTRUCTIVE tools: {', '.join(problems)}.",
            code="config.policy_invalid",
            remediation=[
                "Use approve for DESTRUCTIVE tools, so an operator decides them out of band.",
                "Or, to let the person at the client confirm them, add [confirm] destructive = true.",
            ],
        )


async def confirm(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    """Gate step: a `confirm` verdict becomes `allow` on a yes from the person at the client, else `approve`."""
    if verdict.action != "confirm":
        return
    settings = gate.policy.confirm
    if call.approval_id is not None:
        verdict.action = "approve"  # an operator's approval was given: use it as `approve` would
        return
    if call.tier is Tier.DESTRUCTIVE and not settings.destructive:
        verdict.action = "approve"
        verdict.reason = f"{verdict.reason}; DESTRUCTIVE calls are not confirmed at the client"
        return
    answer: Answer = "unavailable"
    if call.ask is not None:
        question = Question(
            tool=call.tool,
            tier=call.tier,
            summary=call.summarize(),
            arguments=call.shown_args,
            digest=call.digest,
            impact=await call.inspect() if call.inspect is not None else None,
            timeout_seconds=settings.timeout_seconds,
        )
        answer = await call.ask(question)
    gate.approvals.record_confirmation(
        tool=call.tool, profile=call.profile, args_sha256=call.digest, answer=answer, requested_by=call.requested_by
    )
    if answer == "confirmed":
        verdict.action = "allow"
        verdict.confirmed = True
        verdict.reason = f"{verdict.reason}; confirmed by the {WHO}"
    else:
        verdict.action = "approve"
        verdict.reason = f"{verdict.reason}; not confirmed at the client ({answer})"
