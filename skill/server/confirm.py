"""Asking the person at the client to confirm a call (the policy's `confirm` action), in either era.

- 2025-era clients (initialize handshake) get an `elicitation/create` form request in the middle of
  the tool call, on the call's own back channel; the call waits for the answer until the policy's
  timeout.
- 2026-07-28 clients get an `InputRequiredResult` holding the form, and repeat the call with their
  answer. The server keeps what it asked (tool, arguments digest, profile, agent, deadline) under a
  random token sent as `request_state`; the repeat is answered only if the token is known, unused,
  in time, and its call is exactly this one. A token is used once, whatever the answer.

A client that declares no form elicitation, a channel that cannot carry a request (stateless HTTP),
a timeout, a decline, a cancel or anything else is answered with something other than "confirmed",
and the gate opens an approval request instead. This trusts the client application to have shown
the form to a person.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import (
    CallToolRequestParams,
    ElicitRequest,
    ElicitRequestFormParams,
    ElicitResult,
    InputRequiredResult,
)
from mcp_types.version import is_version_at_least

from skill.core.display import escape_text, terminal_line
from skill.policy.confirm import Answer, Ask, Question
from skill.ports.clock import Clock

log = logging.getLogger("twilio_skill.confirm")

INPUT_KEY = "twilio-skill/confirm"
INPUT_REQUIRED_VERSION = "2026-07-28"
MAX_PENDING = 1000
CLOCK_TICK = 0.1  # how often a waiting confirmation looks at the clock
ARGUMENT_CHARS = 2000
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "approve": {
            "type": "boolean",
            "title": "Run this call",
            "description": "Yes only if you asked for exactly this. No sends it to an operator instead.",
            "default": False,
        }
    },
    "required": ["approve"],
}


class InputNeeded(Exception):
    """Raised from inside the gate to answer this round with a question (2026-07-28 clients)."""

    def __init__(self, result: InputRequiredResult) -> None:
        super().__init__("the person at the client is asked to confirm")
        self.result = result


@dataclass(frozen=True)
class Asked:
    tool: str
    digest: str
    profile: str
    agent: str | None
    deadline: float


class PendingConfirmations:
    """Questions asked of 2026-07-28 clients, by the token sent as request_state; each taken once."""

    def __init__(self, limit: int = MAX_PENDING) -> None:
        self._asked: OrderedDict[str, Asked] = OrderedDict()
        self._limit = limit

    def open(self, asked: Asked) -> str:
        token = "cf_" + secrets.token_urlsafe(24)
        self._asked[token] = asked
        while len(self._asked) > self._limit:
            self._asked.popitem(last=False)  # the oldest question is forgotten: its answer then opens a request
        return token

    def take(self, token: object) -> Asked | None:
        return self._asked.pop(token, None) if isinstance(token, str) else None

    def __len__(self) -> int:
        return len(self._asked)


def form_supported(ctx: ServerRequestContext[Any]) -> bool:
    """Whether the client declared form elicitation (a bare `elicitation: {}` counts, as the spec says)."""
    capabilities = ctx.session.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def question_text(question: Question) -> str:
    """The form's message: what would run, its impact, the exact arguments and their digest."""
    lines = [
        f"An agent asks to run {escape_text(question.tool, 64)} ({question.tier.value}).",
        terminal_line(question.summary, 500),
    ]
    if question.impact is not None:
        lines.append("Impact:")
        lines += [f"- {escape_text(label, 80)}: {escape_text(value, 200)}" for label, value in question.impact.rows()]
    try:
        shown = json.dumps(json.loads(question.arguments), indent=2, sort_keys=True, ensure_ascii=False)
    except ValueError:
        shown = question.arguments
    lines += ["Arguments:", terminal_line(shown, ARGUMENT_CHARS).replace("\\n", "\n")]
    lines.append(f"Arguments digest: sha256:{question.digest[:16]}")
    lines.append("Approve only if you asked for exactly this; otherwise an operator decides.")
    return "\n".join(lines)


def _answer_of(result: object) -> Answer:
    if not isinstance(result, ElicitResult):
        return "invalid"
    if result.action == "decline":
        return "declined"
    if result.action == "cancel":
        return "cancelled"
    approve = (result.content or {}).get("approve")
    if approve is True:
        return "confirmed"
    return "declined" if approve is False else "invalid"


def asker(
    ctx: ServerRequestContext[Any],
    params: CallToolRequestParams,
    pending: PendingConfirmations,
    clock: Clock,
    profile: str,
    agent: str | None,
) -> Ask:
    """The `ask` of one tool call: how its gate reaches the person at the client."""

    async def ask(question: Question) -> Answer:
        if not form_supported(ctx):
            return "unavailable"
        if is_version_at_least(ctx.protocol_version, INPUT_REQUIRED_VERSION):
            return _by_round_trip(question, params, pending, clock, profile, agent)
        return await _in_call(ctx, question, clock)

    return ask


def _by_round_trip(
    question: Question,
    params: CallToolRequestParams,
    pending: PendingConfirmations,
    clock: Clock,
    profile: str,
    agent: str | None,
) -> Answer:
    responses = params.input_responses or {}
    if INPUT_KEY in responses:
        asked = pending.take(params.request_state)
        if asked is None:
            return "invalid"  # unknown, used already, or minted by another process
        if (asked.tool, asked.digest, asked.profile, asked.agent) != (question.tool, question.digest, profile, agent):
            return "mismatch"  # an answer given for another call never runs this one
        if clock.now() > asked.deadline:
            return "timeout"
        return _answer_of(responses[INPUT_KEY])
    token = pending.open(
        Asked(
            tool=question.tool,
            digest=question.digest,
            profile=profile,
            agent=agent,
            deadline=clock.now() + question.timeout_seconds,
        )
    )
    request = ElicitRequest(params=ElicitRequestFormParams(message=question_text(question), requested_schema=SCHEMA))
    raise InputNeeded(InputRequiredResult(input_requests={INPUT_KEY: request}, request_state=token))


async def _in_call(ctx: ServerRequestContext[Any], question: Question, clock: Clock) -> Answer:
    deadline = clock.now() + question.timeout_seconds
    outcome: list[Answer] = []

    async def elicit(done: Callable[[], None]) -> None:
        try:
            result = await ctx.session.elicit_form(question_text(question), SCHEMA, related_request_id=ctx.request_id)
        except MCPError as exc:
            log.info("the client refused the confirmation request: %s", exc)
            outcome.append("unavailable")
        except Exception:
            log.warning("could not ask the client to confirm %s", question.tool, exc_info=True)
            outcome.append("unavailable")
        else:
            outcome.append(_answer_of(result))
        done()

    async with anyio.create_task_group() as group:
        group.start_soon(elicit, group.cancel_scope.cancel)
        # The wall clock decides the deadline (a test's clock can be moved), looked at every tick.
        while clock.now() < deadline:
            await anyio.sleep(CLOCK_TICK)
        group.cancel_scope.cancel()
    if not outcome or clock.now() > deadline:
        return "timeout"
    return outcome[0]
