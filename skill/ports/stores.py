"""The store interfaces the core is written against. SQLite (skill.stores) implements them; a second
backend is a new module and a test parametrisation, nothing more.

Every method is synchronous and short; callers on an event loop run them in a worker thread where
they may wait on a lock. Times are seconds since the epoch, from the wall clock the store was
opened with unless a method takes `now`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, Unpack

from skill.records.events import NewEvent, StoredEvent
from skill.records.ivr import CallState, DeployedMenu

if TYPE_CHECKING:
    from skill.records.agents import AgentRecord
    from skill.records.approvals import Approval
    from skill.records.audit import AuditEntry, AuditFields, AuditFilter, AuditRow
    from skill.records.bulk import JobRow, OutboxRow
    from skill.records.operators import OperatorRecord
    from skill.records.pricing import SpendTotals

IvrDecision = Callable[[CallState | None], tuple[str, CallState]]
EventEffect = Callable[[Any, StoredEvent], None]


class ApprovalStore(Protocol):
    def create_or_get_pending(self, approval: Approval) -> tuple[Approval, bool]:
        """Insert the request unless an unexpired pending one for the same tool, arguments digest and
        profile exists; atomically. Returns (the request now on record, whether it was created)."""
        ...

    def get(self, approval_id: str) -> Approval | None: ...

    def list(
        self, *, status: str | None = None, tool: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[Approval]:
        """Newest first. status filters by effective status: 'pending' and 'approved' leave out expired
        requests, 'expired' lists only those."""
        ...

    def decide(self, approval_id: str, *, approve: bool, operator: str, reason: str | None) -> bool:
        """Pending and unexpired -> approved or denied, in one conditional update; False if not."""
        ...

    def consume(self, approval_id: str, *, tool: str, args_sha256: str, profile: str) -> bool:
        """Approved, unexpired and for exactly this call -> used, in one conditional update; False if not."""
        ...

    def release(self, approval_id: str) -> bool:
        """Used -> approved again (the call it was used for failed with no effect); False if not used."""
        ...


class AuditLog(Protocol):
    def record(self, event: str, **fields: Unpack[AuditFields]) -> int:
        """Append an entry (secrets stripped, numbers masked); its id."""
        ...

    def prepare(self, event: str, **fields: Unpack[AuditFields]) -> AuditRow:
        """The row record() would write, stamped now; nothing is written."""
        ...

    def write(self, rows: Sequence[AuditRow]) -> list[int]:
        """Append prepared rows in one transaction; their ids, in order."""
        ...

    def complete(self, entry_id: int, *, outcome: str, detail: dict[str, Any] | None = None) -> None:
        """Set the outcome of an entry recorded as 'started', merging detail into it."""
        ...

    def search(self, where: AuditFilter, *, before_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
        """Entries matching the filter, newest first, older than before_id when given (keyset paging)."""
        ...

    def choices(self) -> tuple[list[str], list[str]]:
        """The tool names and outcomes that appear in the log."""
        ...

    def tail(self, limit: int = 20, tool: str | None = None) -> list[AuditEntry]:
        """The newest entries, oldest first (the order a terminal reads)."""
        ...


class SuppressionStore(Protocol):
    def add(self, phone: str, *, source: str, scope: str = "*") -> bool: ...

    def remove(self, phone: str, scope: str = "*") -> bool: ...

    def is_suppressed(self, phone: str, scope: str | None = None) -> bool: ...

    def list(self, limit: int = 100) -> list[dict[str, Any]]: ...

    def page(
        self,
        *,
        limit: int,
        after: tuple[float, str, str] | None = None,
        exclude_scope: str | None = None,
        phones: tuple[str, ...] = (),
    ) -> builtins.list[dict[str, Any]]:
        """Rows newest first, after the (created_at, phone, scope) of the last row seen when given."""
        ...


class IdempotencyStore(Protocol):
    def get(self, key: str, tool: str, profile: str) -> tuple[str, dict[str, Any]] | None: ...

    def claim(
        self, key: str, tool: str, profile: str, args_sha256: str
    ) -> tuple[str, dict[str, Any] | None, float] | None:
        """None when this caller now holds the key; else (digest, first result or None while in flight,
        when the claim was made)."""
        ...

    def takeover(self, key: str, tool: str, profile: str, claimed_at: float) -> bool:
        """Claim anew a key still in flight since claimed_at; False when another caller got there first."""
        ...

    def complete(self, key: str, tool: str, profile: str, result: dict[str, Any]) -> None: ...

    def release(self, key: str, tool: str, profile: str) -> None: ...


class SendCounter(Protocol):
    def count(self, profile: str, tool: str, day: str | None = None) -> int: ...

    def increment(self, profile: str, tool: str, by: int = 1) -> None: ...

    def try_reserve(self, profile: str, tool: str, cap: int) -> bool:
        """Count one send now if the day's count is under cap (a cap of 0 allows none); atomic."""
        ...

    def release(self, profile: str, tool: str) -> None: ...


