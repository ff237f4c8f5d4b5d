"""What the console's routes share: settings, stores, the token, sessions, and the decision itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import anyio

from skill.config import Settings
from skill.console.auth import SessionStore
from skill.core.approvals import ApprovalService
from skill.errors import InputError, NotFoundError, PolicyError, SkillError
from skill.records.approvals import Approval
from skill.stores.sqlite import Stores

T = TypeVar("T")

MAX_AUDIT_ENTRIES = 1000
DEFAULT_AUDIT_ENTRIES = 50
MAX_OPERATOR_CHARS = 80
MAX_REASON_CHARS = 500
MAX_TOOL_CHARS = 64

# Next steps for the refusals the stores raise without any.
HINTS = {
    "not_found.approval": "Check the id; pending requests are listed on the console's front page.",
    "policy.approval_decided": "Nothing to do; the request's page shows who decided it, when and why.",
    "policy.approval_expired": "Nothing to approve: the agent must make the call again, which opens a new request.",
}


def with_hint(error: SkillError) -> SkillError:
    """The error, with a next step filled in when the raiser gave none."""
    if not error.remediation and error.code in HINTS:
        error.remediation = [HINTS[error.code]]
    return error


def http_status_of(error: SkillError) -> int:
    """The HTTP status that answers a refusal: unknown id 404, wrong state 409, bad input 400."""
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, PolicyError):
        return 409
    return 400


def clean_operator(name: str | None, default: str) -> str:
    """An operator name as the audit log records it: trimmed, one line, bounded."""
    cleaned = " ".join((name or "").split())[:MAX_OPERATOR_CHARS]
    return cleaned or default


def parse_limit(raw: str | None) -> int:
    """The `n` query parameter of the audit views.

    Raises:
        InputError: not a whole number from 1 to 1000.
    """
    if raw is None or raw == "":
        return DEFAULT_AUDIT_ENTRIES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_AUDIT_ENTRIES:
        raise InputError(
            f"n must be a whole number from 1 to {MAX_AUDIT_ENTRIES}, not {raw[:20]!r}.",
            code="input.invalid_limit",
            remediation=[f"Ask for e.g. n={DEFAULT_AUDIT_ENTRIES}."],
        )
    return value


@dataclass
class Console:
    settings: Settings
    stores: Stores
    token: str
    allowed_hosts: frozenset[str]
    owns_stores: bool = False
    sessions: SessionStore = field(default_factory=SessionStore)

    @property
    def approvals(self) -> ApprovalService:
        from skill.wiring import approval_service

        return approval_service(self.stores, self.settings)

    async def run(self, work: Callable[[], T]) -> T:
        """Store work off the event loop: SQLite may wait on another process's write lock."""
        return await anyio.to_thread.run_sync(work)

    def decide(self, approval_id: str, *, approve: bool, operator: str, reason: str | None) -> Approval:
        """Approve or deny a request and record the decision in the audit log, as the CLI does.

        Raises:
            InputError: a denial without a reason.
            NotFoundError: unknown id.
            PolicyError: the request was already decided, or has expired.
        """
        try:
            return self.approvals.decide(approval_id, approve=approve, operator=operator, reason=reason, via="console")
        except SkillError as exc:
            raise with_hint(exc) from None

    def get(self, approval_id: str) -> Approval:
        """One request.

        Raises:
            NotFoundError: unknown id.
        """
        try:
            return self.approvals.get(approval_id)
        except SkillError as exc:
            raise with_hint(exc) from None
