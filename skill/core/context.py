"""Services: everything a core function needs, built once per server (skill.wiring) and injected.

Core code reaches its collaborators only through this container: stores and clocks by their ports,
the gateways, the policy, the gate and the approvals service.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from skill.core.approval_watch import ApprovalWatch
from skill.core.approvals import ApprovalService
from skill.core.group_commit import GroupCommit, StoreWrite, run_each
from skill.core.notify import Notifier
from skill.core.pricing import PriceBook
from skill.policy.gate import Gate, GatedCall
from skill.policy.policy import Environment, Policy
from skill.ports.clock import Clock, SystemClock

if TYPE_CHECKING:
    from skill.config import Settings
    from skill.core.signing import TokenResolver
    from skill.ports.stores import StorePorts
    from skill.ports.twilio import TwilioPort
    from skill.ports.twilio.email import SendGridPort
    from skill.records.audit import AuditRow
    from skill.records.pricing import Estimate
    from skill.records.scope import AccountScope

log = logging.getLogger("twilio_skill")

Background = Callable[[], AbstractAsyncContextManager[None]]
ProgressReport = Callable[[float, float | None, str | None], Awaitable[None]]

# Set by the server around one tool call: the approval it used.
approval_in_use: ContextVar[str | None] = ContextVar("approval_in_use", default=None)

# The API key (SID, secret) an account has for product APIs beyond api.twilio.com, or why there is none.
KeyFinder = Callable[[str, Environment | None], tuple[tuple[str, str] | None, str | None]]


def no_keys(account_sid: str, environment: Environment | None) -> tuple[tuple[str, str] | None, str | None]:
    return None, "no key store is configured"


@dataclass
class Services:
    settings: Settings
    stores: StorePorts
    policy: Policy
    twilio: TwilioPort
    sendgrid: SendGridPort
    webhook_tokens: TokenResolver
    clock: Clock = field(default_factory=SystemClock)  # wall clock: approvals, audit, counters, our limits
    upstream_clock: Clock = field(default_factory=SystemClock)  # the clock of whatever answers as Twilio
    # Work that runs while a server serves (the embedded sandbox's callback loop), entered by its lifespan.
    background: tuple[Background, ...] = ()
    # Named accounts the `account` argument may pick (the policy's [environments], or the sandbox's own).
    environments: tuple[Environment, ...] = ()
    find_key: KeyFinder = no_keys
    scope: AccountScope | None = None  # set on services bound to an account other than the profile's

    def __post_init__(self) -> None:
        # Small store writes of concurrent tool calls share one trip to a worker thread.
        self.store_writes: GroupCommit[StoreWrite, Any] = GroupCommit(run_each)
        # Their audit entries share one transaction too (one statement on PostgreSQL).
        self.audit_writes: GroupCommit[AuditRow, int] = GroupCommit(self.stores.audit.write)
        self.approvals = ApprovalService(
            store=self.stores.approvals,
            audit=self.stores.audit,
            clock=self.clock,
            ttl_seconds=self.settings.approval_ttl_seconds,
            console_url=self.settings.console_url or self.policy.console_url,
        )
        # Requests someone waits on, read back from the store (a decision may come from any process).
        self.watch = ApprovalWatch(self.stores.approvals, self.clock)
        self.notifier = Notifier(
            self.policy.notify,
            audit=self.stores.audit,
            clock=self.clock,
            watch=self.watch,
            send_email=self.sendgrid.send_mail,
            send_sms=self._notify_by_sms,
            console_link=self.approvals.console_link,
            environ=os.environ,
        )
        if self.notifier.active:
            self.approvals.notify = self.notifier.tell
        # Price lists are kept per server: one Pricing request per country and list while they are fresh.
        self.prices = PriceBook(self.twilio.pricing, self.clock, ttl_seconds=self.policy.pricing.cache_seconds)
        self.gate = Gate(
            policy=self.policy,
            approvals=self.approvals,
            send_counter=self.stores.send_counter,
            default_region=self.settings.default_region,
            trusted_webhook_hosts=self.settings.own_webhook_hosts(),
            spend_counter=self.stores.spend,
            estimate_spend=self._estimate_spend,
        )

    async def _notify_by_sms(self, to: str, body: str, from_: str | None, service_sid: str | None) -> None:
        await self.twilio.messages.create(
            to=to,
            body=body,
            from_=from_,
            messaging_service_sid=service_sid,
            media_url=None,
            status_callback=None,
            validity_period=None,
        )

    async def _estimate_spend(self, call: GatedCall) -> Estimate:
        from skill.core.spend import estimate_call

        return await estimate_call(self, call.tool, call.args)

    @property
    def environment(self) -> str:
        return self.settings.mode

    @property
    def profile(self) -> str:
        """What approvals, counters, idempotency keys and audit entries are bound to: the profile, and the
        account when the call acts on another one."""
        base = self.settings.profile_name
        return f"{base}@{self.scope.account_sid}" if self.scope is not None else base

    def scoped(self, scope: AccountScope) -> Services:
        """These services bound to another account: its gateway, its environment's policy, its own profile
        key; stores, clocks and SendGrid are shared."""
        return replace(
            self,
            twilio=self.twilio.scoped(scope),
            policy=self.policy.for_account(scope.account_sid),
            scope=scope,
            background=(),
        )

    async def aclose(self) -> None:
        if self.scope is not None:
            return  # a scoped copy shares everything it holds with the services it came from
        self.notifier.close()
        await self.twilio.aclose()
        await self.sendgrid.aclose()
        self.stores.close()
