"""One tool call, start to finish: validate, pass the gate, record, run, record, answer.

The order is what keeps the record honest: a call that may change anything is written to the audit
log as `started` before its handler runs (if that write fails, nothing runs), and completed after
with what happened. The gate itself lives in skill.policy.gate; this module only adapts a ToolSpec
and an MCP request to it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from functools import partial
from itertools import islice
from typing import Any

from mcp.types import CallToolResult, InputRequiredResult, TextContent
from pydantic import BaseModel, ValidationError

from skill.core.approvals import audit_unavailable
from skill.core.context import Services, approval_in_use
from skill.core.display import describe_values, quote_values
from skill.core.environments import bind
from skill.core.group_commit import StoreWrite
from skill.core.phones import normalize_address
from skill.errors import ApprovalRequired, InputError, SkillError, UpstreamError
from skill.policy.confirm import WHO, Ask
from skill.policy.gate import GatedCall, Verdict
from skill.policy.tiers import Tier
from skill.records.approvals import APPROVAL_ID_PATTERN, Impact
from skill.redaction import redact
from skill.results import error_payload
from skill.server.confirm import InputNeeded
from skill.server.registry import ToolSpec

log = logging.getLogger("twilio_skill.dispatch")

APPROVAL_ID = re.compile(APPROVAL_ID_PATTERN)
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 64  # no tool argument nests anywhere near this deep
# What an audit entry keeps of arguments that failed validation: enough to see what was tried.
AUDIT_STRING_CHARS = 500
AUDIT_ITEMS = 50
AUDIT_DEPTH = 4


def canonical_json(args: dict[str, Any]) -> str:
    return json.dumps(args, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def args_digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def json_result(payload: dict[str, Any], *, is_error: bool) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(payload, ensure_ascii=False))],
        structured_content=payload,
        is_error=is_error,
    )


def input_error(spec: ToolSpec, exc: ValidationError) -> InputError:
    problems = []
    for item in exc.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "(arguments)"
        problems.append(f"{where}: {item['msg']}")
    return InputError(
        f"Invalid arguments for {spec.name}: " + "; ".join(problems)[:2000],
        code="input.invalid",
        remediation=[f"Fix the arguments as listed and call {spec.name} again; see its input schema."],
    )


def _text(value: str, limit: int) -> str:
    """A string as the audit log keeps it: cut to `limit`, lone surrogates (not text) replaced."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    return LONE_SURROGATE.sub("\ufffd", cut)


def bounded(value: Any, depth: int = 0) -> Any:
    """A JSON value cut down to what an audit entry keeps: strings, lists and depth capped, and numbers
    JSON can carry (a huge integer as its size, NaN or infinity as a word)."""
    if isinstance(value, str):
        return _text(value, AUDIT_STRING_CHARS)
    if depth >= AUDIT_DEPTH and isinstance(value, dict | list):
        return "…"
    if isinstance(value, dict):
        return {_text(str(key), 64): bounded(item, depth + 1) for key, item in islice(value.items(), AUDIT_ITEMS)}
    if isinstance(value, list):
        return [bounded(item, depth + 1) for item in value[:AUDIT_ITEMS]]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        # Decimal conversion of a huge integer is refused by Python itself; its size is what matters here.
        return str(value) if value.bit_length() <= 256 else f"<{value.bit_length()}-bit integer>"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def unusable_value(args: dict[str, Any]) -> str | None:
    """Where the arguments hold a value no tool can take whatever its schema says, and why: a string that
    is not valid Unicode (a lone surrogate), an integer beyond 64 bits, NaN or infinity, or nesting
    deeper than any tool reads. None when there is none."""
    pending: list[tuple[str, Any, int]] = [("(arguments)", args, 0)]
    while pending:
        where, value, depth = pending.pop()
        named = _text(where, 200)
        if depth > MAX_DEPTH:
            return f"{named}: nested more than {MAX_DEPTH} levels deep"
        if isinstance(value, str) and LONE_SURROGATE.search(value):
            return f"{named}: not valid Unicode text (it holds a lone surrogate)"
        if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
            return f"{named}: integer out of range (more than 64 bits)"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{named}: not a finite number"
        if isinstance(value, dict):
            for key, item in value.items():
                if LONE_SURROGATE.search(str(key)):
                    return f"{named}: a name that is not valid Unicode text"
                pending.append((str(key)[:300] if depth == 0 else f"{where}.{key}"[:300], item, depth + 1))
        elif isinstance(value, list):
            pending.extend((f"{where}[{index}]"[:300], item, depth + 1) for index, item in enumerate(value))
    return None


