"""What the console's routes share: settings, stores, sessions, and every way they reach approvals.

Routes reach approval requests only through `Console`'s methods (list, get, decide), so the
backend behind them can change in this one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import anyio

from skill.config import Settings
from skill.console.auth import Session, SessionStore
from skill.core.approvals import ApprovalService
from skill.core.operators import authenticate, still_current
from skill.errors import InputError, NotFoundError, PolicyError, SkillError
from skill.records.approvals import Approval
from skill.records.audit import AuditEntry, AuditFilter
from skill.records.operators import OperatorRecord
from skill.stores.sqlite import Stores

T = TypeVar("T")

MAX_AUDIT_ENTRIES = 1000
DEFAULT_AUDIT_ENTRIES = 50
MAX_REASON_CHARS = 500
MAX_TOOL_CHARS = 64
MAX_REQUESTS = 1000
EXPORT_BATCH = 500
STATUSES = ("pending", "approved", "denied", "used", "expired")

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


def parse_limit(raw: str | None, default: int = DEFAULT_AUDIT_ENTRIES) -> int:
    """The `n` query parameter of the list views.

    Raises:
        InputError: not a whole number from 1 to 1000.
    """
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_AUDIT_ENTRIES:
        raise InputError(
            f"n must be a whole number from 1 to {MAX_AUDIT_ENTRIES}, not {raw[:20]!r}.",
            code="input.invalid_limit",
            remediation=[f"Ask for e.g. n={default}."],
        )
    return value


def parse_status(raw: str | None) -> str | None:
    """A status filter: one of STATUSES, or None for every request ('all' or nothing given).

    Raises:
        InputError: any other value.
    """
    if not raw or raw == "all":
        return None
    if raw not in STATUSES:
        raise InputError(
            f"Unknown status {raw[:20]!r}.",
            code="input.invalid_status",
            remediation=[f"Use one of: {', '.join(STATUSES)}, all."],
        )
    return raw


@dataclass
class Console:
    settings: Settings
    stores: Stores
    allowed_hosts: frozenset[str]
    owns_stores: bool = False
    sessions: SessionStore = field(default_factory=SessionStore)

    def __post_init__(self) -> None:
        from skill.wiring import approval_service

        self.approvals: ApprovalService = approval_service(self.stores, self.settings)

    def status_of(self, approval: Approval) -> str:
        """The status a person sees (an undecided request past its expiry reads 'expired')."""
        return self.approvals.status_of(approval)

    def public(self, approval: Approval) -> dict[str, object]:
        return self.approvals.public(approval)

    async def run(self, work: Callable[[], T]) -> T:
        """Store work off the event loop: SQLite may wait on another process's write lock."""
        return await anyio.to_thread.run_sync(work)

    # Operators and sessions.

    def operator_for(self, credential: str) -> OperatorRecord | None:
        """The active operator a credential names, or None."""
        return authenticate(self.stores.operators, credential)

    def log_in(self, credential: str) -> tuple[str, Session] | None:
        """A new session (cookie, session) for a valid operator credential, or None."""
        record = self.operator_for(credential)
        if record is None:
            return None
        return self.sessions.create(record.name, record.key_id)

    def session_for(self, cookie: str | None) -> Session | None:
        """The live session a cookie names, if its operator still holds the credential it logged in with."""
        session = self.sessions.get(cookie)
        if session is None:
            return None
        if not still_current(self.stores.operators, session.operator, session.key_id):
            self.sessions.end_operator(session.operator)
            return None
        return session

    # Approval requests: the only way the console reaches them.

    def list_requests(self, status: str | None, tool: str | None, limit: int) -> list[Approval]:
        """Requests newest first, by effective status (None: all) and tool (None: all)."""
        return self.approvals.list(status=status, tool=tool, limit=limit)

    def request_tools(self) -> list[str]:
        """The tools of recent requests, for the list's filter."""
        return sorted({item.tool for item in self.approvals.list(limit=MAX_REQUESTS)})

    def get(self, approval_id: str) -> Approval:
        """One request.

        Raises:
            NotFoundError: unknown id.
        """
        try:
            return self.approvals.get(approval_id)
        except SkillError as exc:
            raise with_hint(exc) from None

    def decide(self, approval_id: str, *, approve: bool, operator: str, reason: str | None, via: str) -> Approval:
        """Approve or deny a request as the given (authenticated) operator, and record it in the audit log.

        Raises:
            InputError: a denial without a reason.
            NotFoundError: unknown id.
            PolicyError: the request was already decided, or has expired.
        """
        try:
            return self.approvals.decide(approval_id, approve=approve, operator=operator, reason=reason, via=via)
        except SkillError as exc:
            raise with_hint(exc) from None

    # The audit log.

    def audit_page(self, where: AuditFilter, before_id: int | None, limit: int) -> list[AuditEntry]:
        """Entries matching the filter, newest first, older than before_id when given."""
        return self.stores.audit.search(where, before_id=before_id, limit=limit)

    def audit_tail(self, limit: int, tool: str | None) -> list[AuditEntry]:
        """The newest entries (of one tool, when given), oldest of them first, as `audit tail` prints them."""
        return self.stores.audit.tail(limit, tool=tool)

    def audit_choices(self) -> tuple[list[str], list[str]]:
        """(tools, outcomes) seen in the log, for the filter's choices."""
        return self.stores.audit.choices()

    def audit_export(self, where: AuditFilter) -> Iterator[list[AuditEntry]]:
        """Every matching entry, newest first, in batches (each batch one short read)."""
        before: int | None = None
        while True:
            batch = self.stores.audit.search(where, before_id=before, limit=EXPORT_BATCH)
            if not batch:
                return
            yield batch
            before = batch[-1].id
