"""The approvals service: the one place approval requests are opened, decided, used and given back.

The dispatch (a gated call), the CLI, the web console and the `approval_status` tool all go through
it; nothing else touches the approval store. Every change is written to the audit log here, so no
surface can decide without leaving a record.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from skill.errors import InputError, NotFoundError, PolicyError, SkillError
from skill.records.approvals import Approval, Impact

if TYPE_CHECKING:
    from skill.ports.clock import Clock
    from skill.ports.stores import ApprovalStore, AuditLog

log = logging.getLogger("twilio_skill.approvals")

MAX_REASON_CHARS = 500
MAX_OPERATOR_CHARS = 80
RETRY = "Make the call again without approval_id to open a new request, and ask an operator."


def new_approval_id() -> str:
    return "apr_" + secrets.token_hex(8)


def clean_operator(name: str | None) -> str:
    """An operator name as the audit log keeps it: one line, bounded.

    Raises:
        InputError: the name is empty.
    """
    cleaned = " ".join((name or "").split())[:MAX_OPERATOR_CHARS]
    if not cleaned:
        raise InputError("An operator name is required to decide a request.", code="input.operator_required")
    return cleaned


def audit_unavailable(tool: str) -> SkillError:
    """The error for a call that was not run because the audit log could not record it."""
    return SkillError(
        f"{tool} was not run: the audit log could not record it, and nothing runs unrecorded. Nothing was done.",
        code="internal.audit_unavailable",
        retryable=True,
        remediation=[
            "Repeat the same call in a moment; nothing was done, so it is safe to repeat.",
            "If it keeps failing, ask an operator to check the skill's database (`twilio-skill doctor`).",
        ],
    )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ApprovalRequest:
    """What a gated call asks an operator to approve."""

    tool: str
    args_json: str  # the arguments as shown and kept (secret arguments replaced)
    args_sha256: str  # digest of the real arguments: what a repeat must match
    profile: str
    summary: str
    reason: str  # why the policy wants an operator
    impact: Impact | None = None
    requested_by: str | None = None


@dataclass
class ApprovalService:
    store: ApprovalStore
    audit: AuditLog
    clock: Clock
    ttl_seconds: int = 3600
    console_url: str | None = None
    # Told of each new request ("requested") and decision ("decided"); must return at once (skill.core.notify).
    notify: Callable[[str, Approval], None] | None = None

    def _tell(self, event: str, approval: Approval) -> None:
        if self.notify is None:
            return
        try:
            self.notify(event, approval)
        except Exception:
            # Telling someone is never a reason for a request or a decision to fail.
            log.exception("could not queue the %s notification of %s", event, approval.id)

    def request(self, asked: ApprovalRequest) -> tuple[Approval, bool]:
        """Open a request for this call, or return the pending one already open for exactly this call
        (so an operator's queue holds each distinct call once). Returns (request, created)."""
        now = self.clock.now()
        candidate = Approval(
            id=new_approval_id(),
            tool=asked.tool,
            args_json=asked.args_json,
            args_sha256=asked.args_sha256,
            profile=asked.profile,
            summary=asked.summary,
            status="pending",
            created_at=now,
            expires_at=now + self.ttl_seconds,
            impact=asked.impact,
            requested_by=asked.requested_by,
        )
        approval, created = self.store.create_or_get_pending(candidate)
        if created:
            self.audit.record(
                "approval.requested",
                outcome="pending",
                tool=asked.tool,
                profile=asked.profile,
                approval_id=approval.id,
                detail={"reason": asked.reason, "summary": asked.summary, "requested_by": asked.requested_by},
            )
            self._tell("requested", approval)
        return approval, created

    def get(self, approval_id: str) -> Approval:
        """Raises:
        NotFoundError: no request has that id.
        """
        approval = self.store.get(approval_id)
        if approval is None:
            raise NotFoundError(
                f"No approval request has id {approval_id!r}.",
                code="not_found.approval",
                remediation=["Check the id; `twilio-skill approvals list` shows the requests."],
            )
        return approval

    def list(
        self, *, status: str | None = None, tool: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[Approval]:
        return self.store.list(status=status, tool=tool, limit=limit, offset=offset)

    def status_of(self, approval: Approval) -> str:
        return approval.effective_status(self.clock.now())

    def public(self, approval: Approval) -> dict[str, Any]:
        """The request serialised, the same for every surface."""
        return approval.public(self.clock.now())

    def decide(
        self, approval_id: str, *, approve: bool, operator: str, reason: str | None = None, via: str = "cli"
    ) -> Approval:
        """Approve or deny a pending, unexpired request, and record who did it and why.

        Raises:
            InputError: a denial without a reason, or no operator name.
            NotFoundError: unknown id.
            PolicyError: the request was already decided, or has expired.
        """
        who = clean_operator(operator)
        why = " ".join((reason or "").split())[:MAX_REASON_CHARS] or None
        if not approve and why is None:
            raise InputError(
                "A denial needs a reason; the agent is shown it.",
                code="input.reason_required",
                remediation=["Write a short reason and deny again."],
            )
        if not self.store.decide(approval_id, approve=approve, operator=who, reason=why):
            current = self.get(approval_id)
            if current.status != "pending":
                raise PolicyError(
                    f"Approval {approval_id} is already {current.status}.",
                    code="policy.approval_decided",
                    remediation=["Nothing to do; the request shows who decided it, when and why."],
                )
            raise PolicyError(
                f"Approval {approval_id} expired; the agent must make the call again.",
                code="policy.approval_expired",
                remediation=["Nothing to approve: the agent's next attempt opens a new request."],
            )
        approval = self.get(approval_id)
        detail: dict[str, Any] = {"operator": who, "summary": approval.summary, "via": via}
        if why is not None:
            detail["reason"] = why
        self.audit.record(
            "approval.approved" if approve else "approval.denied",
            outcome="ok",
            tool=approval.tool,
            profile=approval.profile,
            approval_id=approval.id,
            detail=detail,
        )
        self._tell("decided", approval)
        return approval

    def record_confirmation(
        self, *, tool: str, profile: str, args_sha256: str, answer: str, requested_by: str | None
    ) -> None:
        """Write what the person at the client answered to a `confirm` question into the audit log."""
        self.audit.record(
            "confirmation.answered",
            outcome="ok" if answer == "confirmed" else answer,
            tool=tool,
            profile=profile,
            detail={
                "who": "person at the client",
                "args_sha256": args_sha256,
                "answer": answer,
                **({"agent": requested_by} if requested_by else {}),
            },
        )

    def console_link(self, approval_id: str) -> str | None:
        """The console page of a request, when a console URL is configured."""
        return f"{self.console_url.rstrip('/')}/approvals/{approval_id}" if self.console_url else None

    def consume(self, approval_id: str, *, tool: str, args_sha256: str, profile: str) -> Approval:
        """Use an approved request for this exact call, once; atomic across processes and replicas.

        Raises:
            PolicyError: unknown, pending, denied, expired, used, or granted for another call.
            SkillError: internal.audit_unavailable when its use could not be recorded (it stays unused).
        """
        if self.store.consume(approval_id, tool=tool, args_sha256=args_sha256, profile=profile):
            try:
                self.audit.record("approval.used", outcome="ok", tool=tool, profile=profile, approval_id=approval_id)
            except Exception:
                # Not recorded, not used: the call does not run, so its approval stays good for a repeat.
                log.exception("could not record the use of approval %s; giving it back", approval_id)
                self.store.release(approval_id)
                raise audit_unavailable(tool) from None
            return self.get(approval_id)
        raise self._refusal(
            self.store.get(approval_id), approval_id, tool=tool, args_sha256=args_sha256, profile=profile
        )

    def release(self, approval_id: str, *, why: str) -> bool:
        """Give a used approval back (its call failed with no effect), so it can run again until it
        expires. False when it was not in use."""
        released = self.store.release(approval_id)
        if released:
            approval = self.get(approval_id)
            try:
                self.audit.record(
                    "approval.released",
                    outcome="ok",
                    tool=approval.tool,
                    profile=approval.profile,
                    approval_id=approval_id,
                    detail={"why": why},
                )
            except Exception:
                # Giving back is what the agent is told happened; a missing line in the log must not undo it.
                log.exception("could not record the release of approval %s", approval_id)
        return released

    def block(self, approval: Approval) -> dict[str, Any]:
        """What an agent is told about a request: the `approval` part of an error result."""
        return {
            "id": approval.id,
            "status": self.status_of(approval),
            "summary": approval.summary,
            "impact": approval.impact.model_dump(mode="json") if approval.impact else None,
            "expires_at": _iso(approval.expires_at),
            "approve_command": f"twilio-skill approvals approve {approval.id}",
            "console_url": self.console_link(approval.id),
        }

    def _refusal(
        self, current: Approval | None, approval_id: str, *, tool: str, args_sha256: str, profile: str
    ) -> PolicyError:
        if current is None:
            return PolicyError(
                f"No approval request has id {approval_id!r}.", code="policy.approval_invalid", remediation=[RETRY]
            )
        if current.tool != tool or current.profile != profile or current.args_sha256 != args_sha256:
            return PolicyError(
                f"Approval {approval_id} was granted for a different call; arguments must match exactly.",
                code="policy.approval_mismatch",
                remediation=["Repeat the call with exactly the arguments that were approved.", RETRY],
            )
        status = self.status_of(current)
        if status == "pending":
            return PolicyError(
                f"Approval {approval_id} has not been decided yet.",
                code="policy.approval_pending",
                retryable=True,
                remediation=[
                    f"Ask an operator to run: twilio-skill approvals approve {approval_id}",
                    "Wait with approval_status, then retry.",
                ],
            )
        if status == "denied":
            because = f" Reason: {current.reason}" if current.reason else ""
            return PolicyError(
                f"Approval {approval_id} was denied.{because}",
                code="policy.approval_denied",
                remediation=["Do not retry this action; tell the person it was denied."],
            )
        if status == "used":
            return PolicyError(
                f"Approval {approval_id} was already used; each approval runs one call.",
                code="policy.approval_used",
                remediation=[RETRY],
            )
        return PolicyError(f"Approval {approval_id} expired.", code="policy.approval_expired", remediation=[RETRY])
