"""The gate every tool call passes before it runs: a pipeline of small named steps.

    local_checks   the tool's own rules that need no request (bad numbers, opt-outs, ...)
    rules          the policy's action for this tool and these arguments
    country        the destination's country is allowed
    confirm        a `confirm` verdict asks the person at the client (skill.policy.confirm): a yes
                   allows the call, anything else makes it wait for an operator's approval
    webhook_hosts  pointing live traffic at a host outside [webhooks] allowed_hosts waits for approval
    bulk           more recipients than [limits].bulk_recipients waits for approval
    caps           the day's SEND cap, reserved atomically; over it, the call waits for approval (a
                   metered call, a bulk job, is counted per message by its worker instead)
    spend          the call's estimated cost against [limits] spend_per_day and spend_per_month,
                   reserved atomically; a call that would cross a cap waits for approval
    read_only      a READ tool cannot wait for approval: refused instead
    deny           a denied call stops here
    approval       an approval id given is used (once, for exactly this call); else, if needed, one is requested

Each step reads the call and the verdict so far and may change the verdict or raise. The gate holds
no MCP types: the server's dispatch builds a `GatedCall` from a tool spec and calls `Gate.check`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from skill.core.approvals import ApprovalRequest, ApprovalService
from skill.core.phones import e164_destination, region_of, split_channel
from skill.core.pricing import as_cost, money
from skill.errors import ApprovalRequired, PolicyError, SkillError
from skill.policy.confirm import Ask, confirm
from skill.policy.tiers import Tier
from skill.records.approvals import Approval, Cost, Fact, Impact

if TYPE_CHECKING:
    from skill.policy.policy import Action, Policy
    from skill.ports.stores import SendCounter, SpendCounter
    from skill.records.pricing import Estimate, SpendTotals


@dataclass(frozen=True)
class GatedCall:
    """One validated tool call, as the gate sees it."""

    tool: str
    tier: Tier
    args: dict[str, Any]  # the validated arguments, as JSON, under their wire names
    digest: str  # SHA-256 of the canonical JSON of args
    shown_args: str  # canonical JSON of args with secret arguments replaced: what an operator sees
    profile: str
    summarize: Callable[[], str]  # the human summary of the effect (values quoted)
    approval_id: str | None = None
    destination_arg: str | None = None  # SEND tools: the argument naming the phone number contacted
    recipients: int = 1  # how many people one call reaches
    webhook_urls: tuple[str, ...] = ()  # URLs this call points live traffic at
    local_checks: Callable[[], None] | None = None  # the tool's local rules; raise to refuse
    inspect: Callable[[], Awaitable[Impact | None]] | None = None  # fetches the target; raise if it cannot run
    requested_by: str | None = None
    ask: Ask | None = None  # asks the person at the client to confirm (a `confirm` verdict); None: cannot
    metered: bool = False  # its messages are counted one by one as they go out (a bulk job), not here

    @property
    def destination(self) -> str | None:
        value = self.args.get(self.destination_arg) if self.destination_arg else None
        return value if isinstance(value, str) else None


@dataclass
class Verdict:
    action: Action = "allow"
    reason: str = ""
    counted: bool = False  # a send was counted for this call (to give back if it does not happen)
    approval: Approval | None = None  # the approval this call used
    cost: Estimate | None = None  # the call's estimated cost, when spend caps are set
    spent_day: str | None = None  # the day its cost was counted on (to give back if it does not happen)
    spend_facts: list[Fact] = field(default_factory=list)  # the caps and spend so far, for an approval's impact
    confirmed: bool = False  # the person at the client confirmed this call


Step = Callable[["Gate", GatedCall, Verdict], Awaitable[None]]


def _denied(call: GatedCall, reason: str) -> PolicyError:
    return PolicyError(
        f"{call.tool} is denied by the policy ({reason}). Nothing was done.",
        code="policy.denied",
        remediation=[
            "Do not retry; tell the person this action is not permitted here.",
            "An operator can change the policy file (TWILIO_SKILL_POLICY) if it should be.",
        ],
    )


async def local_checks(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    if call.local_checks is not None:
        call.local_checks()


def destination_views(call: GatedCall, default_region: str) -> list[dict[str, Any]]:
    """The arguments as rules see them: the destination number in E.164 however it was written, and
    for a channel address also with its channel (so both "+44*" and "whatsapp:*" match it)."""
    if not call.destination or not call.destination_arg:
        return [call.args]
    e164 = e164_destination(call.destination, default_region)
    if not e164:
        return [call.args]
    views = [{**call.args, call.destination_arg: e164}]
    channel = split_channel(call.destination.strip())[0]
    if channel:
        views.append({**call.args, call.destination_arg: channel + e164})
    return views


async def rules(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    views = destination_views(call, gate.default_region)
    # The first rule that matches any view wins; no earlier rule matches that view, so the policy's own
    # lookup on it finds the same rule.
    first = next((view for rule in gate.policy.rules for view in views if rule.matches(call.tool, view)), views[0])
    verdict.action, verdict.reason = gate.policy.action_for(call.tool, call.tier, first)


async def country(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    if not call.destination or verdict.action == "deny":
        return
    region = region_of(call.destination, gate.default_region)
    if region is None or gate.policy.country_allowed(region):
        return  # not a phone number (an email address, a SIP URI): the tool's own checks judge it
    allowed = ", ".join(gate.policy.allowed_countries) or "none"
    raise PolicyError(
        f"{call.tool} to a number in {region} is not allowed by the policy (allowed: {allowed}). Nothing was sent.",
        code="policy.country_not_allowed",
        remediation=[
            "Do not retry to this destination; tell the person it is outside the allowed countries.",
            "An operator can add the country to [limits].allowed_countries in the policy file.",
        ],
    )


# A host name as every URL parser reads it alike: ASCII letters, digits and hyphens between dots.
PLAIN_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*$")


def url_host(url: str) -> str | None:
    """The host a URL points at, lowercased without a trailing dot; None unless it is plain enough that
    any parser (ours, Twilio's, a browser's) reads the same host from it.

    A backslash makes WHATWG parsers end the host where Python's does not, and percent-escapes or
    non-ASCII letters in a host are decoded differently by different parsers, so those never match.
    """
    if "\\" in url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    host = host.lower().rstrip(".")
    return host if PLAIN_HOST.fullmatch(host) else None


def host_allowed(url: str, allowed: Sequence[str]) -> bool:
    host = url_host(url)
    return host is not None and any(fnmatch.fnmatchcase(host, pattern.lower().rstrip(".")) for pattern in allowed)


async def webhook_hosts(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    if verdict.action != "allow":
        return
    foreign = [url for url in call.webhook_urls if not host_allowed(url, gate.webhook_hosts)]
    if foreign:
        # Repointing a live number or service at an unknown host hands its traffic to that host.
        hosts = sorted({url_host(url) or "an unusual URL" for url in foreign})
        verdict.action = "approve"
        verdict.reason = f"webhook host {', '.join(hosts)} is not in [webhooks].allowed_hosts"


async def bulk(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    if verdict.action == "allow" and call.recipients > gate.policy.bulk_recipients:
        # A bulk send spends beyond a limit: the design's DESTRUCTIVE case, so an operator decides.
        verdict.action = "approve"
        verdict.reason = f"{call.recipients} recipients is over the bulk limit of {gate.policy.bulk_recipients}"


async def caps(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    if call.tier is not Tier.SEND or verdict.action != "allow" or call.metered:
        return
    verdict.counted = gate.send_counter.try_reserve(call.profile, call.tool, gate.policy.sends_per_day)
    if not verdict.counted:
        verdict.action = "approve"
        verdict.reason = f"daily limit of {gate.policy.sends_per_day} {call.tool} calls reached"


def _spend_facts(totals: SpendTotals, policy: Policy, currency: str) -> list[Fact]:
    facts = []
    for label, spent, cap in (
        ("spend today", totals.today, policy.spend_per_day),
        ("spend this month", totals.month, policy.spend_per_month),
    ):
        if cap is not None:
            facts.append(Fact(label=label, value=f"{money(spent)} {currency} of a {money(cap)} {currency} cap"))
    return facts


def _crossing(totals: SpendTotals, policy: Policy, cost: Estimate) -> str:
    amount = cost.value
    periods = (("today's", totals.today, policy.spend_per_day), ("this month's", totals.month, policy.spend_per_month))
    for period, spent, cap in periods:
        if cap is not None and spent + amount > cap:
            return (
                f"its estimated {cost.amount} {cost.currency} would take {period} spend to "
                f"{money(spent + amount)} {cost.currency}, over the cap of {money(cap)} {cost.currency}"
            )
    return "it would cross a spend cap"


async def spend(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    if call.tier is not Tier.SEND or verdict.action == "deny" or not gate.policy.spend_capped or call.metered:
        return
    if gate.spend_counter is None or gate.estimate_spend is None:
        return
    try:
        cost = await gate.estimate_spend(call)
    except SkillError as exc:
        # A cost the caps cannot count is a cost nobody bounded: an operator decides.
        if verdict.action == "allow":
            verdict.action, verdict.reason = "approve", f"its cost could not be estimated ({exc.message})"
        return
    verdict.cost = cost
    if verdict.action != "allow":
        verdict.spend_facts = _spend_facts(gate.spend_counter.totals(call.profile), gate.policy, cost.currency)
        return  # counted if an approval is used for it (see `approval`)
    counted, before = gate.spend_counter.try_reserve(
        call.profile, cost.value, per_day=gate.policy.spend_per_day, per_month=gate.policy.spend_per_month
    )
    if counted:
        verdict.spent_day = before.day
        return
    verdict.action, verdict.reason = "approve", _crossing(before, gate.policy, cost)
    verdict.spend_facts = _spend_facts(before, gate.policy, cost.currency)


def _with_spend(impact: Impact | None, verdict: Verdict, summary: str) -> Impact | None:
    """The impact the tool described, with the call's estimated cost and the spend caps added."""
    if verdict.cost is None:
        return impact
    cost: Cost = as_cost(verdict.cost)
    if impact is None:
        return Impact(resource=summary, facts=verdict.spend_facts, cost=cost, reversibility="costs money")
    return impact.model_copy(update={"facts": [*impact.facts, *verdict.spend_facts], "cost": impact.cost or cost})