class SpendCounter(Protocol):
    """Spend per profile and UTC day in the account's currency; a reconciled day counts what Twilio billed."""

    def totals(self, profile: str, day: str | None = None) -> SpendTotals:
        """Spend on `day` (today when None) and in its month."""
        ...

    def try_reserve(
        self, profile: str, amount: Decimal, *, per_day: Decimal | None, per_month: Decimal | None
    ) -> tuple[bool, SpendTotals]:
        """Count amount today unless the day or the month would go over its cap (None: no cap); atomic.
        Returns (counted, the totals before)."""
        ...

    def add(self, profile: str, amount: Decimal) -> str:
        """Count amount today whatever the caps; returns the day."""
        ...

    def release(self, profile: str, amount: Decimal, day: str) -> None: ...

    def reconcile(self, profile: str, day: str, billed: Decimal) -> Decimal:
        """Count `billed` for the day instead of the estimates; returns the estimate it replaced."""
        ...


class VerifySendLog(Protocol):
    def record(self, profile: str, destination: str, channel: str, at: float | None = None) -> None: ...

    def since(self, profile: str, destination: str, since: float) -> list[float]: ...


class WebhookEventStore(Protocol):
    def record(self, events: Sequence[NewEvent], *, now: float | None = None) -> list[bool]: ...

    def process_pending(self, effect: EventEffect, *, limit: int = 200, now: float | None = None) -> int: ...

    def pending_count(self) -> int: ...

    def list(
        self,
        *,
        sid: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        since: float | None = None,
        until: float | None = None,
        below_id: int | None = None,
        limit: int = 50,
        oldest_first: bool = False,
    ) -> list[StoredEvent]: ...

    def counters(self) -> dict[str, int]: ...


class IvrMenuStore(Protocol):
    def save(self, name: str, menu: dict[str, Any], max_invalid: int, *, now: float | None = None) -> bool: ...

    def get(self, name: str) -> DeployedMenu | None: ...

    def names(self) -> list[str]: ...

    def call_state(self, call_sid: str) -> CallState | None: ...

    def respond(self, call_sid: str, step_key: str, decide: IvrDecision, *, now: float | None = None) -> str: ...


class OperatorStore(Protocol):
    """Where operator records live (SQLite by default)."""

    def add(self, name: str, key_id: str, secret_sha256: str) -> OperatorRecord:
        """Raises: InputError: the name is taken (revoked names stay taken)."""
        ...

    def replace_key(self, name: str, key_id: str, secret_sha256: str) -> OperatorRecord:
        """Raises: NotFoundError: unknown name. PolicyError: the operator was revoked."""
        ...

    def revoke(self, name: str) -> OperatorRecord:
        """Raises: NotFoundError: unknown name. PolicyError: already revoked."""
        ...

    def get(self, name: str) -> OperatorRecord:
        """Raises: NotFoundError: unknown name."""
        ...

    def by_key(self, key_id: str) -> OperatorRecord | None: ...

    def list(self) -> list[OperatorRecord]: ...


class AgentStore(Protocol):
    """Where agent records live: the named identities calling over HTTP with their own token."""

    def add(self, name: str, key_id: str, secret_sha256: str) -> AgentRecord:
        """Raises: InputError: the name is taken (revoked names stay taken)."""
        ...

    def replace_key(self, name: str, key_id: str, secret_sha256: str) -> AgentRecord:
        """Raises: NotFoundError: unknown name. PolicyError: the agent was revoked."""
        ...

    def revoke(self, name: str) -> AgentRecord:
        """Raises: NotFoundError: unknown name. PolicyError: already revoked."""
        ...

    def get(self, name: str) -> AgentRecord:
        """Raises: NotFoundError: unknown name."""
        ...

    def by_key(self, key_id: str) -> AgentRecord | None: ...

    def list(self) -> list[AgentRecord]: ...