def audit_args(spec: ToolSpec, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments as the audit log keeps them: the tool's secret arguments replaced, sizes bounded."""
    shown = {key: "[redacted]" if key in spec.secret_args else value for key, value in args.items()}
    return dict(bounded(shown))


def take_approval_id(spec: ToolSpec, args: dict[str, Any]) -> str | None:
    """Remove approval_id from the arguments and check it before anything else happens.

    Raises:
        InputError: it is not a string of the form an approval id has.
    """
    if spec.tier is Tier.READ or "approval_id" not in args:
        return None  # a READ tool takes none: the input model refuses it as an unknown argument
    value = args.pop("approval_id")
    # null too: an id that is there but empty must not read as "no approval" on a call that then runs.
    if not isinstance(value, str) or not APPROVAL_ID.fullmatch(value):
        raise InputError(
            "approval_id must be the id of an approval request, a string like 'apr_0123456789abcdef'.",
            code="input.invalid",
            remediation=[
                "Pass approval_id exactly as error.approval.id gave it, or leave it out to open a request.",
            ],
        )
    return value


def canonical_arguments(spec: ToolSpec, clean: dict[str, Any], region: str) -> dict[str, Any]:
    """The arguments as approvals compare them: the destination number in E.164 (channel prefix kept),
    however it was written, as the tool itself normalises it before sending."""
    name = spec.destination
    value = clean.get(name) if name else None
    if name is None or not isinstance(value, str):
        return clean
    try:
        return {**clean, name: normalize_address(value, region=region, field=name)}
    except InputError:
        return clean  # not a phone number (an email address, a SIP URI): compared as written


def take_account(spec: ToolSpec, args: dict[str, Any]) -> object:
    """Remove `account` from the arguments of a tool that takes it (validated by `bind`)."""
    return args.pop("account", None) if spec.takes_account else None


def _enrich(error: SkillError, services: Services) -> SkillError:
    """Fill remediation for Twilio errors from the catalogue when the raiser gave none."""
    if error.twilio_code and not error.remediation:
        from skill.catalog import remediation_for

        error.remediation = remediation_for(error.twilio_code, services.settings)
    return error


def had_no_effect(spec: ToolSpec, error: BaseException) -> bool:
    """Whether a failed call surely changed nothing: refused locally, or refused by the provider before
    anything was created (a single-write tool whose request was answered 4xx or never sent)."""
    if isinstance(error, UpstreamError):
        if error.code == "upstream.outcome_unknown":
            return False
        sent_nothing = error.code == "upstream.unreachable"
        refused = error.http_status is not None and 400 <= error.http_status < 500
        return spec.atomic and (sent_nothing or refused)
    return isinstance(error, SkillError)


def gated_call(
    services: Services,
    spec: ToolSpec,
    model: BaseModel,
    clean: dict[str, Any],
    approval_id: str | None,
    *,
    requested_by: str | None = None,
    ask: Ask | None = None,
) -> GatedCall:
    clean = canonical_arguments(spec, clean, services.settings.default_region)
    canonical = canonical_json(clean)
    shown = audit_args(spec, clean)
    inspect = spec.inspect
    seen: list[Impact | None] = []

    def summarize() -> str:
        # Summaries see every agent string quoted and escaped, so none can paint or forge a line.
        quoted_args = quote_values(shown)
        text = spec.summary(quoted_args) if spec.summary else f"{spec.title} with {describe_values(quoted_args)}"
        if services.scope is not None:
            text += f" On account {services.scope.label}."  # an operator must see where it lands
        return str(redact(text))

    async def inspected() -> Impact | None:
        # Asked once per call: a confirmation that falls back to an approval describes the same target.
        assert inspect is not None
        if not seen:
            seen.append(await inspect(services, model))
        return seen[0]

    urls = tuple(str(clean[name]) for name in spec.webhook_args if isinstance(clean.get(name), str) and clean[name])
    if spec.urls_of is not None:
        urls += spec.urls_of(model)
    return GatedCall(
        tool=spec.name,
        tier=spec.tier_of(model) if spec.tier_of is not None else spec.tier,
        args=clean,
        digest=args_digest(canonical),
        shown_args=canonical_json(shown),
        profile=services.profile,
        summarize=summarize,
        approval_id=approval_id,
        destination_arg=spec.destination,
        recipients=(
            spec.audience(services, model) if spec.audience else spec.recipients(clean) if spec.recipients else 1
        ),
        metered=spec.metered,
        webhook_urls=urls,
        local_checks=(lambda: spec.precheck(services, model)) if spec.precheck is not None else None,  # type: ignore[misc]
        inspect=inspected if inspect is not None else None,
        requested_by=requested_by,
        ask=ask,
    )


def _error(services: Services, exc: SkillError) -> CallToolResult:
    _enrich(exc, services)
    return json_result(error_payload(exc.to_dict(), services.settings.mode), is_error=True)


def _unexpected(spec: ToolSpec, *, ran: bool) -> SkillError:
    if ran and spec.tier is not Tier.READ:
        message = f"{spec.name} failed unexpectedly inside twilio-skill after it started; the outcome is unknown."
        steps = [
            "Check with a read or list tool whether the change took effect before trying again.",
            "Check the server log (stderr) for details.",
        ]
    else:
        message = f"{spec.name} failed unexpectedly inside twilio-skill; nothing was changed."
        steps = ["Check the server log (stderr) for details.", "Run `twilio-skill doctor`."]
    return SkillError(message, code="internal.unexpected", remediation=steps)


async def _handler(spec: ToolSpec, services: Services, model: BaseModel, verdict: Verdict) -> BaseModel:
    """Run the handler, telling it which approval the call used (a bulk job runs past the caps on one)."""
    used = approval_in_use.set(verdict.approval.id if verdict.approval is not None else None)
    try:
        return await spec.handler(services, model)
    finally:
        approval_in_use.reset(used)


def _outcome(error: SkillError) -> str:
    """What the audit log says of a call that failed after it started."""
    return "unknown" if error.code == "upstream.outcome_unknown" else "error"


class Dispatcher:
    """Runs tool calls for one server; `requested_by` names the agent identity in approvals and audit,
    and `ask` reaches the person at the client when the policy says `confirm`."""

    def __init__(self, services: Services, requested_by: str | None = None, ask: Ask | None = None) -> None:
        self.services = services
        self.requested_by = requested_by
        self.ask = ask

    async def _write(self, write: StoreWrite) -> Any:
        """Run a store write in a worker thread, batched with concurrent calls' writes: a commit (or a
        PostgreSQL round trip) never blocks the loop, and a busy server makes one hop for many entries.

        Raises:
            Exception: what the write raised (sqlite3.Error, psycopg.Error).
        """
        [outcome] = await self.services.store_writes.record([write])
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def _audit(self, spec: ToolSpec, outcome: str, approval_id: str | None, detail: dict[str, Any]) -> int:
        """Write the entry, in one transaction with concurrent calls' entries; its id.

        Raises:
            Exception: what the write raised (sqlite3.Error, psycopg.Error).
        """
        row = self.services.stores.audit.prepare(
            "tool.call",
            outcome=outcome,
            tool=spec.name,
            profile=self.services.profile,
            approval_id=approval_id,
            detail={"tier": spec.tier.value, **detail, **({"agent": self.requested_by} if self.requested_by else {})},
        )
        [entry_id] = await self.services.audit_writes.record([row])
        return entry_id

    async def __call__(self, spec: ToolSpec, raw_args: dict[str, Any] | None) -> CallToolResult | InputRequiredResult:
        """Run one tool call and return its MCP result (or, for a 2026-07-28 client asked to confirm it, the
        question); never raises for a tool-level failure."""
        try:
            return await self._call(spec, raw_args)
        except Exception:
            # A last guard: whatever went wrong, the agent gets a structured answer, never a traceback.
            log.exception("tool %s failed unexpectedly", spec.name)
            return _error(self.services, _unexpected(spec, ran=spec.tier is not Tier.READ))

    async def _call(self, spec: ToolSpec, raw_args: dict[str, Any] | None) -> CallToolResult | InputRequiredResult:
        given = dict(raw_args or {})  # as the agent sent them, approval_id included, for the record
        args = dict(given)
        approval_id: str | None = None
        try:
            approval_id = take_approval_id(spec, args)
            bound = bind(self.services, take_account(spec, args))
        except SkillError as exc:
            await self._refused(spec, approval_id, given, exc)
            return _error(self.services, exc)
        # A call on another account runs on that account's services: its gateway, policy, gate and profile.
        runner = self if bound is self.services else Dispatcher(bound, self.requested_by, self.ask)
        return await runner._checked(spec, given, args, approval_id)

    async def _checked(
        self, spec: ToolSpec, given: dict[str, Any], args: dict[str, Any], approval_id: str | None
    ) -> CallToolResult | InputRequiredResult:
        services = self.services
        try:
            unusable = unusable_value(args)
            if unusable is not None:
                raise InputError(
                    f"Invalid arguments for {spec.name}: {unusable}.",
                    code="input.invalid",
                    remediation=[f"Fix the value named and call {spec.name} again; see its input schema."],
                )
            try:
                model = spec.input.model_validate(args)
            except ValidationError as exc:
                raise input_error(spec, exc) from None
            clean = model.model_dump(mode="json", by_alias=True, exclude_none=True)
            if services.scope is not None:
                clean["account"] = services.scope.account_sid  # bound into the digest, the rules and the audit
            call = gated_call(services, spec, model, clean, approval_id, requested_by=self.requested_by, ask=self.ask)
            verdict = await services.gate.check(call)
        except InputNeeded as exc:
            return exc.result  # nothing ran or was reserved; the client repeats the call with the answer
        except ApprovalRequired as exc:
            return _error(services, exc)  # the approvals service recorded the request
        except SkillError as exc:
            await self._refused(spec, approval_id, given, exc)
            return _error(services, exc)
        except Exception:
            log.exception("tool %s failed unexpectedly before it ran", spec.name)
            return _error(services, _unexpected(spec, ran=False))
        return await self._run(spec, model, call, verdict)

    async def _refused(self, spec: ToolSpec, approval_id: str | None, given: dict[str, Any], exc: SkillError) -> None:
        try:
            await self._audit(spec, "refused", approval_id, {"args": audit_args(spec, given), "code": exc.code})
        except Exception:
            # Nothing ran; the agent still gets the refusal.
            log.exception("could not record the refusal of %s", spec.name)

    async def _run(self, spec: ToolSpec, model: BaseModel, call: GatedCall, verdict: Verdict) -> CallToolResult:
        services = self.services
        gate = services.gate
        detail: dict[str, Any] = {"args": audit_args(spec, call.args), "tier": call.tier.value}
        if verdict.confirmed:
            detail["confirmed_by"] = WHO
        entry: int | None = None
        if call.tier is not Tier.READ:
            try:
                entry = await self._audit(spec, "started", call.approval_id, detail)
            except Exception:
                # No record, no action: a call that may change anything never runs unrecorded.
                log.exception("could not write the audit entry for %s; not running it", spec.name)
                refusal = audit_unavailable(spec.name)
                state = gate.undo(call, verdict, nothing_happened=True)
                if state is not None and call.approval_id is not None:
                    refusal.approval = self._approval_after(call.approval_id, state)
                return _error(services, refusal)
        try:
            result = await _handler(spec, services, model, verdict)
        except SkillError as exc:
            state = gate.undo(call, verdict, nothing_happened=had_no_effect(spec, exc))
            if state is not None and call.approval_id is not None:
                exc.approval = self._approval_after(call.approval_id, state)
            await self._finish(spec, entry, _outcome(exc), call, {"code": exc.code, "message": exc.message})
            return _error(services, exc)
        except Exception:
            log.exception("tool %s failed unexpectedly", spec.name)
            crash = _unexpected(spec, ran=True)
            state = gate.undo(call, verdict, nothing_happened=False)
            if state is not None and call.approval_id is not None:
                crash.approval = self._approval_after(call.approval_id, state)
            await self._finish(spec, entry, "unknown", call, {"code": crash.code})
            return _error(services, crash)
        payload = result.model_copy(update={"environment": services.settings.mode}).model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        if payload.get("replayed"):
            gate.give_back(call, verdict)  # a replay sent nothing
        await self._finish(spec, entry, "ok", call, {})
        return json_result(payload, is_error=False)

    def _approval_after(self, approval_id: str, state: str) -> dict[str, Any]:
        """What the agent is told about the approval its failed call used."""
        approvals = self.services.approvals
        block = approvals.block(approvals.get(approval_id))
        if state == "released":
            block["note"] = "Nothing changed, so the approval was not used up: fix the cause and repeat the same call."
        else:
            block["note"] = "The call may have taken effect, so the approval is used up; check before asking again."
        return block

    async def _finish(
        self, spec: ToolSpec, entry: int | None, outcome: str, call: GatedCall, detail: dict[str, Any]
    ) -> None:
        try:
            if entry is None:
                shown = {"args": audit_args(spec, call.args), "tier": call.tier.value}
                await self._audit(spec, outcome, call.approval_id, {**shown, **detail})
            else:
                await self._write(partial(self.services.stores.audit.complete, entry, outcome=outcome, detail=detail))
        except Exception:
            # The call ran; its entry stays 'started' (outcome unknown to the log), and the agent still
            # gets the real answer.
            log.exception("could not complete the audit entry of %s", spec.name)


async def dispatch(services: Services, spec: ToolSpec, raw_args: dict[str, Any] | None) -> CallToolResult:
    """Run one tool call with no agent identity and nobody at the client to ask (the CLI, tests)."""
    result = await Dispatcher(services)(spec, raw_args)
    assert isinstance(result, CallToolResult)  # only a call that can ask gets a question back
    return result