async def read_only(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    if verdict.action == "approve" and call.tier is Tier.READ:
        # READ tools take no approval_id, so an approval could never be redeemed: refuse instead.
        verdict.action, verdict.reason = "deny", f"{verdict.reason}; read-only tools cannot wait for approval"


async def deny(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    if verdict.action == "deny":
        raise _denied(call, verdict.reason)


async def approval(gate: Gate, call: GatedCall, verdict: Verdict) -> None:
    if call.approval_id and call.tier is not Tier.READ:
        # An approval id given is always redeemed, even for a call the policy would let through: the
        # audit log then never shows an id that did not let its call run.
        verdict.approval = gate.approvals.consume(
            call.approval_id, tool=call.tool, args_sha256=call.digest, profile=call.profile
        )
        if call.tier is Tier.SEND and not call.metered:
            # An approved send runs past the caps, and is still counted (once: `caps` may have counted it).
            if not verdict.counted:
                gate.send_counter.increment(call.profile, call.tool)
                verdict.counted = True
            if verdict.cost is not None and verdict.spent_day is None and gate.spend_counter is not None:
                verdict.spent_day = gate.spend_counter.add(call.profile, verdict.cost.value)
        return
    if verdict.action != "approve":
        return
    if call.tier is Tier.SEND and verdict.cost is None and gate.estimate_spend is not None:
        # The operator judges a send by what it costs, caps or no caps; a request without a price
        # is still a request.
        with contextlib.suppress(SkillError):
            verdict.cost = await gate.estimate_spend(call)
    summary = call.summarize()
    impact = _with_spend(await call.inspect() if call.inspect is not None else None, verdict, summary)
    request, _ = gate.approvals.request(
        ApprovalRequest(
            tool=call.tool,
            args_json=call.shown_args,
            args_sha256=call.digest,
            profile=call.profile,
            summary=summary,
            reason=verdict.reason,
            impact=impact,
            requested_by=call.requested_by,
        )
    )
    raise ApprovalRequired(
        f"{call.tool} needs an operator's approval ({verdict.reason}). Nothing has happened yet.",
        remediation=[
            f"Show the person this summary and ask them to approve: {request.summary}",
            f"An operator approves with: twilio-skill approvals approve {request.id}",
            f"Wait with approval_status (wait_seconds), then call {call.tool} again with the same arguments "
            f"and approval_id={request.id}.",
            "Do not try another tool or other arguments to get around the gate.",
        ],
        approval=gate.approvals.block(request),
    )


STEPS: tuple[Step, ...] = (
    local_checks, rules, country, confirm, webhook_hosts, bulk, caps, spend, read_only, deny, approval,
)  # fmt: skip


@dataclass
class Gate:
    policy: Policy
    approvals: ApprovalService
    send_counter: SendCounter
    default_region: str = "US"
    trusted_webhook_hosts: tuple[str, ...] = ()  # e.g. the host of our own public webhook URL
    spend_counter: SpendCounter | None = None
    estimate_spend: Callable[[GatedCall], Awaitable[Estimate]] | None = None  # a SEND call's cost
    steps: tuple[Step, ...] = field(default=STEPS)

    @property
    def webhook_hosts(self) -> tuple[str, ...]:
        return (*self.policy.webhook_allowed_hosts, *self.trusted_webhook_hosts)

    async def check(self, call: GatedCall) -> Verdict:
        """Run every step. Returns when the call may run; what it reserved is in the verdict.

        Raises:
            InputError, PolicyError: a local check refused the call, or the policy denied it.
            ApprovalRequired: an operator must approve first; a request was opened (or found).
        """
        verdict = Verdict()
        try:
            for step in self.steps:
                await step(self, call, verdict)
        except BaseException:
            self.undo(call, verdict, nothing_happened=True)
            raise
        return verdict

    def undo(self, call: GatedCall, verdict: Verdict, *, nothing_happened: bool) -> str | None:
        """After a call that did not go through: give back the send it counted, and the approval it
        used when it surely had no effect. Returns what happened to the approval ('released' or
        'used'), or None when it used none."""
        if not nothing_happened:
            return "used" if verdict.approval is not None else None
        self.give_back(call, verdict)
        if verdict.approval is None:
            return None
        self.approvals.release(verdict.approval.id, why="the call failed before anything changed")
        return "released"

    def give_back(self, call: GatedCall, verdict: Verdict) -> None:
        """Give back the send and the spend counted for a call that surely did not happen."""
        if verdict.counted:
            self.send_counter.release(call.profile, call.tool)
            verdict.counted = False
        if verdict.spent_day is not None and verdict.cost is not None and self.spend_counter is not None:
            self.spend_counter.release(call.profile, verdict.cost.value, verdict.spent_day)
            verdict.spent_day = None