class OutboxStore(Protocol):
    """Bulk send jobs and their rows, one per recipient (skill.stores.outbox describes the leases).
    A PostgreSQL implementation selects a claim's batch with FOR UPDATE SKIP LOCKED."""

    def create_job(self, job: JobRow, rows: Sequence[OutboxRow]) -> None:
        """The job and all its rows, in one transaction."""
        ...

    def job(self, job_id: str) -> JobRow | None: ...

    def jobs(self, profile: str, *, limit: int, before: tuple[float, str] | None = None) -> list[JobRow]: ...

    def set_status(self, job_id: str, status: str, *, allowed_from: tuple[str, ...]) -> bool:
        """Change the job's status if it is one of allowed_from; atomic."""
        ...

    def hold(self, job_id: str, reason: str | None, until: float | None) -> None: ...

    def claim(
        self, worker: str, *, limit: int, lease_seconds: float, now: float | None = None
    ) -> builtins.list[OutboxRow]:
        """Lease ready rows (queued, or unknown to reconcile) of running jobs; expired leases taken back."""
        ...

    def mark_attempted(
        self, job_id: str, idx: int, worker: str, lease_seconds: float, now: float | None = None
    ) -> bool:
        """Right before the request: True when the row is still leased to worker and its job running."""
        ...

    def finish(
        self,
        job_id: str,
        idx: int,
        state: str,
        *,
        sid: str | None = None,
        error_code: int | None = None,
        error_message: str | None = None,
        now: float | None = None,
    ) -> bool: ...

    def requeue(
        self,
        job_id: str,
        idx: int,
        *,
        not_before: float,
        forget_attempt: bool,
        now: float | None = None,
        owner: str | None = None,
    ) -> None: ...

    def cancel_pending(self, job_id: str) -> int: ...

    def counts(self, job_id: str) -> dict[str, int]: ...

    def sent_span(self, job_id: str) -> tuple[int, float | None, float | None]: ...

    def errors(self, job_id: str, limit: int) -> builtins.list[tuple[int | None, str | None, int]]: ...

    def rows(self, job_id: str, *, states: tuple[str, ...] = (), limit: int = 100) -> builtins.list[OutboxRow]: ...

    def record_delivery(self, sid: str, status: str) -> bool: ...

    def record_deliveries(self, updates: Sequence[tuple[str, str]]) -> None: ...

    def complete_finished(self) -> builtins.list[str]: ...

    def next_due(self, now: float | None = None) -> float | None: ...


class BucketState(Protocol):
    """One token bucket as stored (skill.core.token_bucket holds the arithmetic)."""

    configured: float
    rate: float
    tokens: float
    last: float
    blocked_until: float


class BucketStore(Protocol):
    """The bulk sender's token buckets, one row per sender or service, shared by every worker on the
    database. Each change is one transaction on the bucket's row (SELECT ... FOR UPDATE on
    PostgreSQL, the write lock on SQLite) at the caller's clock reading `now`; a bucket is created
    full at `configured` segments per second on first use, and follows `configured` if it changes."""

    def take(self, key: str, configured: float, segments: int, now: float) -> float:
        """Refill by the time elapsed, then take `segments` tokens: 0 when taken, else the seconds
        to wait (a Retry-After block included)."""
        ...

    def slow_down(self, key: str, configured: float, now: float) -> None: ...

    def speed_up(self, key: str, configured: float, now: float) -> None: ...

    def block(self, key: str, configured: float, until: float, now: float) -> None: ...

    def read(self, key: str) -> BucketState | None: ...


class RetentionPeriods(Protocol):
    """How many days records are kept (None: forever), as the policy's [retention] says."""

    @property
    def audit_days(self) -> int | None: ...

    @property
    def webhook_event_days(self) -> int | None: ...

    @property
    def message_body_days(self) -> int | None: ...


class RetentionStore(Protocol):
    def prune(self, periods: RetentionPeriods, now: float, *, dry_run: bool = False) -> dict[str, int]:
        """Delete what the periods keep no longer as of `now` (opt-outs never); what was, or with
        dry_run would be, removed, by kind."""
        ...


class StorePorts(Protocol):
    """Every store, opened together on one database."""

    @property
    def approvals(self) -> ApprovalStore: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def suppressions(self) -> SuppressionStore: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def send_counter(self) -> SendCounter: ...

    @property
    def spend(self) -> SpendCounter: ...

    @property
    def verify_sends(self) -> VerifySendLog: ...

    @property
    def webhook_events(self) -> WebhookEventStore: ...

    @property
    def ivr_menus(self) -> IvrMenuStore: ...

    @property
    def operators(self) -> OperatorStore: ...

    @property
    def agents(self) -> AgentStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    @property
    def buckets(self) -> BucketStore: ...

    @property
    def retention(self) -> RetentionStore: ...

    def close(self) -> None: ...
