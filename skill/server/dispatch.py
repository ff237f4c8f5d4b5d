"""One tool call, start to finish: validate, apply the policy and approvals, run, audit, answer."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from mcp.types import CallToolResult, TextContent
from pydantic import ValidationError

from skill.core.context import Services
from skill.core.display import describe_values, quote_values
from skill.core.phones import region_of
from skill.errors import ApprovalRequired, InputError, PolicyError, SkillError
from skill.policy.tiers import Tier
from skill.redaction import redact
from skill.results import error_payload
from skill.server.registry import ToolSpec

log = logging.getLogger("twilio_skill.dispatch")


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
        f"Invalid arguments for {spec.name}: " + "; ".join(problems),
        code="input.invalid",
        remediation=[f"Fix the arguments as listed and call {spec.name} again; see its input schema."],
    )


def audit_args(spec: ToolSpec, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments as the audit log keeps them: the tool's secret arguments replaced."""
    return {key: "[redacted]" if key in spec.secret_args else value for key, value in args.items()}


def _enrich(error: SkillError, services: Services) -> SkillError:
    """Fill remediation for Twilio errors from the catalogue when the raiser gave none."""
    if error.twilio_code and not error.remediation:
        from skill.catalog import remediation_for

        error.remediation = remediation_for(error.twilio_code, services.settings)
    return error


def _approval_block(services: Services, approval_id: str, summary: str, expires_at: float) -> dict[str, Any]:
    from datetime import UTC, datetime

    console = services.settings.console_url
    return {
        "id": approval_id,
        "summary": summary,
        "expires_at": datetime.fromtimestamp(expires_at, UTC).isoformat(timespec="seconds"),
        "approve_command": f"twilio-skill approvals approve {approval_id}",
        "console_url": f"{console.rstrip('/')}/approvals/{approval_id}" if console else None,
    }


def _check_country(services: Services, spec: ToolSpec, phone: str) -> None:
    region = region_of(phone, services.settings.default_region)
    if region is None or services.policy.country_allowed(region):
        return
    allowed = ", ".join(services.policy.allowed_countries) or "none"
    raise PolicyError(
        f"{spec.name} to a number in {region} is not allowed by the policy (allowed: {allowed}). Nothing was sent.",
        code="policy.country_not_allowed",
        remediation=[
            "Do not retry to this destination; tell the person it is outside the allowed countries.",
            "An operator can add the country to [limits].allowed_countries in the policy file.",
        ],
    )


def normalised_destination(phone: str, default_region: str) -> str | None:
    """E.164 of a destination (channel prefix dropped), or None when it cannot be parsed."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(phone.removeprefix("whatsapp:").strip(), default_region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _policy_view(services: Services, spec: ToolSpec, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments rules are matched against: the destination in E.164, however it was written."""
    value = args.get(spec.destination) if spec.destination else None
    if not isinstance(value, str):
        return args
    e164 = normalised_destination(value, services.settings.default_region)
    return {**args, spec.destination: e164} if e164 else args  # type: ignore[dict-item]


