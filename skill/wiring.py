"""The composition root: builds the services a server, the CLI, the receiver or a test runs on,
plugging adapters (SQLite or PostgreSQL stores, the Twilio and SendGrid gateways, the embedded sandbox) into the
ports the core is written against. The only module that knows every concrete class."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.config import Settings
from skill.core.approvals import ApprovalService
from skill.core.context import Services
from skill.core.signing import TokenResolver
from skill.core.webhook_tokens import live_tokens
from skill.policy.policy import load_policy
from skill.ports.clock import Clock, SystemClock
from skill.ports.stores import StorePorts
from skill.stores.sqlite import Stores

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox
    from skill.sandbox.state import SandboxState


def token_resolver(settings: Settings, sandbox_state: SandboxState | None = None) -> TokenResolver:
    """Who signed a callback: the live account's token, or the sandbox's accounts (`sandbox_state`, or
    the seeded ones)."""
    if settings.mode == "live":
        return live_tokens(settings)
    from skill.sandbox.tokens import SandboxTokens

    return SandboxTokens(sandbox_state)


def open_stores(settings: Settings, clock: Clock | None = None) -> Stores:
    """The stores of these settings' database (PostgreSQL when TWILIO_SKILL_DATABASE_URL is set, else the
    SQLite file), with secrets stripped from the audit log.

    Raises:
        ConfigError: the PostgreSQL server cannot be reached.
    """
    return Stores.open(settings.database, settings.secret_values(), clock=clock)


def approval_service(stores: StorePorts, settings: Settings, clock: Clock | None = None) -> ApprovalService:
    """The approvals service over open stores, for surfaces that need no gateways (CLI, console)."""
    return ApprovalService(
        store=stores.approvals,
        audit=stores.audit,
        clock=clock or SystemClock(),
        ttl_seconds=settings.approval_ttl_seconds,
        console_url=settings.console_url,
    )


def build_services(settings: Settings, *, sandbox: Sandbox | None = None, clock: Clock | None = None) -> Services:
    """Open the stores and the gateways. In sandbox mode with no sandbox URL, embed a sandbox (or use
    the one given, as tests do).

    Raises:
        ConfigError: the policy file is unusable.
    """
    from skill.gateways.sendgrid_gateway import SendGridGateway
    from skill.gateways.twilio_gateway import TwilioGateway

    policy = load_policy(settings.policy_path)
    wall = clock or SystemClock()
    stores = open_stores(settings, wall)
    transport = None
    upstream: Clock = wall
    if settings.mode == "sandbox" and not settings.sandbox_url:
        if sandbox is None:
            from skill.sandbox.app import Sandbox

            sandbox = Sandbox.from_settings(settings)
        transport = sandbox.transport()
        upstream = sandbox.clock
    return Services(
        settings=settings,
        stores=stores,
        policy=policy,
        twilio=TwilioGateway(settings, sandbox_transport=transport),
        sendgrid=SendGridGateway(settings, sandbox=sandbox),
        webhook_tokens=token_resolver(settings, sandbox.state if sandbox is not None else None),
        clock=wall,
        upstream_clock=upstream,
        background=(sandbox.running,) if sandbox is not None else (),
    )