def _gate(services: Services, spec: ToolSpec, args: dict[str, Any], canonical: str, approval_id: str | None) -> bool:
    """Apply the policy. Returns when the call may run (True when a send was counted for it, to be
    given back if it does not happen); raises when it may not.

    Raises:
        PolicyError: denied, or the given approval does not fit this call.
        ApprovalRequired: an operator must approve first; a request was created.
    """
    action, reason = services.policy.action_for(spec.name, spec.tier, _policy_view(services, spec, args))
    if spec.destination and action != "deny" and isinstance(args.get(spec.destination), str):
        _check_country(services, spec, args[spec.destination])
    if spec.recipients is not None and action == "allow":
        reached = spec.recipients(args)
        if reached > services.policy.bulk_recipients:
            # A bulk send spends beyond a limit: the design's DESTRUCTIVE case, so an operator decides.
            action = "approve"
            reason = f"{reached} recipients is over the bulk limit of {services.policy.bulk_recipients}"
    counted = False
    if spec.tier is Tier.SEND and action == "allow":
        counted = services.stores.send_counter.try_reserve(services.profile, spec.name, services.policy.sends_per_day)
        if not counted:
            action = "approve"
            reason = f"daily limit of {services.policy.sends_per_day} {spec.name} calls reached"
    if action == "approve" and spec.tier is Tier.READ:
        # READ tools take no approval_id, so an approval could never be redeemed: refuse instead.
        action, reason = "deny", f"{reason}; read-only tools cannot wait for approval"
    if action == "deny":
        raise PolicyError(
            f"{spec.name} is denied by the policy ({reason}). Nothing was done.",
            code="policy.denied",
            remediation=[
                "Do not retry; tell the person this action is not permitted here.",
                "An operator can change the policy file (TWILIO_SKILL_POLICY) if it should be.",
            ],
        )
    if action == "allow":
        return counted
    digest = args_digest(canonical)
    if approval_id:
        services.stores.approvals.consume(approval_id, tool=spec.name, args_sha256=digest, profile=services.profile)
        services.stores.audit.record(
            "approval.used", outcome="ok", tool=spec.name, profile=services.profile, approval_id=approval_id
        )
        if spec.tier is Tier.SEND:
            services.stores.send_counter.increment(services.profile, spec.name)
            return True
        return False
    shown = canonical_json(audit_args(spec, args))  # secret arguments never reach an approval
    # Summaries see every agent string quoted and escaped, so none can paint or forge a line.
    quoted_args = quote_values(audit_args(spec, args))
    summary = spec.summary(quoted_args) if spec.summary else f"{spec.title} with {describe_values(quoted_args)}"
    summary = redact(summary)
    approval = services.stores.approvals.create(
        tool=spec.name,
        args_json=shown,
        args_sha256=digest,
        profile=services.profile,
        summary=summary,
        ttl_seconds=services.settings.approval_ttl_seconds,
    )
    services.stores.audit.record(
        "approval.requested",
        outcome="pending",
        tool=spec.name,
        profile=services.profile,
        approval_id=approval.id,
        detail={"reason": reason, "summary": summary},
    )
    raise ApprovalRequired(
        f"{spec.name} needs an operator's approval ({reason}). Nothing has happened yet.",
        remediation=[
            f"Show the person this summary and ask them to approve: {summary}",
            f"An operator approves with: twilio-skill approvals approve {approval.id}",
            f"Then call {spec.name} again with the same arguments and approval_id={approval.id}.",
            "Do not try another tool or other arguments to get around the gate.",
        ],
        approval=_approval_block(services, approval.id, summary, approval.expires_at),
    )


async def dispatch(services: Services, spec: ToolSpec, raw_args: dict[str, Any] | None) -> CallToolResult:
    """Run one tool call and return its MCP result; never raises for a tool-level failure."""
    args = dict(raw_args or {})
    approval_id = args.pop("approval_id", None) if spec.tier is not Tier.READ else None
    environment = services.settings.mode
    profile = services.profile
    try:
        try:
            model = spec.input.model_validate(args)
        except ValidationError as exc:
            raise input_error(spec, exc) from None
        if spec.precheck is not None:
            spec.precheck(services, model)
        clean_args = model.model_dump(mode="json", by_alias=True, exclude_none=True)
        canonical = canonical_json(clean_args)
        counted = _gate(services, spec, clean_args, canonical, approval_id if isinstance(approval_id, str) else None)
        try:
            result = await spec.handler(services, model)
        except BaseException:
            if counted:
                services.stores.send_counter.release(profile, spec.name)
            raise
        payload = result.model_copy(update={"environment": environment}).model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
        if counted and payload.get("replayed"):
            services.stores.send_counter.release(profile, spec.name)  # a replay sent nothing
        services.stores.audit.record(
            "tool.call",
            outcome="ok",
            tool=spec.name,
            profile=profile,
            approval_id=approval_id,
            detail={"args": audit_args(spec, clean_args), "tier": spec.tier.value},
        )
        return json_result(payload, is_error=False)
    except SkillError as exc:
        _enrich(exc, services)
        outcome = "approval_required" if isinstance(exc, ApprovalRequired) else "error"
        if not isinstance(exc, ApprovalRequired):
            services.stores.audit.record(
                "tool.call",
                outcome=outcome,
                tool=spec.name,
                profile=profile,
                approval_id=approval_id,
                detail={"args": audit_args(spec, args), "code": exc.code, "message": exc.message},
            )
        return json_result(error_payload(exc.to_dict(), environment), is_error=True)
    except Exception:
        log.exception("tool %s failed unexpectedly", spec.name)
        services.stores.audit.record(
            "tool.call", outcome="error", tool=spec.name, profile=profile, detail={"code": "internal.unexpected"}
        )
        error = SkillError(
            f"{spec.name} failed unexpectedly inside twilio-skill; nothing is known to have changed.",
            code="internal.unexpected",
            remediation=["Check the server log (stderr) for details.", "Run `twilio-skill doctor`."],
        )
        return json_result(error_payload(error.to_dict(), environment), is_error=True)
